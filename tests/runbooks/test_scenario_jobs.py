"""A scheduled job (a schedule that starts no workflow: the ingest example's nightly sweep) in the
scenarios and the drills: its failing and throttled drills invoke it as its schedule does and
expect its missed-run alarm, its runbook re-runs it with `aws lambda invoke`, and every drill's
baseline runs every workflow and every job, so no heartbeat or missed-run alarm fires only
because the drill ran something else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from catalog import load_catalog
from runbooks.drills.model import DrillResult
from runbooks.drills.runner import DrillOptions, _Drill, long_drill_start
from runbooks.runbook_aws import AwsCommandError, parse_aws_command
from runbooks.scenarios import Scenario, build_scenarios
from sandbox.clock import START_ENV
from sandbox.session import Sandbox
from tools.runbook_cli import runbook as runbook_cli

INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"
RERUN = (
    "aws lambda invoke response.json --function-name ingest-dev-retention-sweeper "
    "--invocation-type Event --region eu-west-1"
)


@pytest.fixture
def sandbox_catalog() -> Path:
    return INGEST


def _scenarios() -> dict[str, Scenario]:
    return {s.id: s for s in build_scenarios(load_catalog(INGEST))}


def test_a_failing_job_pages_its_errors_and_its_missed_run_and_is_run_again() -> None:
    scenario = _scenarios()["lambda-retention-sweeper-failing"]
    drill = scenario.drill
    assert drill is not None and drill.job == "ingest-dev-nightly-sweep"
    assert drill.workflow is None
    assert drill.expected_alarms == (
        "ingest-dev-retention-sweeper-errors",
        "ingest-dev-retention-sweeper-events-dropped",
        "ingest-dev-retention-sweeper-missed-run",
    )
    # the missed-run alarm looks back 26 hours from the last good run (the baseline's)
    assert drill.detection_budget_s >= 26 * 3600
    commands = [s.command for s in scenario.mitigation if s.command]
    assert commands == [RERUN]
    assert any("aws scheduler get-schedule" in (s.command or "") for s in scenario.diagnosis)
    assert "ingest-dev-retention-sweeper-missed-run" in scenario.alarms


def test_a_throttled_job_restores_its_concurrency_then_runs_again() -> None:
    scenario = _scenarios()["lambda-retention-sweeper-throttled"]
    assert scenario.drill is not None and scenario.drill.job == "ingest-dev-nightly-sweep"
    assert scenario.drill.expected_alarms == (
        "ingest-dev-retention-sweeper-events-dropped",
        "ingest-dev-retention-sweeper-missed-run",
    )
    commands = [s.command or "" for s in scenario.mitigation]
    assert commands[0].startswith("aws lambda delete-function-concurrency")
    assert commands[1:] == [RERUN]


def test_a_slow_job_is_drilled_with_its_one_scheduled_run() -> None:
    drill = _scenarios()["lambda-retention-sweeper-slow"].drill
    assert drill is not None and drill.job == "ingest-dev-nightly-sweep" and drill.workflows == 1
    # a workflow's step still gets a run a minute for the duration alarm's 15 minutes
    indexer = _scenarios()["lambda-indexer-slow"].drill
    assert indexer is not None and indexer.job is None and indexer.workflows == 16


TINY_JOBS = Path(__file__).resolve().parents[1] / "sandbox" / "tiny_jobs" / "catalog.yaml"


def _with_a_scheduled_workflow(tmp_path: Path) -> Path:
    """The jobs-only catalog, its half-hourly reporter now the start of a workflow."""
    data = yaml.safe_load(TINY_JOBS.read_text(encoding="utf-8"))
    reporter = next(s for s in data["services"] if s["name"] == "reporter")
    reporter["emits"] = ["ReportStarted", "ReportDone"]
    data["event_types"] = [
        {"name": "ReportStarted", "description": "A report run began."},
        {"name": "ReportDone", "description": "The report is written."},
    ]
    schedule = next(s for s in data["schedules"] if s["target"] == "reporter")
    schedule["workflow"] = "reports"
    data["workflows"] = [
        {
            "name": "reports",
            "start_event": "ReportStarted",
            "success_event": "ReportDone",
            "steps": ["ReportStarted", "ReportDone"],
            "schedule": schedule["name"],
            "sla_s": 60,
        }
    ]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_scheduled_workflow_start_that_failed_or_was_refused_is_started_again(
    tmp_path: Path,
) -> None:
    """A schedule that starts a workflow, at a function without a DLQ: the run Lambda dropped
    never started, so the runbook starts it again, after the fix, the way the schedule does
    (regression: it said "start each affected run again" with no command, so a drill could not
    tell a re-run before the fix from one after it)."""
    rerun = (
        "aws lambda invoke response.json --function-name {fn} --invocation-type Event "
        "--region {region}"
    )
    cases = [
        (load_catalog(_with_a_scheduled_workflow(tmp_path)), "reporter", "reports"),
        (load_catalog(), "strategy-orchestrator", "trading"),  # the embedded example
    ]
    for catalog, service, workflow in cases:
        scenarios = {s.id: s for s in build_scenarios(catalog)}
        command = rerun.format(
            fn=next(s.function_name for s in catalog.services if s.name == service),
            region=catalog.region,
        )
        for kind in ("failing", "throttled"):
            scenario = scenarios[f"lambda-{service}-{kind}"]
            last = scenario.mitigation[-1]
            assert last.command == command, (scenario.id, last)
            assert f"start the missed `{workflow}` run now" in last.text
            assert f"that `{workflow}` run never starts" in scenario.summary
        # the fix comes first: restoring the concurrency, or the fix no command expresses
        throttled = scenarios[f"lambda-{service}-throttled"].mitigation
        assert (throttled[0].command or "").startswith("aws lambda delete-function-concurrency")
        assert scenarios[f"lambda-{service}-failing"].mitigation[0].command is None


def test_lambda_invoke_takes_its_outfile_after_the_operation() -> None:
    parsed = parse_aws_command(RERUN)
    assert parsed.params["FunctionName"] == ["ingest-dev-retention-sweeper"]
    with pytest.raises(AwsCommandError, match="requires its outfile argument"):
        parse_aws_command("aws lambda invoke --function-name f --invocation-type Event")


def test_a_day_long_drill_starts_weeks_earlier_unless_pinned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(START_ENV, raising=False)
    catalog = load_catalog(INGEST)
    scenarios = _scenarios()
    now = 1_800_000_000.0
    short = scenarios["lambda-indexer-failing"].drill
    long = scenarios["lambda-retention-sweeper-failing"].drill
    assert short is not None and long is not None
    assert long_drill_start(catalog, short, DrillOptions(), now) is None
    start = long_drill_start(catalog, long, DrillOptions(), now)
    assert start is not None
    span = DrillOptions().baseline_s + long.detection_budget_s + DrillOptions().recovery_budget_s
    assert now - 13 * 86400 <= start <= now - span - 2 * 3600  # Logs: 14 days back, 2 h ahead
    monkeypatch.setenv(START_ENV, "2026-12-01T06:55:00Z")
    assert long_drill_start(catalog, long, DrillOptions(), now) is None


def test_the_baseline_runs_every_workflow_and_every_job(sandbox: Sandbox) -> None:
    """Regression: the baseline ran only the drilled workflow, so another workflow's heartbeat
    (and a job's missed-run alarm) fired during the drill as noise."""
    scenario = _scenarios()["workflow-reindex-failed"]
    assert scenario.drill is not None
    result = DrillResult(scenario.id, scenario.title, [], budget_s=0)
    drill = _Drill(sandbox, scenario, result, DrillOptions())
    drill._baseline()
    assert sandbox.workflow_counts("reindex").completed == 1
    assert sandbox.workflow_counts("ingest").completed == 1
    assert sandbox.runner.stats["retention-sweeper"].invocations == 1
    sandbox.advance(DrillOptions().baseline_s)
    assert sandbox.alarm_states()["ingest-dev-retention-sweeper-missed-run"] == "OK"


def _catalog_variant(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(INGEST.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    # the handlers are imported from the catalog's folder
    (tmp_path / "ingest_handlers").symlink_to(INGEST.parent / "ingest_handlers")
    return path


def test_runbook_check_refuses_a_catalog_whose_drills_the_sandbox_cannot_run(
    tmp_path: Path,
) -> None:
    """A catalog with handlers whose reindex workflow no longer says how it starts: every drill
    of that workflow would fail in `drill run`; `runbook check` says so first, once, with the
    fix. A catalog without handlers (orders) is only for generating and passes."""

    def no_start(data: dict[str, Any]) -> None:
        reindex = next(w for w in data["workflows"] if w["name"] == "reindex")
        del reindex["start"]

    path = _catalog_variant(tmp_path, no_start)
    result = CliRunner().invoke(runbook_cli, ["check", "--catalog", str(path)])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "workflow-reindex-failed" in text and "cannot run in the sandbox" in text
    assert "workflow 'reindex' does not say how it starts: give it a schedule, or start:" in text
    assert text.count("cannot run in the sandbox") == 1


def test_a_job_drill_needs_a_schedule_triggered_target() -> None:
    from runbooks.runbook_check import _undrillable

    catalog = load_catalog(INGEST)
    assert _undrillable(catalog, "ingest-dev-nightly-sweep", None) is None
    assert "does not have" in str(_undrillable(catalog, "nope", None))
    sweeper = next(s for s in catalog.services if s.name == "retention-sweeper")
    changed = catalog.model_copy(
        update={
            "services": [
                sweeper.model_copy(update={"trigger": "direct"}) if s is sweeper else s
                for s in catalog.services
            ]
        }
    )
    assert "give the service trigger: schedule" in str(
        _undrillable(changed, "ingest-dev-nightly-sweep", None)
    )


@pytest.mark.parametrize("example", ["alchemiser", "ingest"])
def test_runbook_check_passes_on_every_example_with_handlers(example: str) -> None:
    """Every generated alarm is detected by a scenario with a drill: the ingest topic's
    redrive-to-DLQ alarm (a subscription DLQ SNS cannot write to) belongs to its DLQ's scenario
    (regression: `runbook check` and `ready` failed on it)."""
    path = Path(__file__).resolve().parents[2] / "examples" / example / "catalog.yaml"
    result = CliRunner().invoke(runbook_cli, ["check", "--catalog", str(path)])
    assert result.exit_code == 0, result.output
    assert "every alarm covered" in result.output
