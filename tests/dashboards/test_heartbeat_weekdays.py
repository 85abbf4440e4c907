"""The heartbeat alarm over a simulated fortnight: quiet on the days the schedule is idle, loud
the afternoon a scheduled run is missing.

The alarm is the one ``obskit generate`` writes for the embedded Alchemiser (weekdays 09:35
America/New_York), evaluated minute by minute by the same evaluator the sandbox uses, on a metric
store fed with one WorkflowsCompleted datapoint a few minutes after each run that happens.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from catalog import Catalog
from dashboards.alarm_eval_spec import AlarmSpec
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmEvaluator, StateTransition
from dashboards.aws_shapes import put_metric_alarm_kwargs
from dashboards.build import build_monitoring

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def _heartbeat(catalog: Catalog) -> AlarmSpec:
    (alarm,) = [a for a in build_monitoring(catalog).alarms if a.name.endswith("-heartbeat")]
    return AlarmSpec.from_put_metric_alarm_kwargs(put_metric_alarm_kwargs(alarm))


def _completion_metric(spec: AlarmSpec) -> tuple[str, str, dict[str, str]]:
    (stat,) = [q.metric_stat for q in spec.metrics if q.metric_stat is not None]
    return stat.namespace, stat.metric_name, dict(stat.dimensions)


def _run(
    catalog: Catalog, first_monday: datetime, days: int, skip: set[int]
) -> list[StateTransition]:
    """Weekday runs complete 5 minutes after 09:35 New York time, except the days in ``skip``
    (offsets from ``first_monday``). A warm-up week before ``first_monday`` runs normally; the
    heartbeat's transitions from its Wednesday on are returned."""
    spec = _heartbeat(catalog)
    namespace, name, dims = _completion_metric(spec)
    store = InMemoryMetricStore()
    start = (first_monday - timedelta(days=7)).replace(tzinfo=NEW_YORK).astimezone(UTC)
    evaluator = AlarmEvaluator(store, [spec], start=start)
    for offset in range(-7, days):
        day = first_monday + timedelta(days=offset)
        if day.isoweekday() <= 5 and offset not in skip:
            done = day.replace(hour=9, minute=40, tzinfo=NEW_YORK).astimezone(UTC)
            store.put(namespace, name, dims, done, 1.0)
    settled = (first_monday - timedelta(days=5)).replace(tzinfo=NEW_YORK).astimezone(UTC)
    evaluator.advance_to(start + timedelta(days=days + 7))
    return [t for t in evaluator.history(spec.name) if t.timestamp >= settled]


@pytest.mark.parametrize("monday", [datetime(2026, 1, 12), datetime(2026, 7, 13)])
def test_no_page_over_two_weekends_when_every_weekday_run_completes(
    alchemiser: Catalog, monday: datetime
) -> None:
    transitions = _run(alchemiser, monday, days=14, skip=set())
    assert [t for t in transitions if t.new_state == "ALARM"] == []


@pytest.mark.parametrize("monday", [datetime(2026, 1, 12), datetime(2026, 7, 13)])
@pytest.mark.parametrize("missing", [0, 1, 4])  # Monday (after a weekend), Tuesday, Friday
def test_a_missing_weekday_run_pages_that_afternoon(
    alchemiser: Catalog, monday: datetime, missing: int
) -> None:
    # up to the day after the next weekday run (Friday's: the next Monday), no further: the
    # evaluator walks every minute, and the days after recovery show nothing new
    next_run = 7 if missing == 4 else missing + 1
    transitions = _run(alchemiser, monday, days=next_run + 1, skip={missing})
    alarms = [t for t in transitions if t.new_state == "ALARM"]
    assert alarms, "the missing run was never detected"
    expected_run = (monday + timedelta(days=missing)).replace(hour=9, minute=35, tzinfo=NEW_YORK)
    late = alarms[0].timestamp - expected_run.astimezone(UTC)
    # Detected within a few hours of when the run should have completed, not a day later.
    assert timedelta(0) < late < timedelta(hours=3), late
    # And back to OK once the next run completes.
    assert transitions[-1].new_state == "OK"


def test_a_schedule_that_runs_every_day_keeps_the_plain_fill(alchemiser: Catalog) -> None:
    daily = alchemiser.model_copy(
        update={
            "schedules": [
                s.model_copy(update={"expression": "cron(35 9 * * ? *)"})
                for s in alchemiser.schedules
            ]
        }
    )
    spec = _heartbeat(daily)
    (expression,) = [q.expression for q in spec.metrics if q.expression]
    assert expression == "FILL(m1, 0)"
