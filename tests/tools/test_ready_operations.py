"""`obskit ready`, operational-readiness checklist: each item made to PASS and to FAIL."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from ready_helpers import catalog_variant, drill_report, full_inputs, run  # noqa: E402

from catalog import load_catalog  # noqa: E402
from dashboards.build import build_monitoring  # noqa: E402
from tools.readiness import (  # noqa: E402
    FAIL,
    MANUAL,
    PASS,
    operations,  # noqa: E402
)
from tools.readiness.evidence import Evidence  # noqa: E402


def test_every_operations_item_passes_or_asks_a_person(tmp_path: Path) -> None:
    report = run(tmp_path)
    statuses = {i.id: i.status for i in report.items if i.checklist == "operations"}
    assert statuses == {
        "ops.runbook": PASS,
        "ops.runbook-reviewed": MANUAL,
        "ops.scenarios": PASS,
        "ops.incident-response": PASS,
        "ops.dlq-replay": PASS,
        "ops.runbook-mutation": MANUAL,
        "ops.alarm-recipients": PASS,
        "ops.escalation": PASS,
        "ops.on-call": MANUAL,
        "ops.trained": MANUAL,
    }
    for manual in report.manual:
        assert manual.action, f"{manual.id} must say what a person confirms"
    assert "trading-oncall" in (report.item("ops.on-call").action or "")
    assert "replayed (obskit dlq replay" in report.item("ops.dlq-replay").evidence[0]


def test_runbook_fails_when_an_alarm_section_is_removed(tmp_path: Path) -> None:
    first = run(tmp_path / "a")
    runbook = Path(first.inputs["generated"]) / "RUNBOOK.md"
    alarm = "alchemiser-dev-portfolio-throttles"
    text = runbook.read_text(encoding="utf-8")
    section = re.compile(rf'<a id="{alarm}"></a>\n\n### {alarm}\n.*?(?=<a id=)', re.S)
    assert section.search(text)
    runbook.write_text(section.sub("", text), encoding="utf-8")
    item = run(tmp_path / "b", generated=runbook.parent).item("ops.runbook")
    assert item.status == FAIL
    monitoring = build_monitoring(load_catalog(None))
    total = len(monitoring.alarms) + len(monitoring.composite_alarms)
    assert alarm in item.evidence and f"no section for 1 of {total} alarms" in item.evidence[0]


def test_runbook_fails_when_none_was_written(tmp_path: Path) -> None:
    first = run(tmp_path / "a")
    (Path(first.inputs["generated"]) / "RUNBOOK.md").unlink()
    item = run(tmp_path / "b", generated=Path(first.inputs["generated"])).item("ops.runbook")
    assert item.status == FAIL and "obskit runbook --out" in (item.action or "")


def test_scenarios_fail_when_an_alarm_has_no_scenario(tmp_path: Path) -> None:
    ev = Evidence(full_inputs(tmp_path))
    assert operations.scenarios(ev).status == PASS
    ev.scenarios = [s for s in ev.scenarios if s.id != "lambda-portfolio-throttled"]
    item = operations.scenarios(ev)
    assert item.status == FAIL
    assert any(
        "alchemiser-dev-portfolio-throttles" in e and "no scenario" in e for e in item.evidence
    )


def test_incident_response_fails_when_an_alarms_only_drill_failed(tmp_path: Path) -> None:
    drills = drill_report(tmp_path / "failed.json", failed=["lambda-portfolio-throttled"])
    item = run(tmp_path, drill_report=drills).item("ops.incident-response")
    assert item.status == FAIL
    assert any(
        "alchemiser-dev-portfolio-throttles: none of its drills passed" in e for e in item.evidence
    )
    assert "38 of 39 drills passed" in item.evidence[0]


def test_incident_response_and_dlq_replay_fail_without_a_drill_report(tmp_path: Path) -> None:
    report = run(tmp_path, drill_report=None)
    for id_ in ("ops.incident-response", "ops.dlq-replay"):
        item = report.item(id_)
        assert item.status == FAIL
        assert "obskit drill run --all --report drills.json" in (item.action or "")


def test_dlq_replay_fails_when_the_replay_step_failed(tmp_path: Path) -> None:
    drills = drill_report(tmp_path / "broken.json", broken_steps=["lambda-execution-failing"])
    item = run(tmp_path, drill_report=drills).item("ops.dlq-replay")
    assert item.status == FAIL
    assert any("lambda-execution-failing" in e for e in item.evidence)


def test_drill_report_that_breaks_the_contract_is_refused(tmp_path: Path) -> None:
    import pytest

    from tools.readiness import ReadinessInputError

    bad = tmp_path / "bad.json"
    bad.write_text('{"scenarios": [{"id": "x", "passed": true}]}', encoding="utf-8")
    with pytest.raises(ReadinessInputError, match=r"bad.json: entry 0: keys differ.*missing"):
        run(tmp_path, drill_report=bad)


def test_alarm_recipients_fail_when_an_alarm_loses_its_actions(tmp_path: Path) -> None:
    def drop(doc: dict[str, Any]) -> None:
        doc["alarm_overrides"] = {"alchemiser-dev-execution-errors": {"alarm_actions": []}}

    catalog = catalog_variant(tmp_path / "silent.yaml", drop)
    item = run(tmp_path, catalog, generated=None).item("ops.alarm-recipients")
    assert item.status == FAIL
    assert item.evidence == (
        "alarm alchemiser-dev-execution-errors: no action on topic alchemiser-dev-alerts",
    )


def test_alarm_recipients_fail_when_the_alerts_topic_has_no_subscriber(tmp_path: Path) -> None:
    def unsubscribe(doc: dict[str, Any]) -> None:
        doc["topics"][0]["subscriptions"] = []

    catalog = catalog_variant(tmp_path / "nobody.yaml", unsubscribe)
    item = run(tmp_path, catalog, generated=None).item("ops.alarm-recipients")
    assert item.status == FAIL
    assert any("has no subscription" in e for e in item.evidence)


def test_escalation_fails_when_missing_or_out_of_order(tmp_path: Path) -> None:
    none = catalog_variant(
        tmp_path / "none.yaml", lambda d: d["notifications"].update(escalation=[])
    )
    assert run(tmp_path / "a", none, generated=None).item("ops.escalation").status == FAIL

    def shuffle(doc: dict[str, Any]) -> None:
        doc["notifications"]["escalation"].reverse()

    late = catalog_variant(tmp_path / "late.yaml", shuffle)
    item = run(tmp_path / "b", late, generated=None).item("ops.escalation")
    assert item.status == FAIL
    assert any("not at once" in e for e in item.evidence)
    assert any("increasing" in e for e in item.evidence)


def test_on_call_fails_when_no_rotation_is_named(tmp_path: Path) -> None:
    catalog = catalog_variant(tmp_path / "oncall.yaml", lambda d: d["notifications"].pop("on_call"))
    item = run(tmp_path, catalog, generated=None).item("ops.on-call")
    assert item.status == FAIL and "notifications.on_call" in (item.action or "")
