"""The archive-replay drill can fail: only the right window and the right rule bring the events back.

portfolio has no on-failure DLQ, so Lambda drops its failed events and the runbook replays them
from the bus archive. moto replays the whole archive to every rule, whatever the window; the
sandbox replays as EventBridge does (window, FilterArns, events in the archive only after a
delay), so a runbook step with a wrong window or rule loses the workflows, as it would on AWS.
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
from runbooks.scenarios.model import Step
from sandbox.moto_server import MotoServer

pytestmark = pytest.mark.slow

FAST = DrillOptions(recovery_budget_s=900)
DRILL = "lambda-portfolio-failing"


def _scenario(catalog: Catalog) -> Scenario:
    return select_scenarios(build_scenarios(catalog), [DRILL])[0]


def _run(catalog: Catalog, scenario: Scenario, server: MotoServer) -> DrillResult:
    server.reset()
    return run_drills(catalog, [scenario], options=FAST, server=server).results[0]


def _rewritten(scenario: Scenario, change: dict[str, str], *, literal: bool = False) -> Scenario:
    """The scenario with its archive-replay step's words replaced (``literal``: the step no
    longer waits for placeholders, it runs as written)."""
    steps: list[Step] = []
    for step in scenario.mitigation:
        if step.command and "replay archive" in step.command:
            command = step.command
            for old, new in change.items():
                command = re.sub(old, new, command)
            step = dataclasses.replace(step, command=command, runnable=literal or step.runnable)
        steps.append(step)
    return dataclasses.replace(scenario, mitigation=tuple(steps))


def test_right_window_and_rule_pass_wrong_ones_fail(
    aws_endpoint: str, moto_server: MotoServer
) -> None:
    catalog = load_catalog()
    scenario = _scenario(catalog)

    right = _run(catalog, scenario, moto_server)
    assert right.passed, right.failures
    (ran,) = [s for s in right.steps if "replay archive" in s.command]
    assert ran.ok and "--rule alchemiser-dev-to-portfolio" in ran.command

    in_2020 = _rewritten(
        scenario,
        {
            r"--since \S+": "--since 2020-01-01T00:00:00Z",
            r"--until \S+": "--until 2020-01-01T01:00:00Z",
        },
        literal=True,
    )
    old_window = _run(catalog, in_2020, moto_server)
    assert not old_window.passed
    assert old_window.workflows.lost >= 1
    assert all(s.ok for s in old_window.steps)  # the replay itself succeeded: it found nothing

    wrong_rule = _run(
        catalog,
        _rewritten(scenario, {"alchemiser-dev-to-portfolio": "alchemiser-dev-to-notifications"}),
        moto_server,
    )
    assert not wrong_rule.passed
    assert wrong_rule.workflows.lost >= 1


def test_replaying_right_after_the_fix_misses_the_archive(
    aws_endpoint: str, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events reach the archive up to 10 minutes late: an operator who replays at once, without
    the wait the runbook asks for, replays an archive that does not hold them yet."""
    from runbooks.drills import runner

    monkeypatch.setattr(runner, "runs_from", lambda command, fixed_at: fixed_at)
    catalog = load_catalog()
    hasty = _run(catalog, _scenario(catalog), moto_server)
    assert not hasty.passed
    assert hasty.workflows.lost >= 1
    assert all(s.ok for s in hasty.steps)
