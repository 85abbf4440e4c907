"""catalog.cron: the UTC weekdays and hours a schedule runs, time zones and DST included."""

from __future__ import annotations

import pytest

from catalog.cron import weekly_run_slots


def test_weekday_morning_in_new_york_runs_monday_to_friday_at_13_or_14_utc() -> None:
    slots = weekly_run_slots("cron(35 9 ? * MON-FRI *)", "America/New_York")
    assert slots is not None
    assert slots.days == {1, 2, 3, 4, 5}
    assert slots.hours == {13, 14}  # EDT and EST
    assert slots.idle_days == {6, 7}


def test_a_late_local_run_moves_to_the_next_utc_day() -> None:
    slots = weekly_run_slots("cron(0 22 ? * MON-FRI *)", "America/New_York")
    assert slots is not None
    assert slots.days == {2, 3, 4, 5, 6}  # Tuesday to Saturday in UTC
    assert slots.idle_days == {1, 7}
    assert slots.hours == {2, 3}


@pytest.mark.parametrize(
    ("expression", "days"),
    [
        ("cron(0 12 ? * 2-6 *)", {1, 2, 3, 4, 5}),  # numeric: 1 = Sunday in EventBridge
        ("cron(0 12 ? * SUN,SAT *)", {6, 7}),
        ("cron(0 12 ? * FRI-MON *)", {1, 5, 6, 7}),  # a range that wraps
        ("cron(0 12 * * ? *)", {1, 2, 3, 4, 5, 6, 7}),
    ],
)
def test_days_of_week_forms(expression: str, days: set[int]) -> None:
    slots = weekly_run_slots(expression)
    assert slots is not None
    assert slots.days == days
    assert slots.hours == {12}


def test_steps_and_lists_in_hours() -> None:
    slots = weekly_run_slots("cron(0 0/6 ? * MON *)")
    assert slots is not None
    assert slots.hours == {0, 6, 12, 18}


@pytest.mark.parametrize(
    "expression",
    ["rate(1 hour)", "cron(0 12 1 * ? *)", "cron(0 12 ? * 6L *)", "cron(0 12 ? * 2#1 *)"],
)
def test_schedules_that_are_not_weekly_have_no_slots(expression: str) -> None:
    assert weekly_run_slots(expression) is None


@pytest.mark.parametrize(
    ("expression", "zone", "message"),
    [
        ("cron(0 25 ? * MON *)", "UTC", "values must be 0-23"),
        ("cron(0 12 ? * MON)", "UTC", "has 5 fields"),
        ("cron(0 12 ? * 9 *)", "UTC", "values must be 1-7"),
    ],
)
def test_bad_expressions_are_named(expression: str, zone: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        weekly_run_slots(expression, zone)
