"""catalog.cron: the UTC weekdays and hours a schedule runs (time zones and DST included), and
the field-by-field check of an expression against AWS's cron and rate rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.cron import expression_problem, weekly_run_slots


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


# --- expression_problem: AWS's field table, checked before generate or a drill reads it ---------


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 8 1 * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 12 L * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(0 12 ? * 6L *)",
        "cron(0 12 ? JAN-MAR fri 2026-2030)",
        "cron(59 23 31 DEC ? 2199)",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 day)",
    ],
)
def test_expressions_aws_accepts_pass(expression: str) -> None:
    assert expression_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(75 9 ? * MON-FRI *)", "minutes 75 is outside 0-59"),
        ("cron(0 24 ? * MON *)", "hours 24 is outside 0-23"),
        ("cron(0 12 0 * ? *)", "day-of-month 0 is outside 1-31"),
        ("cron(0 12 ? 13 MON *)", "month 13 is outside 1-12"),
        ("cron(0 12 ? * 8 *)", "day-of-week 8 is outside 1-7"),
        ("cron(0 12 * * ? 1969)", "year 1969 is outside 1970-2199"),
        ("cron(0 12 ? * MON-FRX *)", "'FRX' is not a day-of-week value"),
        ("cron(0 12 ? FOO * *)", "'FOO' is not a month value"),
        ("cron(? 12 * * ? *)", "'?' is only for day-of-month or day-of-week, not minutes"),
        ("cron(0 12 ? * MON/2 *)", "day-of-week does not take '/' steps"),
        ("cron(0/0 12 * * ? *)", "step '/0' in minutes is not a whole number of at least 1"),
        ("cron(0 12 ? * 3#1,6#3 *)", "'3#1' in day-of-week cannot be combined with other values"),
        ("cron(0 12 ? * 2#6 *)", "'#6' in day-of-week is not an occurrence 1-5 in the month"),
        ("cron(0 12 L,15 * ? *)", "'L' in day-of-month cannot be combined with other values"),
        ("cron(0 12 32W * ? *)", "day-of-month 32 is outside 1-31"),
        ("cron(0 12 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 12 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 12 1- * ? *)", "'' is not a day-of-month value"),
        ("cron(99999999999 12 * * ? *)", "'99999999999' is not a minutes value"),
        ("rate(0 minutes)", "is not cron(...) or rate(...)"),
        ("rate(5 weeks)", "is not cron(...) or rate(...)"),
        ("rate(5 minute)", "use 'minute' for 1 and plural otherwise"),
        ("rate(9999999999999999 days)", "is longer than the limit of 10 years"),
        ("rate(3651 days)", "is longer than the limit of 10 years"),
    ],
)
def test_expressions_aws_refuses_are_named(expression: str, message: str) -> None:
    problem = expression_problem(expression)
    assert problem is not None and problem.endswith(message), problem
    assert expression in problem


def _field(low: int, high: int, extra: list[str]) -> st.SearchStrategy[str]:
    """Items of one field, each just inside or just outside AWS's range, joined by commas."""
    value = st.integers(low - 1, high + 1).map(str) | st.sampled_from(extra or ["*"])
    item = st.one_of(
        st.just("*"),
        value,
        st.tuples(value, value).map("-".join),
        st.tuples(value | st.just("*"), st.integers(0, 61)).map(lambda p: f"{p[0]}/{p[1]}"),
    )
    return st.lists(item, min_size=1, max_size=3).map(",".join)


_DAY_SPECIALS = ["?", "L", "LW", "15W", "6L", "2#3", "2#6", "MON", "fri", "SUN-TUE", "JAN"]
_FIELDS = st.tuples(
    _field(0, 59, []),
    _field(0, 23, []),
    _field(1, 31, _DAY_SPECIALS) | st.just("?"),
    _field(1, 12, ["JAN", "dec", "FEB-MAR"]),
    _field(1, 7, _DAY_SPECIALS) | st.just("?"),
    _field(1970, 2199, []),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(fields=_FIELDS, zone=st.sampled_from(["UTC", "America/New_York"]))
def test_whatever_the_check_accepts_the_schedule_reader_can_read(
    fields: tuple[str, ...], zone: str
) -> None:
    """The promise behind the check: an accepted expression never fails later."""
    expression = f"cron({' '.join(fields)})"
    if expression_problem(expression) is None:
        weekly_run_slots(expression, zone)  # must not raise
