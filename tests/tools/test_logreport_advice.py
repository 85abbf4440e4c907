"""Advice and the DEBUG-buffer model on small log files written in the logger's schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tools.cli import cli


def _line(level: str, message: str, **fields: Any) -> dict[str, Any]:
    base = {"timestamp": "2026-01-05T10:00:00.000Z", "level": level, "message": message}
    base.update(fields)
    return base


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _size(line: dict[str, Any]) -> int:
    return len(json.dumps(line).encode())


def _report(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["logs", "report", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_debug_buffering_writes_only_lines_before_an_error(tmp_path: Path) -> None:
    ok = [
        _line(
            "DEBUG", f"step {i}", service="svc", correlation_id="wf-1", function_request_id="req-ok"
        )
        for i in range(5)
    ]
    before = [
        _line(
            "DEBUG",
            f"step {i}",
            service="svc",
            correlation_id="wf-2",
            function_request_id="req-bad",
        )
        for i in range(3)
    ]
    error = _line(
        "ERROR",
        "order rejected",
        service="svc",
        correlation_id="wf-2",
        function_request_id="req-bad",
    )
    after = [
        _line(
            "DEBUG", "cleanup", service="svc", correlation_id="wf-2", function_request_id="req-bad"
        )
    ]
    lines = ok + before + [error] + after
    report = _report(str(_write(tmp_path / "svc.jsonl", lines)))
    model = report["debug_buffering"]
    debug_bytes = sum(_size(x) for x in ok + before + after)
    assert model["invocations_from"] == "request_id"
    assert model["debug_bytes"] == debug_bytes
    assert model["written_bytes"] == sum(_size(x) for x in before)  # held, then released
    assert model["saving_bytes"] == debug_bytes - sum(_size(x) for x in before)
    # two workflows: every per-workflow number divides by two
    assert report["totals"]["workflows"] == 2
    assert report["totals"]["bytes_per_workflow"] == pytest.approx(
        sum(_size(x) for x in lines) / 2, abs=0.05
    )


def test_buffer_bound_drops_the_oldest_lines(tmp_path: Path) -> None:
    held = [
        _line("DEBUG", f"row {i}", correlation_id="wf", function_request_id="r") for i in range(10)
    ]
    error = _line("ERROR", "bad row", correlation_id="wf", function_request_id="r")
    path = _write(tmp_path / "a.jsonl", [*held, error])
    # a bound that holds the last three lines (each costs its bytes plus a newline)
    bound = sum(_size(x) + 1 for x in held[-3:])
    report = _report(str(path), "--debug-buffer-bytes", str(bound))
    assert report["debug_buffering"]["written_bytes"] == sum(_size(x) for x in held[-3:])
    # with sampling, the expected written bytes add the rate times the discarded ones
    sampled = _report(str(path), "--debug-buffer-bytes", str(bound), "--debug-sample-rate", "0.5")
    discarded = sum(_size(x) for x in held[:-3])
    assert sampled["debug_buffering"]["written_bytes"] == pytest.approx(
        sum(_size(x) for x in held[-3:]) + 0.5 * discarded, abs=0.1
    )


def test_levels_that_look_wrong(tmp_path: Path) -> None:
    lines = [
        _line("ERROR", "Nightly job completed", correlation_id="wf-1"),
        _line("ERROR", "Payment failed for order 17", correlation_id="wf-1"),
        *[
            _line("WARNING", f"retrying price fetch for AAPL attempt {i}", correlation_id="wf-1")
            for i in range(12)
        ],
        _line("WARNING", "cache cold", correlation_id="wf-1"),
        _line("INFO", "upload failed, will retry", correlation_id="wf-1"),
    ]
    report = _report(str(_write(tmp_path / "x.jsonl", lines)))
    by_kind: dict[str, list[str]] = {}
    for item in report["advice"]:
        by_kind.setdefault(item["kind"], []).append(item["template"])
    assert by_kind["error_that_is_not"] == ["Nightly job completed"]
    assert by_kind["warning_in_hot_loop"] == ["retrying price fetch for <sym> attempt <n>"]
    assert by_kind["failure_below_warning"] == ["upload failed, will retry"]
    hot = next(a for a in report["advice"] if a["kind"] == "warning_in_hot_loop")
    assert hot["lines"] == 12


def test_budget_from_option_and_catalog(tmp_path: Path, example_catalog_path: Path) -> None:
    lines = [_line("INFO", "x" * 100, correlation_id=f"wf-{i % 2}") for i in range(10)]
    path = _write(tmp_path / "b.jsonl", lines)
    per_workflow = sum(_size(x) for x in lines) / 2
    under = _report(str(path), "--budget-bytes", str(int(per_workflow) + 1))
    assert under["budget"]["over"] is False
    assert not [a for a in under["advice"] if a["kind"] == "over_budget"]
    over = _report(str(path), "--budget-bytes", "100")
    assert over["budget"]["over"] is True
    item = next(a for a in over["advice"] if a["kind"] == "over_budget")
    assert item["saving_bytes_per_workflow"] == pytest.approx(per_workflow - 100, abs=0.1)
    result = CliRunner().invoke(
        cli, ["logs", "report", str(path), "--budget-bytes", "100", "--check", "--format", "json"]
    )
    assert result.exit_code == 1
    # without the option the catalog's budget applies
    default = _report(str(path), "--catalog", str(example_catalog_path))
    assert default["budget"]["log_bytes_per_workflow"] == 1_000_000


def test_correlation_in_text_needs_a_known_id(tmp_path: Path) -> None:
    wf = "workflow-2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a"
    order = "7a0733ec-d6c7-4afd-bb36-0f52fb76a3a0"
    lines = [
        _line("INFO", "started", correlation_id=wf),
        _line("WARNING", f"[{wf}] rejected"),
        _line("INFO", f"order {order} placed"),  # a UUID that is no workflow
        _line("INFO", "correlation_id=wf-text-only done"),
        _line("INFO", "no id here"),
    ]
    report = _report(str(_write(tmp_path / "c.jsonl", lines)))
    corr = report["correlation"]
    assert corr["found_top_level"] == 1
    assert corr["found_in_text"] == 2
    assert corr["lines_without_field"] == 4
    assert corr["lines_without_any"] == 2
    assert report["totals"]["workflows"] == 2


def test_lambda_stdout_lines(tmp_path: Path) -> None:
    request = "3f1e2d4c-1111-2222-3333-444455556666"
    text = (
        f"START RequestId: {request} Version: $LATEST\n"
        f'{{"level":"DEBUG","message":"held","correlation_id":"wf","function_request_id":"{request}"}}\n'
        f"END RequestId: {request}\n"
        f"REPORT RequestId: {request}\tDuration: 2.00 ms\tBilled Duration: 3 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 60 MB\n"
    )
    path = tmp_path / "stdout.log"
    path.write_text(text, encoding="utf-8")
    report = _report(str(path))
    levels = {row["level"]: row["lines"] for row in report["by_level"]}
    assert levels == {"DEBUG": 1, "PLATFORM": 3}
    templates = {row["template"] for row in report["call_sites"]}
    assert "START RequestId: <uuid> Version: $LATEST" in templates
    assert report["debug_buffering"]["written_bytes"] == 0  # END closed a clean invocation


def test_time_span_from_the_lines_own_timestamps(tmp_path: Path) -> None:
    lines = [
        {**_line("INFO", "a"), "timestamp": "2026-01-05T10:00:00.000Z"},
        {**_line("INFO", "b"), "timestamp": "2026-01-05T10:00:57.500Z"},
    ]
    totals = _report(str(_write(tmp_path / "t.jsonl", lines)))["totals"]
    assert totals["last_timestamp_ms"] - totals["first_timestamp_ms"] == 57_500


def test_invocations_from_start_and_end_lines(tmp_path: Path) -> None:
    """Lines without a request id belong to the invocation open in their stream."""
    first, second = (f"3f1e2d4c-1111-2222-3333-44445555666{i}" for i in (1, 2))
    debug = json.dumps({"level": "debug", "event": "held", "correlation_id": "wf"})
    error = json.dumps({"level": "error", "event": "boom", "correlation_id": "wf"})
    text = (
        f"START RequestId: {first} Version: $LATEST\n{debug}\n{debug}\nEND RequestId: {first}\n"
        f"START RequestId: {second} Version: $LATEST\n{debug}\n{error}\nEND RequestId: {second}\n"
    )
    path = tmp_path / "stdout.log"
    path.write_text(text, encoding="utf-8")
    model = _report(str(path))["debug_buffering"]
    assert model["invocations_from"] == "request_id"
    assert model["debug_bytes"] == 3 * len(debug)
    # the first invocation ended cleanly: only the second's DEBUG line is written
    assert model["written_bytes"] == len(debug)
