"""Scheduled jobs in the sandbox: a schedule that starts no workflow fires by itself at each run
time the simulated clock passes (once each), as EventBridge Scheduler would; a workflow's
schedule never does (runs start it when asked)."""

from __future__ import annotations

import time
from pathlib import Path

from catalog import load_catalog
from catalog.cron_runs import run_times
from sandbox.scheduled_jobs import ScheduledJobs
from sandbox.session import Sandbox

INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alchemiser" / "catalog.yaml"


def _a_past_run_time() -> float:
    """A run time of the nightly sweep between two and three days ago (CloudWatch Logs takes
    events up to 14 days old), so the test means the same whatever day it runs on."""
    now = time.time()
    runs = list(run_times("cron(30 2 * * ? *)", "Europe/Berlin", now - 3 * 86400, now - 2 * 86400))
    return runs[0]


def test_due_lists_each_run_once_and_only_jobs() -> None:
    catalog = load_catalog(INGEST)
    slot = _a_past_run_time()
    jobs = ScheduledJobs.of(catalog, slot - 600, {"retention-sweeper"})
    assert [s.name for s in jobs.schedules] == ["ingest-dev-nightly-sweep"]
    assert jobs.next_due() == slot
    assert jobs.due(slot - 1) == []
    assert [s.name for s in jobs.due(slot + 1)] == ["ingest-dev-nightly-sweep"]
    assert jobs.due(slot + 2) == []  # never twice
    assert jobs.next_due() == slot + 86400  # the next night (no DST change within 3 days)
    assert ScheduledJobs.of(load_catalog(EXAMPLE), slot, {"strategy-orchestrator"}).schedules == []
    assert ScheduledJobs.of(catalog, slot, set()).schedules == []  # nothing to invoke it with


def test_the_nightly_job_runs_at_its_run_time_and_its_missed_run_alarm_stays_quiet(
    aws_endpoint: str,
) -> None:
    slot = _a_past_run_time()
    with Sandbox.start(INGEST, endpoint_url=aws_endpoint, start_time=slot - 300) as box:
        box.advance(290)
        assert box.runner.stats["retention-sweeper"].invocations == 0
        box.advance(20)
        stats = box.runner.stats["retention-sweeper"]
        assert (stats.invocations, stats.errors) == (1, 0)
        (run,) = [i for i in box.runner.invocations if i.service == "retention-sweeper"]
        assert slot <= run.started < slot + 5
        box.advance(600)
        assert box.runner.stats["retention-sweeper"].invocations == 1
        assert box.alarm_states()["ingest-dev-retention-sweeper-missed-run"] == "OK"
        assert box.workflow_counts().started == 0  # a job starts no workflow
