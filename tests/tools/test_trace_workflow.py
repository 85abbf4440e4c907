"""``obskit trace`` on whole workflows of the example services (run in process by ``obskit demo``):
the full causation tree, and what a failure or a duplicate delivery looks like."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from catalog import load_catalog
from tools.demo_cli import local_demo as demo
from tools.trace_cli import trace
from tools.tracing.analysis import analyse
from tools.tracing.render_mermaid import render_mermaid
from tools.tracing.sources import read_files


def run_workflow(tmp_path: Path, *faults: str) -> tuple[Path, list[dict[str, Any]]]:
    """The JSON lines one real workflow of the example services writes, saved to a file."""
    args = ["--json"] + [arg for fault in faults for arg in ("--fault", fault)]
    result = CliRunner().invoke(demo, args)
    assert result.exit_code == 0, result.output
    path = tmp_path / "workflow.jsonl"
    path.write_text(result.stdout)
    return path, [json.loads(line) for line in result.stdout.splitlines()]


def test_the_full_causation_tree_of_a_completed_workflow(tmp_path: Path) -> None:
    path, lines = run_workflow(tmp_path)
    cid = lines[0]["correlation_id"]
    catalog = load_catalog()
    result = analyse(read_files(cid, [path], catalog), catalog)

    handled = {ln["event_id"]: ln for ln in lines if ln["event_id"]}
    assert {e.event_id for e in result.events} == set(handled)
    for event in result.events:
        assert event.event_type == handled[event.event_id]["event_type"]
        assert event.causation_id == handled[event.event_id]["causation_id"]
        assert {h.service for h in event.handlings} == {
            ln["service"] for ln in lines if ln["event_id"] == event.event_id
        }
        assert event.emitted_at is not None and event.emitted_at <= (event.handled_at or 0)
    # every step of the catalog's flow is in the tree, each under the step before it
    steps = catalog.workflow("trading").steps
    by_id = {e.event_id: e for e in result.events}
    last = next(e for e in result.events if e.event_type == steps[-1])
    chain = [last.event_type]
    node = last
    while node.causation_id in by_id:
        node = by_id[node.causation_id]
        chain.append(node.event_type)
    assert node.causation_id == cid  # the root event was caused by the workflow itself
    assert list(dict.fromkeys(reversed(chain))) == steps
    assert result.status == "completed"
    assert not (result.missing or result.duplicates or result.orphans or result.cycles)
    assert [s.name for s in result.services][0] == lines[0]["service"]
    assert sum(s.lines for s in result.services) == len(lines)

    out = CliRunner().invoke(trace, [cid, str(path), "--max-lines", "0"])
    assert out.exit_code == 0, out.output
    for step in steps:
        assert step in out.output


def test_a_failed_workflow_says_where_it_stopped(tmp_path: Path) -> None:
    path, lines = run_workflow(tmp_path, "portfolio=fail")
    cid = lines[0]["correlation_id"]
    out = CliRunner().invoke(trace, [cid, str(path), "--format", "json"])
    assert out.exit_code == 1
    doc = json.loads(out.stdout)
    assert doc["status"] == "failed"
    steps = load_catalog().workflow("trading").steps
    portfolio_consumes = "SignalGenerated"
    stopped = [m for m in doc["missing"] if m["after_event_type"] == portfolio_consumes]
    assert (
        stopped and stopped[0]["expected_event_type"] == steps[steps.index(portfolio_consumes) + 1]
    )
    assert "WorkflowFailed" in stopped[0]["reason"]
    errors = [ln for ln in lines if ln["level"] == "ERROR"]
    assert [(e["service"], e["message"]) for e in doc["errors"]] == [
        (ln["service"], ln["message"]) for ln in errors
    ]


def test_a_duplicate_delivery_is_counted_by_event_id(tmp_path: Path) -> None:
    path, lines = run_workflow(tmp_path, "signal-aggregator=duplicate")
    cid = lines[0]["correlation_id"]
    duplicated = {ln["event_id"] for ln in lines if ln["message"] == "Duplicate event detected"}
    assert duplicated
    out = CliRunner().invoke(trace, [cid, str(path), "--format", "json"])
    doc = json.loads(out.stdout)
    assert {d["event_id"] for d in doc["duplicates"]} == duplicated
    for dup in doc["duplicates"]:
        event = next(e for e in doc["events"] if e["event_id"] == dup["event_id"])
        assert event["handled_count"] == dup["count"] >= 2
    assert doc["status"] == "completed" and out.exit_code == 0


def test_a_workflow_that_stopped_without_a_failure_event_is_incomplete(tmp_path: Path) -> None:
    path, lines = run_workflow(tmp_path)
    cid = lines[0]["correlation_id"]
    kept = [ln for ln in lines if ln["service"] not in {"execution", "trade-aggregator",
                                                         "notifications", "metrics"}]  # fmt: skip
    cut = tmp_path / "cut.jsonl"
    cut.write_text("".join(json.dumps(ln) + "\n" for ln in kept))
    out = CliRunner().invoke(trace, [cid, str(cut), "--format", "json"])
    assert out.exit_code == 1
    doc = json.loads(out.stdout)
    assert doc["status"] == "incomplete"
    (stop,) = [m for m in doc["missing"] if m["expected_event_type"] == "TradeExecuted"] or [None]
    assert stop is None  # it stopped earlier: RebalancePlanned was never handled
    first = doc["missing"][0]
    assert (first["after_event_type"], first["expected_event_type"]) == (
        "SignalGenerated",
        "RebalancePlanned",
    )
    assert "execution never handled one" in first["reason"]


def test_mermaid_has_one_arrow_per_handling(tmp_path: Path) -> None:
    path, lines = run_workflow(tmp_path)
    cid = lines[0]["correlation_id"]
    catalog = load_catalog()
    result = analyse(read_files(cid, [path], catalog), catalog)
    text = render_mermaid(result)
    assert text.startswith("sequenceDiagram")
    arrows = [ln for ln in text.splitlines() if ">>" in ln]
    assert len(arrows) == sum(len(e.handlings) for e in result.events)
    for service in {ln["service"] for ln in lines}:
        assert f" as {service}" in text


@pytest.mark.parametrize("fmt", ["text", "json", "mermaid", "html"])
def test_every_format_writes_to_a_file(tmp_path: Path, fmt: str) -> None:
    path, lines = run_workflow(tmp_path)
    target = tmp_path / f"out.{fmt}"
    out = CliRunner().invoke(
        trace, [lines[0]["correlation_id"], str(path), "--format", fmt, "-o", str(target)]
    )
    assert out.exit_code == 0, out.output
    assert lines[0]["correlation_id"] in target.read_text()
