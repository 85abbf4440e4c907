"""The composite-rule parser: AWS's ALARM/OK/INSUFFICIENT_DATA, AND/OR/NOT, parentheses, length."""

from __future__ import annotations

import pytest

from dashboards.validation.composite_rule import (
    MAX_RULE_CHARS,
    RuleSyntaxError,
    referenced_alarms,
)


@pytest.mark.parametrize(
    ("rule", "names"),
    [
        ('ALARM("a")', ["a"]),
        ('ALARM("a") OR ALARM("b")', ["a", "b"]),
        ('(ALARM(a-1) AND NOT OK("b c")) OR INSUFFICIENT_DATA(x_y)', ["a-1", "b c", "x_y"]),
        ("TRUE", []),
        ('NOT (ALARM("a") OR FALSE)', ["a"]),
    ],
)
def test_valid_rules_return_the_alarms_they_read(rule: str, names: list[str]) -> None:
    assert referenced_alarms(rule) == names


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('ALARM("a"', "expected ')', found 'end of rule' at character 10"),
        ('alarm("a")', "expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or '(', found 'alarm' at character 1"),
        ('ALARM("a") XOR ALARM("b")', "unexpected 'XOR' at character 12"),
        ('ALARM("a") OR', "expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or '(', found 'end of rule' at character 14"),
        ('ALARM("")', "ALARM() needs an alarm name at character 7"),
        ('ALARM("a) OR OK("b")', "unterminated quoted alarm name at character 19"),
    ],
)  # fmt: skip
def test_invalid_rules_say_what_and_where(rule: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        referenced_alarms(rule)
    assert str(caught.value) == message


def test_rule_longer_than_aws_limit_is_rejected() -> None:
    one = 'ALARM("alarm-with-a-fairly-long-name-0001") OR '
    rule = (one * (MAX_RULE_CHARS // len(one) + 1)) + "TRUE"
    with pytest.raises(RuleSyntaxError, match=f"the limit is {MAX_RULE_CHARS}"):
        referenced_alarms(rule)
