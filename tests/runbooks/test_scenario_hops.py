"""Where the hop-latency alarms lead in the runbook, and which drills tolerate them."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import load_catalog
from catalog.models import Catalog
from dashboards.build import build_monitoring
from dashboards.facades.event_type import HOP_LATENCY
from runbooks.scenarios import Scenario, build_scenarios, scenarios_by_alarm
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.recovery import late_run_alarms

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders" / "catalog.yaml"


@pytest.fixture(scope="module", params=["alchemiser", "orders"])
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return load_catalog(None if request.param == "alchemiser" else ORDERS)


def _hop_alarms(catalog: Catalog) -> dict[str, str]:
    """Event type → its generated hop-latency alarm."""
    monitoring = build_monitoring(catalog)
    return {
        a.dimensions["EventType"]: a.name for a in monitoring.alarms if a.metric_name == HOP_LATENCY
    }


def _by_id(catalog: Catalog) -> dict[str, Scenario]:
    return {s.id: s for s in build_scenarios(catalog)}


def test_each_consumers_throttled_scenario_lists_the_hop_alarms_of_what_it_consumes(
    catalog: Catalog,
) -> None:
    hops = _hop_alarms(catalog)
    scenarios = _by_id(catalog)
    for service in catalog.services:
        throttled = scenarios[f"lambda-{service.name}-throttled"]
        mine = [hops[e] for e in service.consumes if e in hops]
        assert [a for a in throttled.alarms if a in hops.values()] == mine
        assert set(mine) <= set(throttled.drill.may_fire if throttled.drill else ())
        if mine:
            assert any("hop SLA" in s for s in throttled.symptoms)


def test_every_hop_alarm_leads_to_a_throttled_consumer(catalog: Catalog) -> None:
    index = scenarios_by_alarm(build_scenarios(catalog))
    for event_type, alarm in _hop_alarms(catalog).items():
        consumers = {f"lambda-{s.name}-throttled" for s in catalog.consumers_of(event_type)}
        assert {s.id for s in index[alarm]} == consumers


def test_a_late_run_may_trip_its_sla_breach_and_every_hop_of_the_workflow(catalog: Catalog) -> None:
    hops = _hop_alarms(catalog)
    ctx = ScenarioContext(catalog)
    for workflow in catalog.workflows:
        events = {workflow.start_event, *workflow.steps, workflow.success_event}
        events |= set(workflow.failure_events)
        late = late_run_alarms(ctx, workflow.name)
        assert late[0] == ctx.alarm(f"workflow-{workflow.name}", "sla-breach")
        assert set(late[1:]) == {hops[e] for e in events if e in hops}
    assert late_run_alarms(ctx, None) == ()


def test_a_failing_rule_tolerates_its_own_hops_and_its_workflows_sla_only(catalog: Catalog) -> None:
    hops = _hop_alarms(catalog)
    scenarios = build_scenarios(catalog)
    for _bus, rule in catalog.rules():
        (scenario,) = [s for s in scenarios if s.kind == "rule" and s.resource == rule.name]
        assert scenario.drill is not None
        own_hops = {hops[e] for e in rule.event_types if e in hops}
        # a run one of whose events was held back may also end past its workflow's SLA
        slas = {
            ScenarioContext(catalog).alarm(f"workflow-{w.name}", "sla-breach")
            for w in catalog.workflows
            if set(rule.event_types) & {w.start_event, *w.steps, w.success_event}
        }
        assert set(scenario.drill.may_fire) == own_hops | slas
