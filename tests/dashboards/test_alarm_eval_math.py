"""Metric math for alarms: parsing, per-period values with missing data, errors with positions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards.alarm_eval_math import MathError, parse

ENV = {"m1": 6.0, "m2": 3.0, "m3": None, "errors_total": 2.0}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("m1 + m2 * 2", 12.0),
        ("(m1 + m2) * 2", 18.0),
        ("m1 - m2 - 1", 2.0),
        ("m1 / m2 / 2", 1.0),
        ("-m1 + 10", 4.0),
        ("2 ^ 3 ^ 2", 512.0),
        ("-2 ^ 2", -4.0),
        ("100 * errors_total / m1", 100 * 2.0 / 6.0),
        ("1.5e1 + .5", 15.5),
        ("m1 / 0", None),
        ("m1 + m3", None),
        ("FILL(m3, 0) + m1", 6.0),
        ("FILL(m1, 0)", 6.0),
        ("IF(m1 > m2, m1, m2)", 6.0),
        ("IF(m1 < m2, m1, m2)", 3.0),
        ("IF(m1 < m2, m1)", None),
        ("IF(m3 > 0, 1, 2)", None),
        ("IF(m1 >= 6 AND m2 != 3, 1, 0)", 0.0),
        ("IF(m1 >= 6 && NOT (m2 == 4), 1, 0)", 1.0),
        ("IF(m1 < 0 OR m2 <= 3, 1, 0)", 1.0),
        ("IF(m1 < 0 || !(m2 == 3), 1, 0)", 0.0),
        ("SUM([m1, m2, m3])", 9.0),
        ("MAX([m1, m2, 10])", 10.0),
        ("MIN([m1, m2 - 5])", -2.0),
        ("AVG([m1, m2, m3])", 4.5),
        ("SUM([m3, m3])", None),
        ("ABS(m2 - m1)", 3.0),
        ("m1 > m2", 1.0),
    ],
)
def test_values(source: str, expected: float | None) -> None:
    value = parse(source).evaluate(ENV)
    assert value == (pytest.approx(expected) if expected is not None else None)


def test_ids_are_collected() -> None:
    assert parse("IF(m1 > 0, FILL(m3, 0) / m2, SUM([m1, e1]))").ids == {"m1", "m2", "m3", "e1"}


@pytest.mark.parametrize(
    ("source", "position", "fragment"),
    [
        ("m1 +", 4, "expected a value"),
        ("m1 + * m2", 5, "expected a value"),
        ("(m1 + m2", 8, "expected ')'"),
        ("m1 m2", 3, "unexpected 'm2'"),
        ("m1 $ m2", 3, "unexpected character"),
        ("RATE(m1)", 0, "unsupported function"),
        ("FILL(m1)", 7, "FILL takes 2 arguments"),
        ("FILL(m1, 0, 1)", 13, "FILL takes 2 arguments"),
        ("IF(m1)", 5, "IF takes 2 or 3 arguments"),
        ("SUM(m1)", 4, "SUM takes a list"),
        ("[m1, m2]", 0, "only allowed inside"),
        ("m1 < m2 < 3", 8, "chained comparison"),
        ("FILL(m1, REPEAT)", 9, "unsupported function or keyword 'REPEAT'"),
        ("1.2.3", 0, "malformed number"),
        ("", 0, "empty expression"),
    ],
)
def test_errors_name_the_position(source: str, position: int, fragment: str) -> None:
    with pytest.raises(MathError) as info:
        parse(source)
    assert info.value.position == position
    assert fragment in str(info.value)
    assert f"at position {position}" in str(info.value)


def test_unknown_id_at_evaluation() -> None:
    with pytest.raises(MathError, match="unknown id 'm9'"):
        parse("m1 + m9").evaluate(ENV)


numbers = st.one_of(st.none(), st.integers(-50, 50).map(float))


@given(numbers, numbers, numbers)
def test_arithmetic_matches_python_when_every_value_is_present(
    a: float | None, b: float | None, c: float | None
) -> None:
    value = parse("a1 + b1 * c1 - (a1 - b1)").evaluate({"a1": a, "b1": b, "c1": c})
    if a is None or b is None or c is None:
        assert value is None
    else:
        assert value == a + b * c - (a - b)


@given(numbers, st.integers(-5, 5).map(float))
def test_fill_never_leaves_a_gap_and_keeps_present_values(a: float | None, fill: float) -> None:
    value = parse(f"FILL(a1, {fill})").evaluate({"a1": a})
    assert value == (fill if a is None else a)


@given(st.lists(numbers, min_size=1, max_size=5))
def test_list_functions_skip_missing_members(values: list[float | None]) -> None:
    env = {f"m{i}": v for i, v in enumerate(values)}
    members = ", ".join(env)
    present = [v for v in values if v is not None]
    results = {name: parse(f"{name}([{members}])").evaluate(env) for name in ("SUM", "MAX", "MIN")}
    if not present:
        assert set(results.values()) == {None}
    else:
        assert results == {"SUM": sum(present), "MAX": max(present), "MIN": min(present)}


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_day_and_hour_read_the_period_start_in_utc_whether_or_not_the_series_has_a_value(
    moment: datetime,
) -> None:
    start = moment.replace(tzinfo=UTC)
    for value in (None, 3.0):
        assert parse("DAY(m1)").evaluate({"m1": value}, start) == start.isoweekday()
        assert parse("HOUR(m1)").evaluate({"m1": value}, start) == start.hour


def test_day_and_hour_without_a_timestamp_is_an_error() -> None:
    with pytest.raises(MathError, match="need the period's timestamp"):
        parse("FILL(m1, 0) + IF(DAY(m1) == 6, 1, 0)").evaluate({"m1": None})


def test_an_idle_day_stand_in_counts_only_in_its_hours() -> None:
    stand_in = parse("FILL(m1, 0) + IF((DAY(m1) == 6 OR DAY(m1) == 7) AND HOUR(m1) == 13, 1, 0)")
    saturday_13 = datetime(2026, 11, 28, 13, tzinfo=UTC)
    assert stand_in.evaluate({"m1": None}, saturday_13) == 1
    assert stand_in.evaluate({"m1": None}, saturday_13.replace(hour=12)) == 0
    assert stand_in.evaluate({"m1": 2.0}, saturday_13.replace(day=27)) == 2  # a Friday
