"""The trace's rules on small, hand-made workflows: matching, orphans, cycles, SLAs, bad input.

Each case is one rule the catalog-driven analysis applies; the lines are written in the logger's
contract format so the same reader and matcher as on real files do the work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from catalog import load_catalog
from tools.trace_cli import trace
from tools.tracing.analysis import analyse
from tools.tracing.matching import Matcher
from tools.tracing.model import iso
from tools.tracing.sources import read_files

CID = "workflow-1"
BASE = 1_766_003_938_000


def line(at_s: float, service: str, message: str = "working", **fields: Any) -> dict[str, Any]:
    return {
        "timestamp": iso(BASE + round(at_s * 1000)),
        "level": fields.pop("level", "INFO"),
        "message": message,
        "service": service,
        "correlation_id": fields.pop("correlation_id", CID),
        **fields,
    }


def write(tmp_path: Path, lines: list[dict[str, Any]], extra: str = "") -> Path:
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(json.dumps(ln) + "\n" for ln in lines) + extra)
    return path


def handled(
    at_s: float, service: str, event_id: str, event_type: str, cause: str
) -> dict[str, Any]:
    return line(at_s, service, event_id=event_id, event_type=event_type, causation_id=cause)


def test_a_longer_id_or_another_workflows_field_does_not_match() -> None:
    matcher = Matcher(CID)
    assert matcher.belongs({"correlation_id": CID, "@message": "x"})
    assert matcher.belongs({"extra": {"correlation_id": CID}, "@message": "x"})
    assert matcher.belongs({"@message": f"[{CID}] rejected order"})
    assert not matcher.belongs({"@message": f"[{CID}2] rejected order"})
    assert not matcher.belongs({"@message": f"{CID}-retry"})
    # a line that names another workflow in a field is that workflow's, whatever its text says
    assert not matcher.belongs({"correlation_id": "workflow-2", "@message": f"after {CID}"})


def test_orphans_cycles_and_slas(tmp_path: Path) -> None:
    catalog = load_catalog()
    hop_sla = catalog.event_type("SignalGenerated").hop_sla_s
    assert hop_sla is not None
    late = hop_sla + 5
    lines = [
        line(0, "strategy-orchestrator", causation_id=CID),
        handled(1, "strategy-worker", "e1", "WorkflowStarted", CID),
        handled(2, "signal-aggregator", "e2", "PartialSignalGenerated", "e1"),
        handled(2 + late, "portfolio", "e3", "SignalGenerated", "e2"),
        handled(20, "execution", "e4", "RebalancePlanned", "nobody"),  # orphan
        handled(21, "trade-aggregator", "c1", "TradeExecuted", "c2"),  # a cycle
        handled(22, "trade-aggregator", "c2", "TradeExecuted", "c1"),
    ]
    result = analyse(read_files(CID, [write(tmp_path, lines)], catalog), catalog)
    assert [e.event_id for e in result.orphans] == ["e4"]  # c1 and c2 name each other
    assert result.cycles and set(result.cycles[0]) == {"c1", "c2"}
    (breach,) = [b for b in result.sla_breaches if b.event_id == "e3"]
    assert breach.sla_ms == hop_sla * 1000 and breach.took_ms == round(late * 1000)
    assert result.status == "incomplete"
    out = CliRunner().invoke(trace, [CID, str(tmp_path / "lines.jsonl")], terminal_width=200)
    assert "orphan: caused by unknown nobody" in out.output
    assert "in a causation cycle:" in out.output and "cycle back to c1" in out.output


def test_end_to_end_over_the_workflow_sla(tmp_path: Path) -> None:
    catalog = load_catalog()
    sla = catalog.workflow("trading").sla_s
    lines = [
        line(0, "strategy-orchestrator", causation_id=CID),
        handled(sla + 1, "strategy-worker", "e1", "WorkflowStarted", CID),
    ]
    result = analyse(read_files(CID, [write(tmp_path, lines)], catalog), catalog)
    assert any(b.event_id is None and b.took_ms == (sla + 1) * 1000 for b in result.sla_breaches)
    out = CliRunner().invoke(trace, [CID, str(write(tmp_path, lines))], terminal_width=200)
    assert "Over SLA: workflow trading end to end" in out.output


def test_malformed_lines_are_counted_and_skipped(tmp_path: Path) -> None:
    lines = [line(0, "strategy-orchestrator"), line(1, "strategy-worker")]
    broken = f'{{"correlation_id": "{CID}", "message": "cut off\n{{"no": "{CID}" \n'
    path = write(tmp_path, lines, broken)
    out = CliRunner().invoke(trace, [CID, str(path), "--format", "json"])
    doc = json.loads(out.stdout)
    assert doc["malformed_lines"] == 2
    assert sum(s["lines"] for s in doc["services"]) == len(lines)


def test_since_and_until_narrow_local_files(tmp_path: Path) -> None:
    lines = [line(t, "strategy-orchestrator") for t in (0, 10, 20, 30)]
    path = write(tmp_path, lines)
    args = [CID, str(path), "--format", "json", "--since", lines[1]["timestamp"]]
    doc = json.loads(CliRunner().invoke(trace, [*args, "--until", lines[2]["timestamp"]]).stdout)
    assert (doc["started_at"], doc["ended_at"]) == (lines[1]["timestamp"], lines[2]["timestamp"])


def test_last_on_local_files_picks_the_newest_run(tmp_path: Path) -> None:
    older = [handled(0, "strategy-worker", "a", "WorkflowStarted", "workflow-a")]
    newer = [handled(5, "strategy-worker", "b", "WorkflowStarted", "workflow-b")]
    for ln, cid in ((older[0], "workflow-a"), (newer[0], "workflow-b")):
        ln["correlation_id"] = cid
    path = write(tmp_path, older + newer)
    out = CliRunner().invoke(trace, ["--last", "trading", str(path), "--format", "json"])
    assert json.loads(out.stdout)["correlation_id"] == "workflow-b"


def test_not_found_and_bad_input_exit_2_saying_what_was_searched(tmp_path: Path) -> None:
    path = write(tmp_path, [line(0, "strategy-orchestrator")])
    runner = CliRunner()
    out = runner.invoke(trace, ["workflow-unknown", str(path)])
    assert out.exit_code == 2
    assert "no line of workflow-unknown found" in out.output and str(path) in out.output
    missing = tmp_path / "nope.jsonl"
    out = runner.invoke(trace, [CID, str(missing)])
    assert out.exit_code == 2 and str(missing) in out.output
    out = runner.invoke(trace, [CID, str(path), "--since", "yesterday-ish"])
    assert out.exit_code == 2 and "yesterday-ish" in out.output
    out = runner.invoke(trace, [CID, str(path), "--workflow", "tradng"])
    assert out.exit_code == 2 and "did you mean 'trading'" in out.output
    out = runner.invoke(trace, [CID, str(path), "--catalog", str(tmp_path / "none.yaml")])
    assert out.exit_code == 2 and "none.yaml" in out.output
    out = runner.invoke(trace, [])
    assert out.exit_code == 2 and "CORRELATION_ID" in out.output
