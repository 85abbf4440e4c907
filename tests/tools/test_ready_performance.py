"""`obskit ready`, performance-validation checklist: each item made to PASS and to FAIL."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from ready_helpers import (  # noqa: E402
    baseline_file,
    catalog_variant,
    filtered_logs,
    run,
    sandbox_logs,
)

from tools.readiness import FAIL, MANUAL, PASS  # noqa: E402


def test_every_performance_item_passes_on_a_healthy_sandbox_baseline(tmp_path: Path) -> None:
    report = run(tmp_path)
    statuses = {i.id: i.status for i in report.items if i.checklist == "performance"}
    assert statuses == {
        "perf.baseline": PASS,
        "perf.slas": PASS,
        "perf.load-test": PASS,
        "perf.cold-starts": PASS,
        "perf.cost-projection": PASS,
        "perf.dashboard": PASS,
        "perf.sla-alarms": PASS,
    }
    assert "3 workflows" in report.item("perf.baseline").evidence[0]
    sla_alarms = report.item("perf.sla-alarms").evidence
    assert "sla-breach" in sla_alarms[0]
    assert any("hop SLAs of 8 event types alarmed on HopLatency" in e for e in sla_alarms)


def test_baseline_fails_when_missing_or_of_another_system(tmp_path: Path) -> None:
    missing = run(tmp_path / "a", baseline=None).item("perf.baseline")
    assert missing.status == FAIL and "obskit baseline --from-logs" in (missing.action or "")
    source = Path(run(tmp_path / "b").inputs["baseline"])
    other = tmp_path / "other.json"
    other.write_text(
        source.read_text(encoding="utf-8").replace('"system": "alchemiser"', '"system": "orders"'),
        encoding="utf-8",
    )
    item = run(tmp_path / "c", baseline=other).item("perf.baseline")
    assert item.status == FAIL and "'orders'" in item.evidence[0]


def test_baseline_fails_when_the_run_breaks_the_workflow_sla(tmp_path: Path) -> None:
    def tight(doc: dict[str, Any]) -> None:
        doc["workflows"][0]["sla_s"] = 0.5

    catalog = catalog_variant(tmp_path / "tight.yaml", tight)
    item = run(tmp_path, catalog, generated=None).item("perf.baseline")
    assert item.status == FAIL
    assert any("workflow trading: p99" in e and "> SLA 0.5 s" in e for e in item.evidence)


def test_slas_fail_when_a_hop_has_none(tmp_path: Path) -> None:
    def drop(doc: dict[str, Any]) -> None:
        for event_type in doc["event_types"]:
            if event_type["name"] == "RebalancePlanned":
                event_type.pop("hop_sla_s")

    catalog = catalog_variant(tmp_path / "nohop.yaml", drop)
    item = run(tmp_path, catalog, generated=None).item("perf.slas")
    assert item.status == FAIL
    assert item.evidence[-1] == "no hop SLA: RebalancePlanned"


def test_load_test_is_manual_when_the_baseline_is_below_twice_the_peak(tmp_path: Path) -> None:
    busy = catalog_variant(
        tmp_path / "busy.yaml", lambda d: d["budgets"].update(workflows_per_day=50)
    )
    item = run(tmp_path / "a", busy, generated=None).item("perf.load-test")
    assert item.status == MANUAL
    assert "at least 100 workflows" in (item.action or "")
    assert run(tmp_path / "b", baseline=None).item("perf.load-test").status == MANUAL


def test_cold_starts_fail_without_report_lines_or_when_too_slow(tmp_path: Path) -> None:
    logs = filtered_logs(
        sandbox_logs(),
        tmp_path / "no-reports.json",
        lambda e: not e["message"].startswith("REPORT"),
    )
    no_reports = baseline_file(tmp_path / "no-reports-baseline.json", [logs])
    item = run(tmp_path / "a", baseline=no_reports).item("perf.cold-starts")
    assert item.status == FAIL and "holds no cold start" in item.evidence[0]

    def slow(doc: dict[str, Any]) -> None:
        for event_type in doc["event_types"]:
            if event_type["name"] == "SignalGenerated":
                event_type["hop_sla_s"] = 0.2  # portfolio: ~0.6 s init + ~0.1 s run

    catalog = catalog_variant(tmp_path / "slow.yaml", slow)
    item = run(tmp_path / "b", catalog, generated=None).item("perf.cold-starts")
    assert item.status == FAIL
    assert any(e.startswith("portfolio: a cold invocation takes") for e in item.evidence)


def test_cost_projection_fails_without_real_usage(tmp_path: Path) -> None:
    from catalog import load_catalog
    from tools.readiness import Inputs, run_readiness

    item = run_readiness(Inputs(catalog=load_catalog())).item("perf.cost-projection")
    assert item.status == FAIL and "--logs" in (item.action or "")


def test_dashboard_and_sla_alarms_fail_without_workflow_metrics(tmp_path: Path) -> None:
    def no_workflows(doc: dict[str, Any]) -> None:
        doc["workflows"] = []
        for schedule in doc["schedules"]:
            schedule.pop("workflow", None)

    catalog = catalog_variant(tmp_path / "nowf.yaml", no_workflows)
    report = run(tmp_path, catalog, generated=None)
    dashboard = report.item("perf.dashboard")
    assert dashboard.status == FAIL and "WorkflowDuration" in dashboard.evidence[0]


def test_sla_alarms_fail_when_the_threshold_is_raised_past_the_sla(tmp_path: Path) -> None:
    def loosen(doc: dict[str, Any]) -> None:
        doc["alarm_overrides"] = {"alchemiser-dev-workflow-trading-sla-breach": {"threshold": 900}}

    catalog = catalog_variant(tmp_path / "loose.yaml", loosen)
    item = run(tmp_path, catalog, generated=None).item("perf.sla-alarms")
    assert item.status == FAIL
    assert any("no alarm with actions on WorkflowDuration > 300 s" in e for e in item.evidence)


def test_sla_alarms_fail_when_a_hop_alarm_loses_its_actions_or_its_sla(tmp_path: Path) -> None:
    def silence(doc: dict[str, Any]) -> None:
        doc["alarm_overrides"] = {
            "{system}-{stage}-event-signal-generated-hop-latency": {"actions_enabled": False},
            "{system}-{stage}-event-trade-executed-hop-latency": {"threshold": 60000},
        }

    catalog = catalog_variant(tmp_path / "silent.yaml", silence)
    item = run(tmp_path, catalog, generated=None).item("perf.sla-alarms")
    assert item.status == FAIL
    problems = [e for e in item.evidence if e.startswith("hop ") and "no alarm" in e]
    assert problems == [
        "hop SignalGenerated: no alarm with actions on HopLatency > 15000 ms (hop SLA 15 s)",
        "hop TradeExecuted: no alarm with actions on HopLatency > 15000 ms (hop SLA 15 s)",
    ]
    assert "hop-latency" in (item.action or "")
