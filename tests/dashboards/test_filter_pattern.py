"""The JSON filter-pattern subset: documented examples, clear errors, and properties."""

from __future__ import annotations

import json
import operator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards.filter_pattern import (
    Comparison,
    FilterPatternError,
    Logical,
    matches,
    parse,
    parse_selector,
    required_text,
)

EVENT = {
    "eventType": "UpdateTrail",
    "latency": 1250,
    "bandwidth": 75.5,
    "user": {"id": "u-1", "name": None},
    "ok": True,
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.eventType = "UpdateTrail" }', True),
        ("{ $.eventType = UpdateTrail }", True),
        ('{ $.eventType != "UpdateTrail" }', False),
        ('{ $.eventType = "Update*" }', True),
        ('{ $.eventType = "*Trail" }', True),
        ('{ $.eventType = "Delete*" }', False),
        ("{ $.latency >= 1250 }", True),
        ("{ $.latency > 1250 }", False),
        ("{ $.latency < 1e4 }", True),
        ("{ $.bandwidth <= 75.5 }", True),
        ("{ $.bandwidth = 75.5 }", True),
        ("{ $.bandwidth != 75.5 }", False),
        ('{ $.user.id = "u-1" }', True),
        ("{ $.user.id = * }", True),
        ("{ $.user.name = * }", False),  # null: the property holds no value
        ("{ $.missing = * }", False),
        ("{ $.missing != 3 }", False),  # a missing property never matches
        ('{ $.latency = "1250" }', False),  # strings compare with strings only
        ("{ $.eventType > 3 }", False),  # numbers with numbers only
        ("{ $.ok = 1 }", False),  # a boolean is not a number
        ('{ $.latency > 1000 && $.eventType = "UpdateTrail" }', True),
        ('{ $.latency > 5000 || $.eventType = "UpdateTrail" }', True),
        ("{ ($.latency > 5000 || $.bandwidth > 70) && $.user.id = * }", True),
        ("{ ($.latency > 5000 || $.bandwidth > 80) && $.user.id = * }", False),
        ("{$.latency>=0}", True),
    ],
)
def test_documented_forms(pattern: str, expected: bool) -> None:
    assert matches(parse(pattern), EVENT) is expected


@pytest.mark.parametrize(
    ("pattern", "position", "fragment"),
    [
        ("ERROR", 0, "expected '{'"),
        ("[ip, user]", 0, "expected '{'"),
        ("{ $.a = 1 ", 10, "expected '}'"),
        ("{ $.a = 1 } x", 12, "unexpected text"),
        ("{ a = 1 }", 2, "'$.'"),
        ("{ $ = 1 }", 3, "after '$'"),
        ("{ $.a[0] = 1 }", 5, "array selectors"),
        ("{ $.a IS NULL }", 6, "comparison operator"),
        ("{ $.a NOT EXISTS }", 6, "comparison operator"),
        ("{ $.a = NULL }", 8, "'NULL' tests"),
        ('{ $.a > "x" }', 6, "needs a number"),
        ("{ $.a != * }", 6, "'= *'"),
        ('{ $.a = "open }', 8, "unterminated string"),
        ("{ $.a = 1 && $.b = 2 || $.c = 3 }", 21, "mixed without parentheses"),
        ("{ ($.a = 1 }", 11, "expected ')'"),
        ("{ $.a = }", 8, "expected a number or a string"),
    ],
)
def test_anything_else_is_an_error_naming_pattern_and_position(
    pattern: str, position: int, fragment: str
) -> None:
    with pytest.raises(FilterPatternError) as caught:
        parse(pattern)
    message = str(caught.value)
    assert repr(pattern) in message and fragment in message
    assert caught.value.position == position, message


def test_selectors_for_values_and_dimensions() -> None:
    assert parse_selector("$.event_age_ms") == ("event_age_ms",)
    assert parse_selector("$.a.b") == ("a", "b")
    with pytest.raises(FilterPatternError, match="unexpected text"):
        parse_selector("$.a b")


def test_required_text_lets_a_line_without_the_property_be_skipped() -> None:
    assert required_text(parse("{ $.event_age_ms >= 0 }")) == {'"event_age_ms"'}
    assert required_text(parse("{ $.a = 1 && $.bb = 2 }")) in ({'"a"'}, {'"bb"'})
    assert required_text(parse("{ $.a = 1 || $.b = 2 }")) == {'"a"', '"b"'}


# --- properties -----------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "event_age_ms", "x1"])
NUMBERS = st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False).map(
    lambda f: round(f, 3)
)
OPS = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])

_PY = {  # the oracle: Python's own operators, not a copy of the implementation's table
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _render(node: Comparison | Logical) -> str:
    if isinstance(node, Comparison):
        value = f'"{node.value}"' if isinstance(node.value, str) else repr(node.value)
        return f"$.{'.'.join(node.path)} {node.operator} {value}"
    return "(" + f" {node.operator} ".join(_render(c) for c in node.operands) + ")"


comparisons = st.builds(
    lambda name, op, value: Comparison((name,), op, float(value)), NAMES, OPS, NUMBERS
) | st.builds(
    lambda name, op, value: Comparison((name,), op, value),
    NAMES,
    st.sampled_from(["=", "!="]),
    st.sampled_from(["on", "off", "x-1"]),
)
trees = st.recursive(
    comparisons,
    lambda children: st.builds(
        lambda op, items: Logical(op, tuple(items)),
        st.sampled_from(["&&", "||"]),
        st.lists(children, min_size=2, max_size=3),
    ),
    max_leaves=6,
)
events = st.dictionaries(NAMES, NUMBERS | st.sampled_from(["on", "off", "x-1"]) | st.none())


def _oracle(node: Comparison | Logical, event: dict[str, Any]) -> bool:
    if isinstance(node, Logical):
        results = [_oracle(c, event) for c in node.operands]
        return all(results) if node.operator == "&&" else any(results)
    if node.path[0] not in event:
        return False
    actual = event[node.path[0]]
    if isinstance(node.value, str):
        return isinstance(actual, str) and _PY[node.operator](actual, node.value)
    if not isinstance(actual, int | float):
        return False
    return bool(_PY[node.operator](float(actual), node.value))


@given(trees)
def test_a_rendered_tree_parses_back_to_itself(tree: Comparison | Logical) -> None:
    assert parse("{ " + _render(tree) + " }") == tree


@given(trees, events)
def test_matching_agrees_with_a_direct_reading(
    tree: Comparison | Logical, event: dict[str, Any]
) -> None:
    assert matches(parse("{ " + _render(tree) + " }"), event) is _oracle(tree, event)


@given(trees, events)
def test_a_line_without_any_required_text_never_matches(
    tree: Comparison | Logical, event: dict[str, Any]
) -> None:
    hint = required_text(tree)
    line = json.dumps(event)
    if hint is not None and not any(text in line for text in hint):
        assert not matches(tree, event)
