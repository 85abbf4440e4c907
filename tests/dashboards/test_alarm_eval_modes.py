"""Every TreatMissingData mode × M of N × partial data, bands, and bad input for evaluate()."""

from __future__ import annotations

import re

import pytest

from dashboards.alarm_eval import Band, decide, evaluate

RETAIN = "retain"
MODES = ("missing", "ignore", "breaching", "notBreaching")
SYMBOLS = {"0": 0.0, "X": 5.0, "-": None}

# N = 3, a range of 5. (row, M, MISSING, IGNORE, BREACHING, NOT BREACHING), with why:
PARTIAL = [
    # Two recent breaching points: enough for M <= 2 in every mode; for 3 of 3 only a
    # breaching fill completes it, and the oldest X is 2 periods old (< M), so no premature ALARM.
    ("- - - X X", 1, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("- - - X X", 2, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("- - - X X", 3, "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
    # A real non-breaching point decides OK for missing / ignore once M real breaches are absent.
    ("X - - - 0", 1, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("X - - - 0", 2, "OK", "OK", "ALARM", "OK"),
    ("X - - - 0", 3, "OK", "OK", "OK", "OK"),
    # One old breaching point with only missing after it: the premature rule (missing only).
    ("- X - - -", 1, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("- X - - -", 2, "ALARM", RETAIN, "ALARM", "OK"),
    ("- X - - -", 3, "ALARM", RETAIN, "ALARM", "OK"),
    # Three real points: the treatment is not needed, the most recent three are evaluated.
    ("X - 0 X X", 2, "ALARM", "ALARM", "ALARM", "ALARM"),
    ("X - 0 X X", 3, "OK", "OK", "OK", "OK"),
    ("X X - 0 -", 3, "OK", "OK", "OK", "OK"),
]


def _row(row: str) -> list[float | None]:
    return [SYMBOLS[s] for s in row.split()]


@pytest.mark.parametrize("current", ["OK", "ALARM", "INSUFFICIENT_DATA"])
@pytest.mark.parametrize(("row", "m", "missing", "ignore", "breaching", "not_breaching"), PARTIAL)
def test_partial_data_per_mode(
    row: str,
    m: int,
    missing: str,
    ignore: str,
    breaching: str,
    not_breaching: str,
    current: str,
) -> None:
    for mode, want in zip(MODES, (missing, ignore, breaching, not_breaching), strict=True):
        state = evaluate(
            _row(row),
            threshold=1.0,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=3,
            datapoints_to_alarm=m,
            treat_missing_data=mode,
            current_state=current,
        )
        assert state == (current if want == RETAIN else want), (mode, row, m)


@pytest.mark.parametrize("mode", MODES)
def test_one_of_one_with_no_data_uses_the_treatment(mode: str) -> None:
    state = evaluate(
        [None, None, None],
        threshold=0.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data=mode,
        current_state="OK",
    )
    assert state == {"missing": "INSUFFICIENT_DATA", "ignore": "OK"}.get(
        mode, "ALARM" if mode == "breaching" else "OK"
    )


def test_new_alarm_defaults_start_in_insufficient_data() -> None:
    kwargs = {"threshold": 1.0, "comparison_operator": "GreaterThanThreshold"}
    assert evaluate([None] * 5, evaluation_periods=3, datapoints_to_alarm=3, **kwargs) == (  # type: ignore[arg-type]
        "INSUFFICIENT_DATA"
    )
    assert (
        evaluate(
            [None] * 5,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            treat_missing_data="ignore",
            **kwargs,  # type: ignore[arg-type]
        )
        == "INSUFFICIENT_DATA"
    )


def test_a_short_range_is_padded_with_missing_periods() -> None:
    common = {"threshold": 1.0, "comparison_operator": "GreaterThanThreshold"}
    # One breaching point, 1 period old: too young for 3 of 3 → cannot decide yet.
    assert evaluate([5.0], evaluation_periods=3, datapoints_to_alarm=3, **common) == (  # type: ignore[arg-type]
        "INSUFFICIENT_DATA"
    )
    decision = decide(
        [5.0], evaluation_periods=3, datapoints_to_alarm=2, treat_missing_data="breaching", **common
    )  # type: ignore[arg-type]
    assert decision.state == "ALARM"
    assert [p.index for p in decision.evaluated] == [-2, -1, 0]
    assert decision.filled == 2


def test_decision_names_the_rule_and_the_evaluated_points() -> None:
    decision = decide(
        [0.0, None, 5.0, None, None],
        threshold=1.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        datapoints_to_alarm=3,
    )
    assert (decision.state, decision.rule) == ("OK", "partial")
    assert [(p.index, p.value) for p in decision.evaluated] == [(0, 0.0), (2, 5.0), (4, None)]
    premature = decide(
        [None, None, 5.0, None, None],
        threshold=1.0,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=3,
        datapoints_to_alarm=3,
    )
    assert (premature.state, premature.rule, premature.breaching) == ("ALARM", "premature", 1)


@pytest.mark.parametrize(
    ("value", "operator", "breaches"),
    [
        (1.0, "GreaterThanOrEqualToThreshold", True),
        (1.0, "GreaterThanThreshold", False),
        (1.0, "LessThanThreshold", False),
        (1.0, "LessThanOrEqualToThreshold", True),
        (0.5, "LessThanThreshold", True),
        (1.5, "GreaterThanThreshold", True),
    ],
)
def test_scalar_operators_at_and_around_the_threshold(
    value: float, operator: str, breaches: bool
) -> None:
    state = evaluate(
        [value],
        threshold=1.0,
        comparison_operator=operator,
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
    assert state == ("ALARM" if breaches else "OK")


@pytest.mark.parametrize(
    ("value", "operator", "breaches"),
    [
        (5.0, "LessThanLowerOrGreaterThanUpperThreshold", False),
        (10.0, "LessThanLowerOrGreaterThanUpperThreshold", False),
        (0.0, "LessThanLowerOrGreaterThanUpperThreshold", True),
        (11.0, "LessThanLowerOrGreaterThanUpperThreshold", True),
        (0.0, "LessThanLowerThreshold", True),
        (11.0, "LessThanLowerThreshold", False),
        (11.0, "GreaterThanUpperThreshold", True),
        (0.0, "GreaterThanUpperThreshold", False),
    ],
)
def test_band_operators(value: float, operator: str, breaches: bool) -> None:
    for band in (Band(1.0, 10.0), (1.0, 10.0), [(1.0, 10.0)]):
        state = evaluate(
            [value],
            threshold=band,
            comparison_operator=operator,
            evaluation_periods=1,
            datapoints_to_alarm=1,
        )
        assert state == ("ALARM" if breaches else "OK")


def test_per_datapoint_bands_follow_the_band_and_a_gap_counts_as_missing() -> None:
    # The same value breaches where the band is low and not where it is high.
    bands = [Band(0.0, 2.0), Band(0.0, 20.0), None]
    common = {
        "threshold": bands,
        "comparison_operator": "GreaterThanUpperThreshold",
        "evaluation_periods": 2,
        "datapoints_to_alarm": 1,
    }
    assert evaluate([5.0, 5.0, 5.0], **common) == "ALARM"  # type: ignore[arg-type]
    decision = decide([1.0, 5.0, 5.0], treat_missing_data="notBreaching", **common)  # type: ignore[arg-type]
    assert decision.state == "OK"
    assert decision.filled == 0  # two real points cover N = 2 ...
    assert [p.index for p in decision.evaluated] == [0, 1]  # ... and the gapped one is skipped


def test_nan_counts_as_missing() -> None:
    assert (
        evaluate(
            [float("nan")] * 3,
            threshold=0.0,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            datapoints_to_alarm=1,
        )
        == "INSUFFICIENT_DATA"
    )


GOOD = {
    "threshold": 1.0,
    "comparison_operator": "GreaterThanThreshold",
    "evaluation_periods": 3,
    "datapoints_to_alarm": 2,
}


@pytest.mark.parametrize(
    ("override", "argument", "hint"),
    [
        (
            {"comparison_operator": "GreaterThanThresold"},
            "comparison_operator",
            "GreaterThanThreshold",
        ),
        ({"comparison_operator": ">"}, "comparison_operator", None),
        ({"datapoints_to_alarm": 4}, "datapoints_to_alarm", None),
        ({"evaluation_periods": 0, "datapoints_to_alarm": 0}, "evaluation_periods", None),
        ({"datapoints_to_alarm": 0}, "datapoints_to_alarm", None),
        ({"evaluation_periods": 2.0}, "evaluation_periods", None),
        ({"treat_missing_data": "notbreaching"}, "treat_missing_data", "notBreaching"),
        ({"current_state": "ALARMED"}, "current_state", "ALARM"),
        ({"comparison_operator": "LessThanLowerThreshold"}, "threshold", None),
        ({"threshold": (1.0, 2.0)}, "threshold", None),
        (
            {"comparison_operator": "GreaterThanUpperThreshold", "threshold": (3.0, 2.0)},
            "threshold",
            None,
        ),
        (
            {"comparison_operator": "GreaterThanUpperThreshold", "threshold": [(1.0, 2.0)]},
            "threshold",
            None,
        ),
    ],
)
def test_bad_input_names_the_argument(
    override: dict[str, object], argument: str, hint: str | None
) -> None:
    kwargs = {**GOOD, **override}
    with pytest.raises(ValueError, match=rf"^{argument}\b") as info:
        evaluate([1.0, 2.0, None], **kwargs)  # type: ignore[arg-type]
    if hint is not None:
        assert f"did you mean {hint!r}" in str(info.value)


def test_bad_datapoint_names_its_index() -> None:
    with pytest.raises(ValueError, match=re.escape("datapoints[1]")):
        evaluate([1.0, "2", None], **GOOD)  # type: ignore[arg-type, list-item]
