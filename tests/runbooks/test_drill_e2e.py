"""Drills end to end: real moto_server, real sandbox, runbook commands as real subprocesses.

Each test runs one drill of the embedded example (a rule whose target fails: its events go to the
rule DLQ and the runbook replays them with ``obskit dlq replay``), as written or with the runbook
broken in one way, and checks the verdict follows.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest

from catalog import load_catalog
from catalog.models import Catalog
from runbooks.drills import DrillOptions, run_drills, select_scenarios
from runbooks.drills.commands import CommandEnv, run_command
from runbooks.drills.model import REPORT_KEYS, DrillReport, DrillResult, StepResult
from runbooks.drills.report import write_report
from runbooks.scenarios import Scenario, build_scenarios
from sandbox.moto_server import MotoServer

if TYPE_CHECKING:
    from conftest import BrokenRunbooks

pytestmark = pytest.mark.slow

DRILL = "rule-to-portfolio-target-failing"
LONG_DRILL = "topic-trade-notifications-notifications-failing"
"""Hours of simulated time (SNS retries an e-mail for 6.6 h), so still running when signalled:
the rule drill can end within a second of saying where its sandbox is."""
FAST = DrillOptions(recovery_budget_s=600)


def _scenario(catalog: Catalog, drill_id: str = DRILL) -> Scenario:
    return select_scenarios(build_scenarios(catalog), [drill_id])[0]


def _run(catalog: Catalog, scenario: Scenario, endpoint: str, **kw: object) -> DrillResult:
    options = dataclasses.replace(FAST, **kw)  # type: ignore[arg-type]
    return run_drills(catalog, [scenario], options=options, endpoint_url=endpoint).results[0]


def _dlq_of(scenario: Scenario) -> str:
    replay = next(s for s in scenario.mitigation if s.command and "--rate" in s.command)
    assert replay.command is not None
    return replay.command.split()[3]


def test_the_runbook_as_written_passes(aws_endpoint: str, tmp_path: Path) -> None:
    catalog = load_catalog()
    scenario = _scenario(catalog)
    result = _run(catalog, scenario, aws_endpoint)
    assert result.passed, result.failures
    assert set(result.expected_alarms) <= set(result.fired_alarms)
    assert result.unexpected_alarms == []
    assert result.detected_after_s is not None
    assert 0 < result.detected_after_s <= scenario.drill.detection_budget_s  # type: ignore[union-attr]
    assert result.recovered_after_s is not None
    assert result.recovered_after_s > result.detected_after_s
    w = result.workflows
    assert w.started >= 2 and w.completed == w.started and w.lost == w.duplicated == 0
    ran = [s for s in result.steps if s.run]
    assert ran and all(s.ok and s.exit_code == 0 and s.matched is not False for s in ran)
    runnable = [s.command for s in scenario.mitigation if s.command and s.runnable]
    assert [s.command for s in result.steps if s.part == "mitigation"] == runnable
    # every part ran (the rollback is listed, never run), diagnosis first, verification last
    parts = [s.part for s in result.steps]
    assert parts == sorted(parts, key=["diagnosis", "mitigation", "verification", "rollback"].index)
    assert {s.part for s in ran} == {"diagnosis", "mitigation", "verification"}
    assert all(not s.run for s in result.steps if s.part == "rollback")
    diagnosis = [s for s in result.steps if s.part == "diagnosis"]
    assert [s.command for s in diagnosis] == [s.command for s in scenario.diagnosis if s.command]
    assert any(s.matched for s in diagnosis)  # e.g. the DLQ holds the undelivered events
    path = write_report(_report_of(catalog, result), tmp_path / "drills.json")[0]
    entry = orjson.loads(path.read_bytes())["scenarios"][0]
    assert tuple(entry) == REPORT_KEYS and entry["passed"] is True


def _report_of(catalog: Catalog, result: DrillResult) -> DrillReport:
    return DrillReport("embedded example", catalog.system, catalog.stage, [result])


def test_a_wrong_queue_name_fails_the_drill(aws_endpoint: str) -> None:
    catalog = load_catalog()
    scenario = _scenario(catalog)
    dlq = _dlq_of(scenario)
    broken = dataclasses.replace(
        scenario,
        mitigation=tuple(
            dataclasses.replace(s, command=s.command.replace(dlq, dlq + "-typo"))
            if s.command
            else s
            for s in scenario.mitigation
        ),
    )
    result = _run(catalog, broken, aws_endpoint)
    assert not result.passed
    assert any(not s.ok and s.exit_code != 0 for s in result.steps)
    assert result.workflows.lost >= 1  # the events stay in the real DLQ
    assert any(dlq in f and "still holds" in f for f in result.failures)


def test_a_runbook_that_forgets_the_replay_loses_workflows(
    aws_endpoint: str, broken_runbooks: BrokenRunbooks
) -> None:
    catalog = load_catalog()
    forgetful = broken_runbooks.without_replay(_scenario(catalog))
    result = _run(catalog, forgetful, aws_endpoint)
    assert not result.passed
    assert all(s.ok for s in result.steps)  # every step it has works: what is missing fails it
    assert result.workflows.lost >= 1
    assert result.workflows.completed < result.workflows.started


def test_a_diagnosis_step_naming_the_wrong_function_fails_the_drill(
    aws_endpoint: str, moto_server: MotoServer, broken_runbooks: BrokenRunbooks
) -> None:
    """The policy step checks another rule's function: it exits 0, but its output cannot show
    that EventBridge may invoke the right one, so an operator would be misled: the drill fails
    and says which step, what it had to show, and what it showed."""
    catalog = load_catalog()
    scenario = _scenario(catalog)
    right, wrong = "alchemiser-dev-portfolio", "alchemiser-dev-signal-aggregator"
    misleading = broken_runbooks.policy_of(scenario, right, wrong)
    result = _run(catalog, misleading, aws_endpoint)
    assert not result.passed
    [step] = [s for s in result.steps if s.matched is False]
    assert step.part == "diagnosis" and step.ok and wrong in step.command
    [failure] = [f for f in result.failures if "output does not satisfy" in f]
    assert failure.startswith(f"diagnosis step `aws lambda get-policy --function-name {wrong}")
    assert "'/alchemiser-dev-to-portfolio'" in failure and "output ends: " in failure
    assert "alchemiser-dev-to-signal-aggregator" in failure  # the tail shows what it found
    # everything else of the runbook still worked: only the misleading step fails the drill
    assert result.workflows.lost == 0 and len(result.failures) == 1
    # As a mutation run judges it: the drill ends at that step, with the same verdict and reason.
    moto_server.reset()
    first = _run(catalog, misleading, aws_endpoint, stop_at_first_failure=True)
    [first_failure] = first.failures  # the same reason (the policy's revision id differs)
    assert (
        not first.passed
        and first_failure.split("output ends")[0] == failure.split("output ends")[0]
    )
    assert first.steps[-1].command == step.command
    assert len(first.steps) < len(result.steps)
    assert not any(s.part in ("mitigation", "verification") for s in first.steps)


def test_a_runbook_missing_the_step_that_shows_the_cause_fails_reordered_passes(
    aws_endpoint: str, moto_server: MotoServer
) -> None:
    """The drill's evidence: the generated runbook's expectations must still be shown. Leaving
    out the only step that shows the function's policy fails the drill (nothing else shows
    it); the same steps in another order show the same, and pass."""
    catalog = load_catalog()
    scenario = _scenario(catalog)
    policy = next(s for s in scenario.diagnosis if s.command and "get-policy" in s.command)
    without = dataclasses.replace(
        scenario, diagnosis=tuple(s for s in scenario.diagnosis if s is not policy)
    )
    result = _run(catalog, without, aws_endpoint, stop_at_first_failure=True)
    assert not result.passed
    assert result.failures == [
        f"the diagnosis no longer shows what `{policy.command}` showed: {list(policy.expect)}"
    ]
    reordered = dataclasses.replace(scenario, diagnosis=tuple(reversed(scenario.diagnosis)))
    moto_server.reset()
    assert _run(catalog, reordered, aws_endpoint).passed


def test_the_failing_function_drill_shows_where_the_run_stopped(aws_endpoint: str) -> None:
    """Issue 15's example: the portfolio drill's trace shows the run stopped at portfolio and
    its error query returns portfolio's error lines, from the sandbox's Logs Insights."""
    catalog = load_catalog()
    scenario = _scenario(catalog, "lambda-portfolio-failing")
    result = _run(catalog, scenario, aws_endpoint)
    assert result.passed, result.failures
    by_command = {s.command.split(" --since ")[0]: s for s in result.steps if s.part == "diagnosis"}
    trace = by_command["obskit trace --last trading"]
    assert trace.matched and trace.exit_code == 1  # the run failed: trace exits 1, as allowed
    assert "was handled by portfolio" in trace.output
    errors = by_command["obskit query --query-name errors/recent-errors"]
    assert errors.matched and "/aws/lambda/alchemiser-dev-portfolio" in errors.output
    assert "/aws/lambda/alchemiser-dev-execution" not in errors.output


def test_an_alarm_that_cannot_catch_the_fault_fails_detection(aws_endpoint: str) -> None:
    catalog = load_catalog()
    scenario = _scenario(catalog)
    assert scenario.drill is not None
    blind = scenario.drill.expected_alarms[0]
    catalog = catalog.model_copy(
        update={"alarm_overrides": {**catalog.alarm_overrides, blind: {"threshold": 1e9}}}
    )
    result = _run(catalog, scenario, aws_endpoint, recovery_workflows=0, recovery_budget_s=60)
    assert not result.passed
    assert result.detected_after_s is None
    assert blind not in result.fired_alarms
    assert any("not detected" in f and blind in f for f in result.failures)


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):
            return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_interrupted_drill_tears_everything_down() -> None:
    """Ctrl-C in the middle of the runbook: the sandbox stops and the moto_server it started."""
    catalog = load_catalog()
    seen: list[str] = []

    def interrupt(command: str, env: CommandEnv) -> StepResult:
        seen.append(env.endpoint_url)
        assert _answers(env.endpoint_url)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_drills(catalog, [_scenario(catalog)], options=DrillOptions(step_runner=interrupt))
    assert seen and not _answers(seen[0])
    # the in-process sandbox was stopped too: another one starts (only one may run at a time)
    from sandbox.session import Sandbox

    with Sandbox.start(catalog, deploy=False):
        pass


def test_sigterm_stops_the_cli_and_its_sandbox(tmp_path: Path) -> None:
    obskit = Path(sys.executable).parent / "obskit"
    proc = subprocess.Popen(
        [str(obskit), "drill", "run", LONG_DRILL],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    endpoint = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.startswith("sandbox endpoint "):
            endpoint = line.split()[-1]
            break
    assert endpoint, "the CLI never said where its sandbox is"
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGTERM)
    assert proc.wait(timeout=60) == 130
    assert not _answers(endpoint)


def test_run_command_reaches_the_sandbox(aws_endpoint: str) -> None:
    env = CommandEnv(aws_endpoint, "us-east-1", "123456789012")
    assert run_command("obskit dlq inspect no-such-queue --region us-east-1", env).exit_code != 0


THROTTLED_ASYNC = "lambda-strategy-worker-throttled"


def test_a_throttled_async_functions_runbook_as_written_passes(aws_endpoint: str) -> None:
    """Reserved concurrency 0 on an asynchronously invoked function with a DLQ: the runbook
    restores the concurrency, then replays the DLQ the refused events went to."""
    catalog = load_catalog()
    result = _run(catalog, _scenario(catalog, THROTTLED_ASYNC), aws_endpoint)
    assert result.passed, result.failures
    assert "alchemiser-dev-strategy-worker-events-dropped" in result.fired_alarms
    w = result.workflows
    assert w.completed == w.started and w.lost == 0


def test_restoring_the_concurrency_alone_loses_the_runs(aws_endpoint: str) -> None:
    """Issue 13: with throttled events modelled as retried for 6 hours, this runbook passed; on
    AWS the events are in the DLQ and the runs never complete."""
    catalog = load_catalog()
    scenario = _scenario(catalog, THROTTLED_ASYNC)
    restore_only = dataclasses.replace(scenario, mitigation=scenario.mitigation[:1])
    assert [s.command for s in restore_only.mitigation][0].startswith(  # type: ignore[union-attr]
        "aws lambda delete-function-concurrency"
    )
    result = _run(catalog, restore_only, aws_endpoint)
    assert not result.passed
    assert result.workflows.lost >= 1
    assert all(s.ok for s in result.steps)  # every step worked; the runbook was incomplete
