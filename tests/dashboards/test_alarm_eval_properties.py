"""Properties of dashboards.alarm_eval.evaluate that follow from AWS's rules, checked by hypothesis."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from dashboards.alarm_eval import STATES, TREAT_MISSING_DATA, evaluate

GREATER = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold")
MIRROR = {
    "GreaterThanOrEqualToThreshold": "LessThanOrEqualToThreshold",
    "GreaterThanThreshold": "LessThanThreshold",
}


@dataclass(frozen=True)
class Alarm:
    n: int
    m: int
    datapoints: list[float | None]


# Small integers make values equal to the threshold common, where >= and > differ.
values = st.integers(-4, 4).map(float)
maybe_values = st.one_of(st.none(), values)


@st.composite
def alarms(draw: st.DrawFn, *, complete: bool = False, min_extra: int = 0) -> Alarm:
    n = draw(st.integers(1, 5))
    m = draw(st.integers(1, n))
    length = draw(st.integers(n + min_extra if complete else 0, n + 4))
    points = draw(st.lists(values if complete else maybe_values, min_size=length, max_size=length))
    return Alarm(n, m, points)


def _eval(alarm: Alarm, **kwargs: object) -> str:
    return evaluate(
        alarm.datapoints,
        evaluation_periods=alarm.n,
        datapoints_to_alarm=alarm.m,
        **kwargs,  # type: ignore[arg-type]
    )


@given(alarms(complete=True), values, st.sampled_from(GREATER), st.sampled_from(STATES))
def test_complete_data_never_depends_on_missing_data_treatment_or_state(
    alarm: Alarm, threshold: float, operator: str, current: str
) -> None:
    results = {
        _eval(
            alarm,
            threshold=threshold,
            comparison_operator=operator,
            treat_missing_data=mode,
            current_state=current,
        )
        for mode in TREAT_MISSING_DATA
    }
    assert len(results) == 1
    recent = alarm.datapoints[-alarm.n :]
    breaching = sum(
        1 for v in recent if v is not None and v >= threshold + (operator == GREATER[1])
    )
    # "If fewer than the value of Datapoints to Alarm are breaching, the alarm state is set to OK"
    if operator == GREATER[0]:
        assert results == {"ALARM" if breaching >= alarm.m else "OK"}


@given(alarms(), values, st.sampled_from(STATES))
def test_breaching_mode_never_ok_when_every_real_point_breaches(
    alarm: Alarm, threshold: float, current: str
) -> None:
    data = [None if v is None else threshold + abs(v) + 1 for v in alarm.datapoints]
    state = evaluate(
        data,
        threshold=threshold,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=alarm.n,
        datapoints_to_alarm=alarm.m,
        treat_missing_data="breaching",
        current_state=current,
    )
    assert state == "ALARM"


@given(alarms(), values)
def test_filled_modes_count_fills_only_when_real_points_are_too_few(
    alarm: Alarm, threshold: float
) -> None:
    real = [v for v in alarm.datapoints if v is not None]
    for mode in ("breaching", "notBreaching"):
        state = _eval(
            alarm,
            threshold=threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data=mode,
        )
        evaluated = real[-alarm.n :]
        fills = alarm.n - len(evaluated)
        breaching = sum(1 for v in evaluated if v >= threshold)
        breaching += fills if mode == "breaching" else 0
        assert state == ("ALARM" if breaching >= alarm.m else "OK")


@given(alarms(), values, values, st.sampled_from(GREATER), st.sampled_from(TREAT_MISSING_DATA))
def test_monotone_in_the_threshold(
    alarm: Alarm, t1: float, t2: float, operator: str, mode: str
) -> None:
    low, high = sorted((t1, t2))
    for current in STATES:
        at_low, at_high = (
            _eval(
                alarm,
                threshold=t,
                comparison_operator=operator,
                treat_missing_data=mode,
                current_state=current,
            )
            for t in (low, high)
        )
        # A higher bar for "greater than" can only remove breaching points.
        assert at_high != "ALARM" or at_low == "ALARM"
        assert at_low != "OK" or at_high == "OK"


@given(alarms(), values, st.sampled_from(GREATER), st.sampled_from(TREAT_MISSING_DATA))
def test_greater_than_mirrors_less_than(
    alarm: Alarm, threshold: float, operator: str, mode: str
) -> None:
    mirrored = Alarm(alarm.n, alarm.m, [None if v is None else -v for v in alarm.datapoints])
    for current in STATES:
        common = {"treat_missing_data": mode, "current_state": current}
        assert _eval(alarm, threshold=threshold, comparison_operator=operator, **common) == _eval(
            mirrored, threshold=-threshold, comparison_operator=MIRROR[operator], **common
        )


@given(alarms(), values, st.integers(1, 6), st.sampled_from(TREAT_MISSING_DATA))
def test_missing_periods_older_than_the_range_change_nothing(
    alarm: Alarm, threshold: float, extra: int, mode: str
) -> None:
    longer = Alarm(alarm.n, alarm.m, [None] * extra + alarm.datapoints)
    common = {
        "threshold": threshold,
        "comparison_operator": "GreaterThanThreshold",
        "treat_missing_data": mode,
    }
    assert _eval(alarm, **common) == _eval(longer, **common)


@given(alarms(), values)
def test_ignore_differs_from_missing_only_where_missing_cannot_decide(
    alarm: Alarm, threshold: float
) -> None:
    common = {"threshold": threshold, "comparison_operator": "GreaterThanThreshold"}
    as_missing = _eval(alarm, treat_missing_data="missing", **common)
    for current in STATES:
        as_ignore = _eval(alarm, treat_missing_data="ignore", current_state=current, **common)
        if as_missing == "OK":
            assert as_ignore == "OK"
        elif as_missing == "INSUFFICIENT_DATA":
            assert as_ignore == current
        else:
            assert as_ignore in ("ALARM", current)


@given(alarms(), values, st.sampled_from(STATES))
def test_not_breaching_needs_m_real_breaching_points_and_always_decides(
    alarm: Alarm, threshold: float, current: str
) -> None:
    state = _eval(
        alarm,
        threshold=threshold,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        current_state=current,
    )
    real_breaching = sum(1 for v in alarm.datapoints if v is not None and v > threshold)
    assert state in ("OK", "ALARM")
    if real_breaching < alarm.m:
        assert state == "OK"


@given(alarms(), values, values, st.sampled_from(TREAT_MISSING_DATA))
def test_one_sided_band_operators_equal_their_scalar_twins(
    alarm: Alarm, a: float, b: float, mode: str
) -> None:
    band = (min(a, b), max(a, b))
    common = {"treat_missing_data": mode}
    assert _eval(
        alarm, threshold=band, comparison_operator="GreaterThanUpperThreshold", **common
    ) == (_eval(alarm, threshold=band[1], comparison_operator="GreaterThanThreshold", **common))
    assert _eval(alarm, threshold=band, comparison_operator="LessThanLowerThreshold", **common) == (
        _eval(alarm, threshold=band[0], comparison_operator="LessThanThreshold", **common)
    )
    per_point = [band] * len(alarm.datapoints)
    op = "LessThanLowerOrGreaterThanUpperThreshold"
    assert _eval(alarm, threshold=band, comparison_operator=op, **common) == _eval(
        alarm, threshold=per_point, comparison_operator=op, **common
    )
