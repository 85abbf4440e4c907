"""Lines the services did not write as log statements: EMF metrics and Lambda's own lines.

EMF lines are the metrics the alarms read, so the report never advises cutting or demoting them
however much they weigh; Lambda's START/END/REPORT/INIT_START/platform lines never carry a
correlation id, so the report never blames a service for them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tools.cli import cli
from tools.logreport.lines import ServiceNames, to_line

REQUEST = "8f5c1a8c-1111-2222-3333-444455556666"


def _report(path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["logs", "report", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def _emf(n: int) -> dict[str, Any]:
    return {
        "_aws": {
            "Timestamp": 1766003938000 + n,
            "CloudWatchMetrics": [
                {"Namespace": "App", "Dimensions": [["service"]], "Metrics": [{"Name": "Latency"}]}
            ],
        },
        "service": "svc",
        "Latency": n,
        "padding": "m" * 400,
    }


def _app(n: int) -> dict[str, Any]:
    return {
        "timestamp": "2025-12-17T20:38:58.084Z",
        "level": "INFO",
        "message": f"handled order {n}",
        "service": "svc",
        "correlation_id": f"wf-{n % 3}",
    }


def test_emf_lines_are_never_advised_cut(tmp_path: Path) -> None:
    path = tmp_path / "svc.jsonl"
    lines = [_emf(n) for n in range(30)] + [_app(n) for n in range(10)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = _report(path)
    emf_site = max(report["call_sites"], key=lambda s: s["bytes"])
    assert emf_site["lines"] == 30  # the heaviest site is the metrics
    advised = [a for a in report["advice"] if a["template"] == emf_site["template"]]
    assert advised == []
    dominant = [a for a in report["advice"] if a["kind"] == "dominant_call_site"]
    assert dominant and all("handled order" in a["template"] for a in dominant)


def test_emf_lines_are_left_out_of_the_over_budget_list(tmp_path: Path) -> None:
    path = tmp_path / "svc.jsonl"
    lines = [_emf(n) for n in range(30)] + [_app(n) for n in range(10)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = CliRunner().invoke(
        cli, ["logs", "report", str(path), "--format", "json", "--budget-bytes", "100"]
    )
    report = json.loads(result.stdout)
    emf_template = max(report["call_sites"], key=lambda s: s["bytes"])["template"]
    (over,) = [a for a in report["advice"] if a["kind"] == "over_budget"]
    assert emf_template not in over["text"]
    assert "handled order" in over["text"]


def test_lambda_system_lines_are_not_blamed_for_a_missing_correlation_id(tmp_path: Path) -> None:
    path = tmp_path / "fn.log"
    system = [
        "INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:x",
        f"START RequestId: {REQUEST} Version: $LATEST",
        f"END RequestId: {REQUEST}",
        f"REPORT RequestId: {REQUEST}\tDuration: 10.00 ms\tBilled Duration: 10 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 70 MB",
        json.dumps({"time": "2025-12-17T20:38:58.084Z", "type": "platform.start", "record": {}}),
    ]
    app = [json.dumps(_app(n)) for n in range(3)]
    path.write_text("\n".join(system + app) + "\n")
    report = _report(path)
    corr = report["correlation"]
    assert corr["lines_lambda_system"] == len(system)
    assert corr["lines_without_field"] == 0
    assert corr["lines_without_any"] == 0
    assert [a for a in report["advice"] if a["kind"] == "missing_correlation_id"] == []


def test_a_service_line_without_an_id_is_still_blamed(tmp_path: Path) -> None:
    path = tmp_path / "fn.log"
    lines = [f"START RequestId: {REQUEST} Version: $LATEST", json.dumps(_app(1))]
    lines.append(json.dumps({"level": "INFO", "message": "no id here", "service": "svc"}))
    path.write_text("\n".join(lines) + "\n")
    report = _report(path)
    (missing,) = [a for a in report["advice"] if a["kind"] == "missing_correlation_id"]
    assert missing["lines"] == 1 and "no id here" in missing["text"]


def test_line_kinds() -> None:
    names = ServiceNames()
    assert to_line(_emf(1) | {"@message": "{}"}, names).emf
    assert not to_line({"_aws": "x", "@message": "{}"}, names).emf
    for text in ("INIT_START Runtime", f"END RequestId: {REQUEST}", "EXTENSION\tName: x"):
        assert to_line({"@message": text}, names).system, text
    assert to_line({"type": "platform.report", "@message": "{}"}, names).system
    assert not to_line({"@message": "STARTING the engine"}, names).system
    long = to_line({"message": "w" * 100_000, "@message": "{}"}, names)
    assert len(long.message) == 4_096
