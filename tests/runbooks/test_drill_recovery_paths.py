"""Drills whose recovery goes through the harder paths: a function re-invoked from its on-failure
DLQ, events replayed from the bus archive, a business failure, and the alerts topic itself.

Each runs the embedded example's drill on moto_server with the runbook's commands as real
subprocesses, then breaks the runbook or the alarm in one way and checks the verdict follows.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from catalog import load_catalog
from catalog.models import Catalog
from runbooks.drills import DrillOptions, run_drills, select_scenarios
from runbooks.drills.model import DrillResult
from runbooks.scenarios import Scenario, build_scenarios
from sandbox.moto_server import MotoServer

pytestmark = pytest.mark.slow

FAST = DrillOptions(recovery_budget_s=900)


def _scenario(catalog: Catalog, drill_id: str) -> Scenario:
    return select_scenarios(build_scenarios(catalog), [drill_id])[0]


def _run(catalog: Catalog, scenario: Scenario, server: MotoServer) -> DrillResult:
    server.reset()  # each drill on a clean endpoint, as `obskit drill run` does
    return run_drills(catalog, [scenario], options=FAST, server=server).results[0]


def _without(scenario: Scenario, fragment: str) -> Scenario:
    steps = tuple(s for s in scenario.mitigation if not (s.command and fragment in s.command))
    assert len(steps) < len(scenario.mitigation), f"no mitigation step contains {fragment!r}"
    return dataclasses.replace(scenario, mitigation=steps)


def test_a_function_is_re_invoked_from_its_on_failure_dlq(
    aws_endpoint: str, moto_server: MotoServer
) -> None:
    """strategy-worker is invoked asynchronously (fan-out): its failed invocations land in the
    shared event DLQ and ``obskit dlq replay --lambda`` invokes each again."""
    catalog = load_catalog()
    scenario = _scenario(catalog, "lambda-strategy-worker-failing")
    result = _run(catalog, scenario, moto_server)
    assert result.passed, result.failures
    replay = [s for s in result.steps if "--lambda" in s.command and "--dry-run" not in s.command]
    assert replay and replay[0].ok
    w = result.workflows
    assert w.started == w.completed and w.lost == w.duplicated == 0

    forgetful = _without(scenario, "--rate")
    broken = _run(catalog, forgetful, moto_server)
    assert not broken.passed
    assert broken.workflows.lost >= 1
    assert any("still holds" in f for f in broken.failures)


def test_dropped_events_come_back_from_the_archive_with_the_incident_window(
    aws_endpoint: str,
    moto_server: MotoServer,
) -> None:
    """portfolio has no on-failure DLQ: Lambda drops its failed events, and the runbook replays
    the bus archive for the incident window, which the drill fills in as the operator would."""
    catalog = load_catalog()
    scenario = _scenario(catalog, "lambda-portfolio-failing")
    written = [s.command for s in scenario.mitigation if s.command and "archive" in s.command]
    assert written and "<incident-start>" in written[0] and "<fix-time>" in written[0]
    result = _run(catalog, scenario, moto_server)
    assert result.passed, result.failures
    (ran,) = [s for s in result.steps if "replay archive" in s.command]
    assert ran.ok
    times = re.findall(r"--(?:since|until) (\S+)", ran.command)
    assert len(times) == 2 and all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times
    )
    assert times[0] < times[1]
    assert result.workflows.lost == 0

    broken = _run(catalog, _without(scenario, "replay archive"), moto_server)
    assert not broken.passed
    assert broken.workflows.lost >= 1


def test_a_business_failure_is_reported_not_lost(
    aws_endpoint: str, moto_server: MotoServer
) -> None:
    catalog = load_catalog()
    scenario = _scenario(catalog, "workflow-trading-failed")
    result = _run(catalog, scenario, moto_server)
    assert result.passed, result.failures
    w = result.workflows
    assert w.completed < w.started  # the run that failed did not complete...
    assert w.lost == 0  # ...but it ended: WorkflowFailed was published


def test_the_alerts_topic_alarm_catches_sparse_failures(
    aws_endpoint: str, moto_server: MotoServer
) -> None:
    """The alerts topic only carries alarm notifications. The drill makes one alarm change state
    while deliveries fail; one failed minute must be enough (AWS's 5-of-5 never sees it)."""
    catalog = load_catalog()
    scenario = _scenario(catalog, "topic-alerts-notifications-failing")
    assert scenario.drill is not None
    alarm = next(a for a in scenario.drill.expected_alarms if a.endswith("notifications-failed"))
    result = _run(catalog, scenario, moto_server)
    assert result.passed, result.failures
    assert alarm in result.fired_alarms

    recommended = catalog.model_copy(
        update={"alarm_overrides": {alarm: {"datapoints_to_alarm": 5, "evaluation_periods": 5}}}
    )
    blind = _run(recommended, scenario, moto_server)
    assert not blind.passed
    assert alarm not in blind.fired_alarms
    assert any("not detected" in f and alarm in f for f in blind.failures)


def test_consequential_alarms_are_tolerated_only_when_the_drill_names_them(
    aws_endpoint: str, moto_server: MotoServer
) -> None:
    """An alarm the fault causes but the drill does not wait for (a consequence, e.g. a delayed
    run's SLA breach): listed in ``may_fire`` it is reported but tolerated; unlisted it is noise.
    Here the failing function's own Errors alarm plays the consequence."""
    catalog = load_catalog()
    scenario = _scenario(catalog, "lambda-portfolio-failing")
    assert scenario.drill is not None
    consequence = next(a for a in scenario.drill.expected_alarms if a.endswith("-errors"))
    waited = tuple(a for a in scenario.drill.expected_alarms if a != consequence)
    assert waited
    tolerant = dataclasses.replace(
        scenario,
        drill=dataclasses.replace(
            scenario.drill,
            expected_alarms=waited,
            may_fire=(*scenario.drill.may_fire, consequence),
        ),
    )
    result = _run(catalog, tolerant, moto_server)
    assert result.passed, result.failures
    consequences = set(result.fired_alarms) - set(result.expected_alarms)
    assert consequence in consequences
    assert result.unexpected_alarms == []

    strict = dataclasses.replace(tolerant, drill=dataclasses.replace(tolerant.drill, may_fire=()))
    noisy = _run(catalog, strict, moto_server)
    assert not noisy.passed
    assert consequence in noisy.unexpected_alarms
    assert any("noise" in f for f in noisy.failures)


def test_a_slow_fan_out_function_runs_its_invocations_side_by_side(
    aws_endpoint: str, moto_server: MotoServer
) -> None:
    """The strategy worker runs once per strategy, and Lambda runs those invocations in
    separate execution environments at once: its slow drill starts as many runs as the
    orchestrator's (no fewer to make up for invocations queued one after another), and the runs
    complete, each about one slow invocation late rather than one per strategy."""
    catalog = load_catalog()
    once = _scenario(catalog, "lambda-strategy-orchestrator-slow")
    fanned = _scenario(catalog, "lambda-strategy-worker-slow")
    assert once.drill is not None and fanned.drill is not None
    assert once.drill.workflows == fanned.drill.workflows
    extra = FAST.baseline_workflows + FAST.recovery_workflows
    fan = _run(catalog, fanned, moto_server)
    assert fan.passed, fan.failures
    assert fan.workflows.started == fanned.drill.workflows + extra
    assert fan.workflows.lost == 0
