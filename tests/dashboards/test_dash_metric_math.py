"""The metric-math parser accepts what CloudWatch accepts and names what it rejects."""

from __future__ import annotations

import pytest

from dashboards.validation.metric_math import MathSyntaxError, referenced_ids


@pytest.mark.parametrize(
    ("expression", "ids"),
    [
        ("FILL(m1, 0)", {"m1"}),
        ("100 * errors / MAX([invocations, 1])", {"errors", "invocations"}),
        ("IF(DAY(m1) >= 6 OR DAY(m1) == 7, 1, m1)", {"m1"}),
        ("IF(m1 > 0 && NOT m2 < 3, m1 - -m2, 0)", {"m1", "m2"}),
        ("SUM(METRICS())", set()),
        ("FILL(m1, REPEAT)", {"m1"}),
        ("SEARCH('{AWS/Lambda,FunctionName} Errors', 'Sum', 60)", set()),
        ("2 ^ 3 + .5 + 1e3", set()),
        ("RUNNING_SUM(started_1) - RUNNING_SUM(done_1)", {"started_1", "done_1"}),
    ],
)
def test_valid_expressions_return_the_ids_they_read(expression: str, ids: set[str]) -> None:
    assert referenced_ids(expression) == ids


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("FILL(m1, 0", "expected ')', found 'end of expression' at character 11"),
        ("m1 +", "expected a value, found 'end of expression' at character 5"),
        ("FILLL(m1, 0)", "unknown function 'FILLL' at character 1"),
        ("M1 * 2", "'M1' is not a metric id (ids start with a lowercase letter) at character 1"),
        ("m1 $ 2", "unexpected character '$' at character 4"),
        ("(m1 + m2))", "unexpected ')' at character 10"),
        ("", "empty expression at character 1"),
        ("m1 m2", "unexpected 'm2' at character 4"),
    ],
)
def test_invalid_expressions_say_what_and_where(expression: str, message: str) -> None:
    with pytest.raises(MathSyntaxError) as caught:
        referenced_ids(expression)
    assert str(caught.value) == message
