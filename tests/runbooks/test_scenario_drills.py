"""Drill definitions hold in the sandbox: the fault makes exactly the expected alarms fire within
the budget; a drill that expects an alarm the fault cannot trip fails detection."""

from __future__ import annotations

import dataclasses

import pytest

from catalog import load_catalog
from runbooks.drills import detect
from runbooks.scenarios import Scenario, build_scenarios
from sandbox import Sandbox

pytestmark = pytest.mark.slow


def _scenario(scenario_id: str) -> Scenario:
    return next(s for s in build_scenarios(load_catalog()) if s.id == scenario_id)


@pytest.mark.parametrize(
    "scenario_id",
    [
        "lambda-portfolio-throttled",
        "rule-to-portfolio-target-failing",
        "dlq-event-dlq-not-empty",
        "workflow-trading-stuck",
    ],
)
def test_drill_detects_its_fault(sandbox: Sandbox, scenario_id: str) -> None:
    drill = _scenario(scenario_id).drill
    assert drill is not None
    # baseline: one run, then past the first whole hour so the hourly heartbeat has evaluated
    sandbox.run_workflows(1)
    sandbox.advance(600)
    result = detect(sandbox, drill)
    assert result.missing == [], result.fired
    assert result.unexpected == [], result.fired
    assert result.detected_after_s is not None
    assert result.detected_after_s <= drill.detection_budget_s
    assert result.passed


def test_alarm_that_cannot_catch_the_fault_fails_detection(sandbox: Sandbox) -> None:
    """execution is retried once per 900 s visibility timeout: its Errors alarm (3 of 3 minutes)
    never fires, which is why the scenario does not expect it; a drill that did fails."""
    drill = _scenario("lambda-execution-failing").drill
    assert drill is not None
    wrong = dataclasses.replace(
        drill, expected_alarms=("alchemiser-dev-execution-errors",), detection_budget_s=1200
    )
    sandbox.run_workflows(1)
    result = detect(sandbox, wrong)
    assert result.missing == ["alchemiser-dev-execution-errors"]
    assert not result.passed
    assert result.detected_after_s is None
