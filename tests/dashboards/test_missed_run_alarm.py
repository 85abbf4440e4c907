"""A scheduled job's missed-run alarm: generated for a schedule that starts no workflow (never for
a workflow's schedule), sized by the gap between runs, and quiet while every night's run succeeds,
loud the morning a run failed every attempt or never happened.

Evaluated minute by minute by the evaluator the sandbox uses, on a store fed with the job's
AWS/Lambda Invocations and Errors as Lambda would publish them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog import Catalog, load_catalog
from catalog.models import Schedule
from dashboards.alarm_eval_spec import AlarmSpec
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmEvaluator, StateTransition
from dashboards.aws_shapes import put_metric_alarm_kwargs
from dashboards.build import build_monitoring
from dashboards.facades.scheduled_job import missed_run_window, scheduled_jobs

INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"
NAME = "ingest-dev-retention-sweeper-missed-run"


@pytest.fixture(scope="module")
def ingest() -> Catalog:
    return load_catalog(INGEST)


def _spec(catalog: Catalog) -> AlarmSpec:
    (alarm,) = [a for a in build_monitoring(catalog).alarms if a.name == NAME]
    return AlarmSpec.from_put_metric_alarm_kwargs(put_metric_alarm_kwargs(alarm))


def test_the_nightly_job_gets_one_and_the_workflow_schedules_none(
    ingest: Catalog, alchemiser: Catalog
) -> None:
    assert [(s.name, j.name) for s, j in scheduled_jobs(ingest)] == [
        ("ingest-dev-nightly-sweep", "retention-sweeper")
    ]
    spec = _spec(ingest)
    # 24 h between runs + 2 async retries (3 min) + 3 × the 300 s timeout + 1 h for DST: 26 h
    assert (spec.evaluation_period, spec.evaluation_periods, spec.datapoints_to_alarm) == (
        3600,
        26,
        26,
    )
    assert spec.treat_missing_data == "breaching"
    assert scheduled_jobs(alchemiser) == []  # its schedule starts the trading workflow
    assert not [a for a in build_monitoring(alchemiser).alarms if "missed-run" in a.name]


def test_windows_follow_the_schedule(ingest: Catalog) -> None:
    (_, job) = scheduled_jobs(ingest)[0]

    def window(expression: str, timezone: str = "UTC") -> tuple[int, int] | None:
        found = missed_run_window(
            Schedule(name="s", expression=expression, timezone=timezone, target=job.name), job
        )
        return None if found is None else (found.period_s, found.periods)

    assert window("rate(10 minutes)") == (60, 28)  # 600 + 180 + 900 s, in minutes
    assert window("rate(1 hour)") == (300, 16)  # 3600 + 180 + 900 = 4680 s
    assert window("cron(30 2 * * ? *)") == (3600, 25)  # UTC has no DST: no extra hour
    assert window("cron(35 9 ? * MON-FRI *)", "America/New_York") == (3600, 74)
    assert window("cron(0 3 ? * MON *)") is None  # a week and more: longer than any alarm
    assert window("cron(0 3 1 * ? *)") is None  # monthly


def _nights(catalog: Catalog, fail: set[int], skip: set[int], days: int) -> list[StateTransition]:
    """The job runs at 01:30 UTC every night from 1 March 2026 (02:30 Berlin, CET); a night in
    ``fail`` errors on the run and both retries, a night in ``skip`` has no run at all."""
    spec = _spec(catalog)
    function = {"FunctionName": "ingest-dev-retention-sweeper"}
    store = InMemoryMetricStore()
    first = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    evaluator = AlarmEvaluator(store, [spec], start=first - timedelta(minutes=5))
    for night in range(days):
        if night in skip:
            continue
        at = first + timedelta(days=night)
        attempts = [at, at + timedelta(minutes=1), at + timedelta(minutes=3)]
        for attempt in attempts if night in fail else attempts[:1]:
            store.put("AWS/Lambda", "Invocations", function, attempt, 1.0)
            store.put("AWS/Lambda", "Errors", function, attempt, 1.0 if night in fail else 0.0)
    evaluator.advance_to(first + timedelta(days=days))
    settled = first + timedelta(minutes=10)
    return [t for t in evaluator.history(NAME) if t.timestamp >= settled]


def test_quiet_while_every_nightly_run_succeeds(ingest: Catalog) -> None:
    assert [t.new_state for t in _nights(ingest, set(), set(), 6)] == []


@pytest.mark.parametrize("broken", ["fail", "skip"])
def test_loud_the_morning_a_run_failed_or_did_not_happen(ingest: Catalog, broken: str) -> None:
    nights = {3}
    if broken == "fail":
        changes = _nights(ingest, nights, set(), 6)
    else:
        changes = _nights(ingest, set(), nights, 6)
    states = [(t.new_state, t.timestamp) for t in changes]
    assert [s for s, _ in states] == ["ALARM", "OK"]
    fired = states[0][1]
    due = datetime(2026, 3, 4, 1, 30, tzinfo=UTC)  # night 3's run
    assert due < fired <= due + timedelta(hours=2, minutes=5)  # the grace: 26 h since night 2
    assert states[1][1] <= datetime(2026, 3, 5, 1, 40, tzinfo=UTC)  # night 4's run clears it
