"""`obskit baseline --from-logs`: latency per hop and end to end, Lambda durations, throughput."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from ready_helpers import sandbox_logs  # noqa: E402

from tools.cli import cli  # noqa: E402
from tools.readiness.baseline_model import distribution, percentile  # noqa: E402

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z in ms
GROUP = "/aws/lambda/alchemiser-dev-{}"
STEPS = [
    ("strategy-worker", "WorkflowStarted"),
    ("signal-aggregator", "PartialSignalGenerated"),
    ("portfolio", "SignalGenerated"),
    ("execution", "RebalancePlanned"),
    ("trade-aggregator", "TradeExecuted"),
    ("notifications", "AllTradesCompleted"),
    ("metrics", "WorkflowCompleted"),
]


def _line(service: str, at: int, **fields: Any) -> dict[str, Any]:
    iso = f"2026-01-01T00:{at // 60000 % 60:02d}:{at // 1000 % 60:02d}.{at % 1000:03d}Z"
    body = {"timestamp": iso, "level": "INFO", "message": "handled", "service": service, **fields}
    return {
        "logGroupName": GROUP.format(service),
        "timestamp": T0 + at,
        "message": json.dumps(body),
    }


def _workflow(n: int, start: int, gap_ms: int) -> list[dict[str, Any]]:
    """One workflow whose steps are handled ``gap_ms`` apart, each cause the previous one."""
    cid = f"workflow-{n}"
    events = [_line("strategy-orchestrator", start, correlation_id=cid, causation_id=cid)]
    cause = cid
    for index, (service, event_type) in enumerate(STEPS, start=1):
        event_id = f"{n}-{index}"
        events.append(
            _line(
                service,
                start + index * gap_ms,
                correlation_id=cid,
                causation_id=cause,
                event_id=event_id,
                event_type=event_type,
            )
        )
        cause = event_id
    return events


def _report(service: str, at: int, duration: float, init: float | None = None) -> dict[str, Any]:
    text = f"REPORT RequestId: 00000000-0000-0000-0000-{at:012d}\tDuration: {duration} ms\t"
    text += "Billed Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t"
    if init is not None:
        text += f"Init Duration: {init} ms\t"
    return {"logGroupName": GROUP.format(service), "timestamp": T0 + at, "message": text}


@pytest.fixture
def known_run(tmp_path: Path) -> Path:
    """Two workflows (steps 100 ms and 300 ms apart), an hour apart, and four REPORT lines."""
    events = _workflow(1, 0, 100) + _workflow(2, 3_600_000, 300)
    events += [
        _report("portfolio", 200, 40.0, init=500.0),
        _report("portfolio", 3_600_600, 60.0),
        _report("portfolio", 3_600_700, 80.0),
        _report("execution", 300, 10.0, init=250.0),
    ]
    path = tmp_path / "run.json"
    path.write_bytes(orjson.dumps({"events": events}))
    return path


def _baseline(tmp_path: Path, *logs: Path) -> dict[str, Any]:
    out = tmp_path / "baseline.json"
    args = [a for p in logs for a in ("--from-logs", str(p))]
    result = CliRunner().invoke(cli, ["baseline", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_percentiles_are_nearest_rank() -> None:
    values = sorted(float(v) for v in range(1, 101))
    assert [percentile(values, p) for p in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert distribution([3.0, 1.0, 2.0]) == {
        "count": 3,
        "p50": 2.0,
        "p95": 3.0,
        "p99": 3.0,
        "max": 3.0,
    }
    assert distribution([])["p50"] is None


def test_known_run_gives_its_latencies_and_rates(tmp_path: Path, known_run: Path) -> None:
    data = _baseline(tmp_path, known_run)
    latency = data["latency"]
    # end to end: 7 steps after the first line, 100 ms and 300 ms apart
    assert latency["end_to_end"]["trading"] == {
        "count": 2, "p50": 0.7, "p95": 2.1, "p99": 2.1, "max": 2.1
    }  # fmt: skip
    assert latency["hop_method"] == "causation"
    for _service, event_type in STEPS:
        assert latency["hops"][event_type] == {
            "count": 2, "p50": 0.1, "p95": 0.3, "p99": 0.3, "max": 0.3
        }  # fmt: skip
    portfolio = latency["services"]["portfolio"]
    assert portfolio["invocations"] == 3 and portfolio["cold_starts"] == 1
    assert portfolio["duration_ms"] == {
        "count": 3,
        "p50": 60.0,
        "p95": 80.0,
        "p99": 80.0,
        "max": 80.0,
    }
    assert portfolio["init_duration_ms"]["max"] == 500.0
    throughput = data["throughput"]
    window = data["window"]["seconds"]
    assert window == pytest.approx(3602.1)
    assert throughput["workflows"] == 2 and throughput["events"] == 14
    assert throughput["workflows_per_hour"] == pytest.approx(2 / window * 3600, abs=1e-3)
    assert throughput["events_per_minute"] == pytest.approx(14 / window * 60, abs=1e-3)
    assert throughput["invocations"] == 4


def test_event_age_field_is_preferred_when_logged(tmp_path: Path) -> None:
    events = _workflow(1, 0, 100)
    for event in events[1:]:
        body = json.loads(event["message"])
        body["event_age_ms"] = 40
        event["message"] = json.dumps(body)
    path = tmp_path / "aged.json"
    path.write_bytes(orjson.dumps({"events": events}))
    data = _baseline(tmp_path, path)
    assert data["latency"]["hop_method"] == "event_age_field"
    assert data["latency"]["hops"]["SignalGenerated"]["p99"] == 0.04


def test_same_logs_same_bytes(tmp_path: Path, known_run: Path) -> None:
    first = tmp_path / "a"
    second = tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _baseline(first, known_run)
    _baseline(second, known_run)
    assert (first / "baseline.json").read_bytes() == (second / "baseline.json").read_bytes()


def test_sandbox_run_baseline_counts_what_ran(tmp_path: Path) -> None:
    logs = sandbox_logs()
    data = _baseline(tmp_path, logs)
    events = orjson.loads(logs.read_bytes())["events"]
    reports = [e for e in events if e["message"].startswith("REPORT")]
    assert data["throughput"]["workflows"] == 3
    assert data["throughput"]["invocations"] == len(reports)
    assert data["latency"]["end_to_end"]["trading"]["count"] == 3
    assert set(data["latency"]["hops"]) == {t for _s, t in STEPS}


def test_bad_input_is_named(tmp_path: Path) -> None:
    runner = CliRunner()
    neither = runner.invoke(cli, ["baseline", "--out", str(tmp_path / "x.json")])
    assert neither.exit_code == 2 and "exactly one of" in neither.output
    missing = runner.invoke(
        cli, ["baseline", "--from-logs", str(tmp_path / "nope.json"), "--out", str(tmp_path / "x")]
    )
    assert missing.exit_code == 2 and "nope.json" in missing.output
    empty = tmp_path / "empty.json"
    empty.write_text('{"events": []}', encoding="utf-8")
    nothing = runner.invoke(
        cli, ["baseline", "--from-logs", str(empty), "--out", str(tmp_path / "x")]
    )
    assert nothing.exit_code == 2 and "no timestamped log line" in nothing.output
