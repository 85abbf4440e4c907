"""`obskit ready`, observability checklist: each item made to PASS on a real sandbox run's logs,
and made to FAIL by breaking the one thing it checks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from ready_helpers import (  # noqa: E402
    catalog_variant,
    filtered_logs,
    run,
    sandbox_logs,
)

from catalog import load_catalog  # noqa: E402
from tools.readiness import FAIL, MANUAL, PASS, Inputs, run_readiness  # noqa: E402


def test_every_observability_item_passes_on_a_healthy_run(tmp_path: Path) -> None:
    report = run(tmp_path)
    items = {i.id: i for i in report.items if i.checklist == "observability"}
    assert {k: v.status for k, v in items.items()} == {
        "obs.dashboard": PASS,
        "obs.real-logs": MANUAL,  # local logs: only --aws proves they came from AWS
        "obs.tracing": PASS,
        "obs.verbosity": PASS,
        "obs.queries": PASS,
        "obs.business-metrics": PASS,
        "obs.log-cost": PASS,
    }
    assert "completed" in items["obs.tracing"].evidence[0]
    assert "8 services" in items["obs.tracing"].evidence[0]
    assert "19 queries" in items["obs.queries"].evidence[0]
    assert "aws" in (items["obs.real-logs"].action or "")


def test_dashboard_fails_when_the_generated_folder_is_stale(tmp_path: Path) -> None:
    report = run(tmp_path / "a")
    generated = Path(report.inputs["generated"])
    (generated / "dashboards" / "alchemiser-dev.json").unlink()
    stale = run(tmp_path / "b", generated=generated).item("obs.dashboard")
    assert stale.status == FAIL
    assert any("missing: dashboards/alchemiser-dev.json" in e for e in stale.evidence)
    assert "obskit generate --out" in (stale.action or "")


def test_dashboard_fails_without_generated_files_or_with_invalid_monitoring(
    tmp_path: Path,
) -> None:
    missing = run(tmp_path / "a", generated=None).item("obs.dashboard")
    assert missing.status == FAIL and "obskit generate --out" in (missing.action or "")

    def bad_period(doc: dict[str, Any]) -> None:
        doc["alarm_overrides"] = {"alchemiser-dev-portfolio-errors": {"period": 7}}

    catalog = catalog_variant(tmp_path / "bad.yaml", bad_period)
    invalid = run(tmp_path / "b", catalog, generated=None).item("obs.dashboard")
    assert invalid.status == FAIL
    assert any("period" in e for e in invalid.evidence)


def test_real_logs_fail_without_any_logs() -> None:
    bare = run_readiness(Inputs(catalog=load_catalog()))
    assert bare.item("obs.real-logs").status == FAIL
    assert "--aws" in (bare.item("obs.real-logs").action or "")


def test_tracing_fails_when_a_service_lost_its_lines(tmp_path: Path) -> None:
    logs = filtered_logs(
        sandbox_logs(),
        tmp_path / "no-trade-aggregator.json",
        lambda e: "trade-aggregator" not in e["logGroupName"],
    )
    item = run(tmp_path, logs=(logs,)).item("obs.tracing")
    assert item.status == FAIL
    assert any("no line from trade-aggregator" in e for e in item.evidence)
    assert any("cause is not in the trace" in e for e in item.evidence)
    assert "obskit trace" in (item.action or "")


def test_verbosity_and_cost_fail_over_the_volume_budget(tmp_path: Path) -> None:
    catalog = catalog_variant(
        tmp_path / "tight.yaml", lambda d: d["budgets"].update(log_bytes_per_workflow=2000)
    )
    report = run(tmp_path, catalog)
    verbosity = report.item("obs.verbosity")
    assert verbosity.status == FAIL
    assert "> budget 2,000" in verbosity.evidence[0]
    assert any("DEBUG" in e for e in verbosity.evidence[1:])  # the advice: what to demote
    cost = report.item("obs.log-cost")
    assert cost.status == FAIL and cost.evidence[0].startswith("$")


def test_verbosity_fails_without_a_budget(tmp_path: Path) -> None:
    catalog = catalog_variant(
        tmp_path / "nobudget.yaml", lambda d: d["budgets"].pop("log_bytes_per_workflow")
    )
    item = run(tmp_path, catalog).item("obs.verbosity")
    assert item.status == FAIL and "log_bytes_per_workflow" in (item.action or "")


def _edit_query(generated: Path, name: str, text: str) -> None:
    path = generated / "queries" / "alchemiser" / f"{name}.json"
    doc = orjson.loads(path.read_bytes())
    doc["queryString"] = text
    path.write_bytes(orjson.dumps(doc))


def test_queries_fail_when_a_saved_query_finds_nothing_or_does_not_parse(tmp_path: Path) -> None:
    first = run(tmp_path / "a")
    generated = Path(first.inputs["generated"])
    _edit_query(
        generated,
        "workflows/trading-durations",
        "filter event_type = 'WorkflowCompletd' | stats count(*) as n by correlation_id",
    )
    _edit_query(generated, "volume/by-level", "stats count(* by level")
    item = run(tmp_path / "b", generated=generated).item("obs.queries")
    assert item.status == FAIL
    problems = "\n".join(item.evidence[1:])
    assert "trading-durations" in problems and "no rows" in problems
    assert "by-level" in problems and "syntax error" in problems


def test_queries_fail_without_logs_to_prove_them_on() -> None:
    item = run_readiness(Inputs(catalog=load_catalog())).item("obs.queries")
    assert item.status == FAIL and "--logs" in (item.action or "")


def test_business_metrics_fail_when_no_emf_line_was_written(tmp_path: Path) -> None:
    logs = filtered_logs(
        sandbox_logs(), tmp_path / "no-emf.json", lambda e: '"_aws"' not in e["message"]
    )
    item = run(tmp_path, logs=(logs,)).item("obs.business-metrics")
    assert item.status == FAIL
    assert any("no EMF line with WorkflowDuration" in e for e in item.evidence)


def _emf_line(workflow: str, correlation: str, at_ms: int) -> dict[str, Any]:
    """One notifier EMF line of the ingest example's ``workflow`` (as its handlers write it)."""
    body = {
        "_aws": {
            "Timestamp": at_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": "obskit",
                    "Dimensions": [["service", "workflow"]],
                    "Metrics": [
                        {"Name": "WorkflowsCompleted", "Unit": "Count"},
                        {"Name": "WorkflowDuration", "Unit": "Seconds"},
                    ],
                }
            ],
        },
        "level": "INFO",
        "message": "metrics",
        "service": "notifier",
        "workflow": workflow,
        "correlation_id": correlation,
        "WorkflowsCompleted": 1,
        "WorkflowDuration": 2.5,
    }
    return {
        "logGroupName": "/aws/lambda/ingest-dev-notifier",
        "logStreamName": "2026/12/01/[$LATEST]0",
        "timestamp": at_ms,
        "message": orjson.dumps(body).decode(),
    }


def test_business_metrics_of_two_workflows_are_told_apart(tmp_path: Path) -> None:
    """Regression: with two workflows sharing the dimension names (the ingest example), each
    workflow's check read the other's EMF lines as its own with a wrong ``workflow`` value and
    failed; another workflow's series is simply not this one's."""
    catalog = Path(__file__).parents[2] / "examples" / "ingest" / "catalog.yaml"
    logs = tmp_path / "two-workflows.json"
    events = [_emf_line("ingest", "wf-1", 1_796_000_000_000)]
    events.append(_emf_line("reindex", "wf-2", 1_796_000_060_000))
    logs.write_bytes(orjson.dumps({"events": events}))
    report = run_readiness(Inputs(catalog=load_catalog(catalog), logs=(logs,)))
    item = report.item("obs.business-metrics")
    assert item.status == PASS, item.evidence
    assert len(item.evidence) == 2
    only_one = tmp_path / "one-workflow.json"
    only_one.write_bytes(orjson.dumps({"events": events[:1]}))
    item = run_readiness(Inputs(catalog=load_catalog(catalog), logs=(only_one,))).item(
        "obs.business-metrics"
    )
    assert item.status == FAIL
    assert any("workflow reindex: no EMF line" in e for e in item.evidence)
