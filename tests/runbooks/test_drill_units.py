"""Drill pieces that need no sandbox: scenario selection, command building, report shapes."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import orjson
import pytest

from catalog import load_catalog
from dashboards.alarm_eval_timing import AWS_TIMING
from runbooks.drills import DrillError, select_scenarios
from runbooks.drills.commands import CommandEnv, CommandError, argv_for, run_command
from runbooks.drills.detection import DetectionResult, explained_composites
from runbooks.drills.model import (
    REPORT_KEYS,
    DrillReport,
    DrillResult,
    StepResult,
    Transition,
    WorkflowTally,
)
from runbooks.drills.report import to_html, to_markdown, write_report
from runbooks.scenarios import Scenario, build_scenarios

ENV = CommandEnv("http://127.0.0.1:1", "us-east-1", "123456789012")


def test_select_names_the_unknown_id() -> None:
    scenarios = build_scenarios(load_catalog())
    assert len(select_scenarios(scenarios, [])) == sum(s.drill is not None for s in scenarios)
    with pytest.raises(DrillError, match="no-such-drill"):
        select_scenarios(scenarios, ["no-such-drill"])


def test_aws_commands_go_to_the_sandbox_endpoint() -> None:
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    env = ENV.environ()
    argv = argv_for('aws sns list-topics --topic "arn:${AWS_ACCOUNT_ID}"', ENV, env)
    assert argv[1:3] == ["--endpoint-url", ENV.endpoint_url]
    assert argv[-1] == "arn:123456789012"
    assert env["AWS_ENDPOINT_URL"] == ENV.endpoint_url


def test_bad_commands_fail_the_step_with_a_reason() -> None:
    with pytest.raises(CommandError, match="NOPE"):
        argv_for("obskit dlq inspect ${NOPE}", ENV, ENV.environ())
    outcome = run_command("curl http://example.org", ENV)
    assert (outcome.exit_code, outcome.ok) == (127, False)
    assert "aws` and `obskit` commands only" in outcome.output


def _report() -> DrillReport:
    result = DrillResult("lambda-x-failing", "x: failing", ["a-errors"], budget_s=300)
    result.fired_alarms = ["a-errors", "b-noise"]
    result.unexpected_alarms = ["b-noise"]
    result.detected_after_s = 180.0
    result.mitigated_at_s = 200.0
    result.workflows = WorkflowTally(3, 2, 1, 0)
    result.steps = [StepResult("obskit dlq replay q", 1, False, "no such queue")]
    result.failures = ["1 workflow(s) did not complete"]
    result.timeline = [
        Transition("a-errors", -120, "INSUFFICIENT_DATA", "OK"),
        Transition("a-errors", 180, "OK", "ALARM"),
        Transition("b-noise", 240, "OK", "ALARM"),
    ]
    ok = DrillResult("rule-y", "y", [], detected_after_s=None, recovered_after_s=400.0)
    return DrillReport("embedded example", "alchemiser", "dev", [result, ok])


def test_json_has_exactly_the_contract_keys(tmp_path: Path) -> None:
    written = write_report(_report(), tmp_path / "drills.json")
    assert [p.suffix for p in written] == [".json", ".md", ".html"]
    doc = orjson.loads(written[0].read_bytes())
    assert doc["passed"] is False
    first, second = doc["scenarios"]
    assert tuple(first) == REPORT_KEYS and tuple(second) == REPORT_KEYS
    assert first["passed"] is False and second["passed"] is True
    assert set(first["workflows"]) == {"started", "completed", "lost", "duplicated"}
    assert first["steps"] == [
        {
            "command": "obskit dlq replay q",
            "exit_code": 1,
            "ok": False,
            "part": "mitigation",
            "expect": [],
            "matched": None,
            "run": True,
        }
    ]
    assert "did not complete" in to_markdown(_report())


def test_html_timeline_renders_in_headless_chromium(tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(chromium).exists(), "headless Chromium is needed to check the HTML report"
    page = tmp_path / "drills.html"
    page.write_text(to_html(_report()), encoding="utf-8")
    shot = tmp_path / "drills.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with tempfile.TemporaryDirectory() as profile:
        common = [chromium, *flags, f"--user-data-dir={profile}"]
        dom = subprocess.run(
            [*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=90
        ).stdout
        subprocess.run(
            [*common, f"--screenshot={shot}", "--window-size=1100,700", page.as_uri()],
            capture_output=True,
            timeout=90,
        )
    assert 'id="verdict"' in dom and "FAIL" in dom
    assert dom.count('class="state-ALARM"') == 2  # a-errors and b-noise went to ALARM
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 5_000


def test_workers_take_the_likely_longest_drills_first() -> None:
    from runbooks.drills.parallel import longest_first

    scenarios = select_scenarios(build_scenarios(load_catalog()), [])
    ordered = longest_first(scenarios)
    assert sorted(s.id for s in ordered) == sorted(s.id for s in scenarios)
    slow = [s.drill is not None and s.drill.fault.kind.startswith("slow") for s in ordered]
    assert slow == sorted(slow, reverse=True) and any(slow)  # every slow drill before the rest
    commands = [
        sum(1 for step in s.mitigation if step.command) for s in ordered[slow.count(True) :]
    ]
    assert commands == sorted(commands, reverse=True)  # then the ones with more commands

    def tie(s: Scenario) -> tuple[int, int]:  # same commands, same budget: an equal weight
        budget = s.drill.detection_budget_s if s.drill else 0
        return (sum(1 for step in s.mitigation if step.command), budget)

    throttled = [s for s in scenarios if s.id.endswith("-throttled")]
    key = tie(throttled[-1])
    ties = [s.id for s in throttled if tie(s) == key]
    assert len(ties) >= 3
    assert [s.id for s in ordered if s.id in ties] == ties  # ties: as asked


def test_a_catalog_without_handlers_or_schedules_is_refused_before_any_server_starts() -> None:
    from click.testing import CliRunner

    from runbooks.drills.runner import check_drillable
    from tools.drill_cli import drill

    example = load_catalog()
    check_drillable(example, select_scenarios(build_scenarios(example), []))  # the example runs
    orders_path = Path(__file__).parents[2] / "examples" / "orders" / "catalog.yaml"
    orders = load_catalog(orders_path)
    with pytest.raises(DrillError) as refused:
        check_drillable(orders, select_scenarios(build_scenarios(orders), []))
    assert "service 'api' has no handler" in str(refused.value)
    assert "workflow 'checkout' does not say how it starts" in str(refused.value)

    result = CliRunner().invoke(drill, ["run", "--all", "--catalog", str(orders_path), "--quiet"])
    assert result.exit_code == 2
    assert "cannot run drills in the sandbox" in result.output


def test_a_composite_fired_by_an_allowed_child_is_not_noise() -> None:
    children = {
        "wf-unhealthy": ("wf-failures", "wf-heartbeat"),
        "system-down": ("wf-unhealthy",),
        "other-unhealthy": ("other-errors",),
    }
    fired = ["wf-failures", "wf-unhealthy", "system-down", "other-unhealthy"]
    assert explained_composites(fired, {"wf-failures"}, children) == {
        "wf-unhealthy",
        "system-down",
    }
    # A composite whose only fired child is itself noise stays noise.
    assert explained_composites(["other-errors", "other-unhealthy"], set(), children) == set()
    result = DetectionResult(("wf-failures",), composites=children)
    result.fired = dict.fromkeys(fired, 60.0)
    assert result.unexpected == ["other-unhealthy"]


def test_every_report_names_its_alarm_timing_model(tmp_path: Path) -> None:
    report = _report()
    report.results[0].alarm_timing = AWS_TIMING.describe()
    doc = orjson.loads(write_report(report, tmp_path / "drills.json")[0].read_bytes())
    timing = doc["scenarios"][0]["alarm_timing"]
    assert timing["evaluation"].startswith("sliding, every 60 s")
    assert timing["ingestion_delay_s"]["AWS/Lambda"] == 60
    markdown = to_markdown(report)
    assert "- alarm timing: sliding, every 60 s" in markdown
    assert "AWS/Lambda 60 s" in markdown and "log-derived 120 s" in markdown
    assert "- alarm timing: not recorded" in markdown  # the second result has none


def test_a_sigterm_whose_interrupt_was_lost_still_stops_the_drill_at_its_next_tick() -> None:
    """A KeyboardInterrupt raised from the SIGTERM handler is swallowed when the handler happens
    to run inside a finalizer; the flag it sets stops the drill at the next check all the same."""
    import contextlib
    import os
    import signal

    from runbooks.drills import runner

    with runner._sigterm_as_interrupt():
        with contextlib.suppress(KeyboardInterrupt):  # the handler's interrupt, taken as lost
            os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt):
            runner._stop_if_terminated()
    runner._stop_if_terminated()  # cleared once the run is over
