"""AWS's worked tables of alarm evaluation with missing data, one test per row and mode.

Source: AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, "How alarm state is evaluated
when data is missing" (the evaluation range is 5, Evaluation Periods 3; Datapoints to Alarm 3 in the
first table and 2 in the second). In a row, ``0`` is a non-breaching datapoint, ``X`` a breaching
one and ``-`` a missing one, newest on the right. The page changed over time: the current tables
and the rows of the earlier revision that the current one dropped are both encoded; every row of
both must hold.
"""

from __future__ import annotations

import pytest

from dashboards.alarm_eval import evaluate

RETAIN = "retain"
MODES = ("missing", "ignore", "breaching", "notBreaching")

# (M, row, MISSING, IGNORE, BREACHING, NOT BREACHING)
CURRENT_3_OF_3 = [
    (3, "0 - X - X", "OK", "OK", "OK", "OK"),
    (3, "0 - - - -", "OK", "OK", "OK", "OK"),
    (3, "- - - - -", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
    (3, "0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    (3, "- - X - -", "ALARM", RETAIN, "ALARM", "OK"),
]
CURRENT_2_OF_3 = [
    (2, "0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
    (2, "0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"),
    (2, "0 - X - -", "OK", "OK", "ALARM", "OK"),
    (2, "- - - - 0", "OK", "OK", "ALARM", "OK"),
    (2, "- - - X -", "ALARM", RETAIN, "ALARM", "OK"),
]
# Rows of the earlier revision of the same page that the current one no longer shows.
EARLIER_REVISION = [
    (3, "- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
    (3, "X - - - -", "ALARM", RETAIN, "ALARM", "OK"),
    (2, "- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
]
THRESHOLD = 1.0
SYMBOLS = {"0": 0.0, "X": 5.0, "-": None}


def _cases() -> list[object]:
    cases: list[object] = []
    for table, rows in (
        ("current", CURRENT_3_OF_3 + CURRENT_2_OF_3),
        ("earlier", EARLIER_REVISION),
    ):
        for m, row, *expected in rows:
            for mode, want in zip(MODES, expected, strict=True):
                case_id = f"{table}-{m}of3-[{row}]-{mode}"
                cases.append(pytest.param(m, row, mode, want, id=case_id))
    return cases


@pytest.mark.parametrize(("m", "row", "mode", "expected"), _cases())
@pytest.mark.parametrize("current_state", ["OK", "ALARM", "INSUFFICIENT_DATA"])
def test_aws_worked_table_row(
    m: int, row: str, mode: str, expected: str, current_state: str
) -> None:
    datapoints = [SYMBOLS[symbol] for symbol in row.split()]
    state = evaluate(
        datapoints,
        threshold=THRESHOLD,
        comparison_operator="GreaterThanOrEqualToThreshold",
        evaluation_periods=3,
        datapoints_to_alarm=m,
        treat_missing_data=mode,
        current_state=current_state,
    )
    assert state == (current_state if expected == RETAIN else expected)


def test_every_table_row_is_encoded_once() -> None:
    rows = [(m, row) for m, row, *_ in CURRENT_3_OF_3 + CURRENT_2_OF_3 + EARLIER_REVISION]
    assert len(rows) == len(set(rows)) == 13
    assert all(len(row.split()) == 5 for _, row in rows)
