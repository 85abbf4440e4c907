"""All scenarios of a catalog: every template instantiated for every resource, in catalog order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from catalog.models import Catalog
from runbooks.scenarios.context import CatalogArgs, ScenarioContext
from runbooks.scenarios.lambda_scenarios import lambda_scenarios
from runbooks.scenarios.model import Evidence, Scenario, drill_runs
from runbooks.scenarios.queue_scenarios import queue_scenarios
from runbooks.scenarios.rule_scenarios import rule_scenario
from runbooks.scenarios.topic_scenarios import topic_scenario
from runbooks.scenarios.workflow_scenarios import workflow_scenarios


def dlq_sources(catalog: Catalog) -> dict[str, str]:
    """DLQ name → what sends to it, in words (queues' redrive, rule targets, async failures)."""
    found: dict[str, list[str]] = {}

    def add(dlq: str, what: str) -> None:
        if what not in found.setdefault(dlq, []):
            found[dlq].append(what)

    for queue in catalog.queues:
        if queue.dlq:
            add(queue.dlq, f"queue `{queue.name}`")
    for bus, rule in catalog.rules():
        for target in rule.targets:
            if target.dlq:
                add(target.dlq, f"rule targets on bus `{bus.name}`")
    for service in catalog.services:
        if service.on_failure_dlq:
            add(service.on_failure_dlq, f"asynchronous invocations of `{service.name}`")
        if service.on_failure_destination:
            add(service.on_failure_destination, f"failure records of `{service.name}`")
    for topic in catalog.topics:
        for subscription in topic.subscriptions:
            if subscription.dlq:
                add(subscription.dlq, f"the {subscription.protocol} subscription of `{topic.name}`")
    return {dlq: " and ".join(what) for dlq, what in found.items()}


EVIDENCE_PARTS = ("diagnosis", "mitigation", "verification")
"""The parts a drill runs, whose steps' expectations become its evidence."""


def build_scenarios(catalog: Catalog, args: CatalogArgs | None = None) -> list[Scenario]:
    """Every scenario for ``catalog``; ``args`` says how rendered ``obskit`` commands name it."""
    ctx = ScenarioContext(catalog, args or CatalogArgs())
    out: list[Scenario] = []
    for workflow in catalog.workflows:
        out.extend(workflow_scenarios(ctx, workflow))
    for service in catalog.services:
        out.extend(lambda_scenarios(ctx, service))
    sources = dlq_sources(catalog)
    for queue in catalog.queues:
        out.extend(queue_scenarios(ctx, queue, sources))
    for bus, rule in catalog.rules():
        out.append(rule_scenario(ctx, bus, rule))
    for topic in catalog.topics:
        out.append(topic_scenario(ctx, topic))
    return [with_evidence(scenario) for scenario in out]


def with_evidence(scenario: Scenario) -> Scenario:
    """``scenario`` with its drill's :class:`Evidence`: what each step a drill runs must show."""
    if scenario.drill is None or scenario.drill.evidence:
        return scenario
    found = tuple(
        Evidence(part, step.command, step.expect)
        for part in EVIDENCE_PARTS
        for step in getattr(scenario, part)
        if step.command and step.expect and drill_runs(step.command)
    )
    return replace(scenario, drill=replace(scenario.drill, evidence=found))


def scenarios_by_alarm(scenarios: Sequence[Scenario]) -> dict[str, list[Scenario]]:
    """Alarm name → the scenarios it detects, primary first (the one whose resource owns it)."""
    index: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        for alarm in scenario.alarms:
            index.setdefault(alarm, []).append(scenario)
    for alarm, found in index.items():
        found.sort(key=lambda s: 0 if alarm == s.alarms[0] else 1)
    return index
