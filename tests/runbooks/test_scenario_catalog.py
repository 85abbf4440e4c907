"""Scenarios generated from both example catalogs: coverage, required kinds, catalog-derived facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import load_catalog
from catalog.models import Catalog
from dashboards.build import build_monitoring
from runbooks.scenarios import Scenario, build_scenarios, scenarios_by_alarm

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders" / "catalog.yaml"


@pytest.fixture(scope="module", params=["alchemiser", "orders"])
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return load_catalog(None if request.param == "alchemiser" else ORDERS)


def _by_id(scenarios: list[Scenario]) -> dict[str, Scenario]:
    return {s.id: s for s in scenarios}


def test_every_generated_alarm_has_a_scenario_and_every_scenario_a_drill(catalog: Catalog) -> None:
    scenarios = build_scenarios(catalog)
    monitoring = build_monitoring(catalog)
    generated = {a.name for a in monitoring.alarms} | {c.name for c in monitoring.composite_alarms}
    index = scenarios_by_alarm(scenarios)
    assert generated <= set(index)
    assert set(index) <= generated  # and no scenario names an alarm that is not generated
    assert all(s.drill is not None for s in scenarios)
    assert len({s.id for s in scenarios}) == len(scenarios)


def test_the_required_incidents_exist_for_every_resource(catalog: Catalog) -> None:
    ids = set(_by_id(build_scenarios(catalog)))
    for service in catalog.services:
        for kind in ("failing", "throttled", "slow"):
            assert f"lambda-{service.name}-{kind}" in ids
    for workflow in catalog.workflows:
        for kind in ("failed", "stuck", "duplicate-delivery"):
            assert f"workflow-{workflow.name}-{kind}" in ids
    assert sum(i.endswith("-poison-message") for i in ids) == sum(
        1 for q in catalog.queues if q.dlq
    )
    assert sum(i.endswith("-target-failing") for i in ids) == len(catalog.rules())
    assert sum(i.startswith("topic-") for i in ids) == len(catalog.topics)


def test_throttle_mitigation_restores_the_catalogs_concurrency() -> None:
    catalog = load_catalog()
    scenarios = _by_id(build_scenarios(catalog))
    execution = scenarios["lambda-execution-throttled"]
    commands = [s.command for s in execution.mitigation]
    assert commands == [
        "aws lambda put-function-concurrency --function-name alchemiser-dev-execution "
        "--reserved-concurrent-executions 1 --region us-east-1"
    ]
    portfolio = scenarios["lambda-portfolio-throttled"]  # no reservation in the catalog
    commands = [s.command for s in portfolio.mitigation]
    assert commands[0] == (
        "aws lambda delete-function-concurrency --function-name alchemiser-dev-portfolio "
        "--region us-east-1"
    )
    assert portfolio.drill is not None and portfolio.drill.fault.kind == "throttle"


def test_async_throttle_runbook_recovers_the_events_lambda_gave_up_on() -> None:
    """Reserved concurrency 0 on an asynchronously invoked function: Lambda gives each event up
    at once, so restoring the concurrency alone would leave the workflows lost (issue 13)."""
    scenarios = _by_id(build_scenarios(load_catalog()))
    # with an on-failure DLQ: restore, then replay the DLQ by re-invoking the function
    worker = scenarios["lambda-strategy-worker-throttled"]
    commands = [s.command or "" for s in worker.mitigation]
    assert commands[0].startswith("aws lambda delete-function-concurrency")
    assert any(
        "dlq replay alchemiser-dev-event-dlq --lambda alchemiser-dev-strategy-worker --rate" in c
        for c in commands[1:]
    )
    assert worker.drill is not None
    assert worker.drill.expected_alarms == (
        "alchemiser-dev-strategy-worker-events-dropped",
        "alchemiser-dev-event-dlq-not-empty",
    )
    # one event, one throttle: the 5-minutes-in-a-row Throttles alarm is tolerated, not expected
    assert "alchemiser-dev-strategy-worker-throttles" in worker.drill.may_fire
    # without a DLQ, from the bus archive after the restore
    portfolio = scenarios["lambda-portfolio-throttled"]
    assert [(s.command or "").split(" --")[0] for s in portfolio.mitigation] == [
        "aws lambda delete-function-concurrency",
        "obskit replay archive",
    ]
    assert portfolio.drill is not None
    assert portfolio.drill.expected_alarms == ("alchemiser-dev-portfolio-events-dropped",)
    # an SQS event source keeps its messages in the queue: restoring is enough
    execution = scenarios["lambda-execution-throttled"]
    assert execution.drill is not None
    assert execution.drill.expected_alarms == ("alchemiser-dev-execution-throttles",)


def test_failures_go_where_the_invocation_type_sends_them() -> None:
    catalog = load_catalog()
    scenarios = _by_id(build_scenarios(catalog))
    # SQS trigger: the queue's redrive DLQ, with the event source mapping paused meanwhile
    execution = scenarios["lambda-execution-failing"]
    assert "alchemiser-dev-execution-dlq-not-empty" in execution.alarms
    assert any("update-event-source-mapping" in (s.command or "") for s in execution.mitigation)
    # async with on-failure DLQ: replay by re-invoking the function
    worker = scenarios["lambda-strategy-worker-failing"]
    assert "alchemiser-dev-event-dlq-not-empty" in worker.alarms
    assert any(
        "--lambda alchemiser-dev-strategy-worker" in (s.command or "") for s in worker.mitigation
    )
    # EventBridge → Lambda without on-failure DLQ: the rule DLQ does not fill; archive replay
    portfolio = scenarios["lambda-portfolio-failing"]
    assert portfolio.alarms == (
        "alchemiser-dev-portfolio-errors",
        "alchemiser-dev-portfolio-events-dropped",
    )
    assert any(
        (s.command or "").startswith("obskit replay archive --bus alchemiser-trading-events-dev")
        for s in portfolio.mitigation
    )


def test_escalation_comes_from_the_catalog(catalog: Catalog) -> None:
    for scenario in build_scenarios(catalog):
        text = " ".join(scenario.escalation)
        assert catalog.notifications.alerts_topic in text
        for step in catalog.notifications.escalation:
            assert step.contact in text


def test_stuck_workflow_watches_the_heartbeat_only_when_scheduled() -> None:
    alchemiser = _by_id(build_scenarios(load_catalog()))
    assert (
        "alchemiser-dev-workflow-trading-heartbeat" in alchemiser["workflow-trading-stuck"].alarms
    )
    orders = _by_id(build_scenarios(load_catalog(ORDERS)))
    assert not any(a.endswith("-heartbeat") for a in orders["workflow-checkout-stuck"].alarms)
    stuck = alchemiser["workflow-trading-stuck"]
    assert stuck.drill is not None
    # the held hop is released by the runbook (restoring its concurrency), not by itself
    assert stuck.drill.clear_after_s is None and stuck.drill.fault.clear_after_s is None
    assert stuck.drill.fault.kind == "throttle" and stuck.drill.transient is None
    release = f"put-function-concurrency --function-name alchemiser-dev-{stuck.drill.fault.name}"
    assert any(release in (s.command or "") for s in stuck.mitigation)
    assert "alchemiser-dev-workflow-trading-sla-breach" in stuck.drill.may_fire
    # the hop table names who turns each step into the next
    assert any(
        "SignalGenerated (no RebalancePlanned): `portfolio`" in s.text for s in stuck.diagnosis
    )


def test_alerts_topic_failing_is_critical_and_resubscribes_the_catalogs_endpoint() -> None:
    scenarios = _by_id(build_scenarios(load_catalog()))
    alerts = scenarios["topic-alerts-notifications-failing"]
    assert alerts.severity == "critical"
    assert any(
        "--notification-endpoint oncall@example.org" in (s.command or "") for s in alerts.mitigation
    )
    assert scenarios["topic-trade-notifications-notifications-failing"].severity != "critical"


def test_same_catalog_same_scenarios() -> None:
    assert build_scenarios(load_catalog()) == build_scenarios(load_catalog())
