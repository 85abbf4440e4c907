"""One metric-math grammar: trees survive text and back, the validator and the evaluator read the
same tree, and what the evaluator cannot compute is refused by name."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.alarm_eval_math import SUPPORTED_FUNCTIONS, MathError, parse
from dashboards.math_ast import (
    COMPARISONS,
    FUNCTIONS,
    KEYWORDS,
    LOGICAL,
    Array,
    Binary,
    Call,
    Id,
    Keyword,
    Node,
    Number,
    String,
    Unary,
    to_text,
)
from dashboards.math_parser import MathSyntaxError, parse_tree
from dashboards.validation.metric_math import referenced_ids

ids = st.sampled_from(["m1", "m2", "e1", "errors_total", "x"])
numbers = st.one_of(
    st.integers(0, 1000).map(float),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)
strings = st.builds(
    String,
    st.sampled_from(["'", '"']),
    st.text(st.sampled_from("ab {}/,=_-.:AWS"), max_size=12),
)
BINARY_OPS = ("+", "-", "*", "/", "^", *COMPARISONS, *LOGICAL)


def _calls(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def build(name: str) -> st.SearchStrategy[Node]:
        low, high = FUNCTIONS[name]
        count = st.integers(low, low + 2 if high is None else high)
        return count.flatmap(
            lambda n: st.lists(children, min_size=n, max_size=n).map(
                lambda args: Call(name, tuple(args))
            )
        )

    return st.sampled_from(sorted(FUNCTIONS)).flatmap(build)


any_tree: st.SearchStrategy[Node] = st.recursive(
    st.one_of(
        numbers.map(Number),
        ids.map(Id),
        st.sampled_from(sorted(KEYWORDS)).map(Keyword),
        strings,
    ),
    lambda children: st.one_of(
        st.builds(Unary, st.sampled_from(["-", "+", "NOT", "!"]), children),
        st.builds(Binary, st.sampled_from(BINARY_OPS), children, children),
        _calls(children),
        st.lists(children, max_size=3).map(lambda items: Array(tuple(items))),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(any_tree)
def test_any_tree_printed_and_parsed_again_is_the_same_tree(tree: Node) -> None:
    text = to_text(tree)
    assert parse_tree(text) == tree
    # the validator reads that same tree: the ids it reports are the tree's
    assert referenced_ids(text) == _ids(tree)


def _ids(node: Node) -> set[str]:
    if isinstance(node, Id):
        return {node.name}
    if isinstance(node, Unary):
        return _ids(node.operand)
    if isinstance(node, Binary):
        return _ids(node.left) | _ids(node.right)
    if isinstance(node, Call | Array):
        children = node.args if isinstance(node, Call) else node.items
        return set().union(*(_ids(c) for c in children)) if children else set()
    return set()


# --- the evaluable subset, against a reference written from the documented semantics ---

small = st.integers(0, 9).map(float)
ENV = {"m1": 6.0, "m2": 0.0, "e1": None, "errors_total": 2.5, "x": -3.0}


def _present(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    members = st.lists(children, min_size=1, max_size=3).map(lambda xs: Array(tuple(xs)))
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "+", "NOT", "!"]), children),
        st.builds(Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(lambda a, v: Call("FILL", (a, Number(v))), children, small),
        st.builds(lambda c, a: Call("IF", (c, a)), children, children),
        st.builds(lambda c, a, b: Call("IF", (c, a, b)), children, children, children),
        children.map(lambda a: Call("ABS", (a,))),
        st.builds(Call, st.sampled_from(["SUM", "MAX", "MIN", "AVG"]), members.map(lambda m: (m,))),
    )


evaluable_tree: st.SearchStrategy[Node] = st.recursive(
    st.one_of(small.map(Number), ids.map(Id)), _present, max_leaves=10
)


def _reference(node: Node) -> float | None:
    """The documented per-period meaning, computed independently of the evaluator: a missing
    operand makes the result missing, x / 0 is missing, a power that is not a finite real is
    missing, true is non-zero."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Id):
        return ENV[node.name]
    if isinstance(node, Unary):
        inner = _reference(node.operand)
        if inner is None:
            return None
        return {"-": -inner, "+": inner}.get(node.op, 1.0 if inner == 0 else 0.0)
    if isinstance(node, Binary):
        a, b = _reference(node.left), _reference(node.right)
        if a is None or b is None:
            return None
        return _operate(node.op, a, b)
    assert isinstance(node, Call)
    if node.name in ("SUM", "MAX", "MIN", "AVG"):
        (array,) = node.args
        assert isinstance(array, Array)
        got = [v for v in map(_reference, array.items) if v is not None]
        if not got:
            return None
        table = {"SUM": math.fsum, "MAX": max, "MIN": min}
        return table[node.name](got) if node.name in table else math.fsum(got) / len(got)
    values = [_reference(a) for a in node.args]
    if node.name == "ABS":
        return None if values[0] is None else abs(values[0])
    if node.name == "FILL":
        return values[1] if values[0] is None else values[0]
    condition = values[0]
    if condition is None:
        return None
    if condition != 0:
        return values[1]
    return values[2] if len(values) == 3 else None


def _operate(op: str, a: float, b: float) -> float | None:
    if op == "/":
        return None if b == 0 else a / b
    if op == "^":
        try:
            power = a**b
        except (OverflowError, ZeroDivisionError):
            return None
        return power if isinstance(power, float) and math.isfinite(power) else None
    logic = {"AND": a != 0 and b != 0, "&&": a != 0 and b != 0, "OR": a != 0 or b != 0}
    logic["||"] = logic["OR"]
    if op in logic:
        return float(logic[op])
    compare = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
    if op in compare:
        return float(compare[op])
    return {"+": a + b, "-": a - b, "*": a * b}[op]


@settings(max_examples=200, deadline=None)
@given(evaluable_tree)
def test_evaluated_value_matches_the_reference(tree: Node) -> None:
    text = to_text(tree)
    got = parse(text).evaluate(ENV)
    want = _reference(tree)
    if want is not None and not math.isfinite(want):
        want = None
    if want is None:
        assert got is None, text
    else:
        assert got is not None and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), text


# --- the whole grammar for validation, the subset for evaluation ---


@pytest.mark.parametrize(
    "expression",
    [
        "SEARCH('{AWS/Lambda,FunctionName} MetricName=\"Errors\"', 'Sum', 300)",
        "SORT(METRICS(), AVG, DESC, 10)",
        "ANOMALY_DETECTION_BAND(m1, 2)",
        "LAMBDA('my-function', m1, 'x')",
        "CEIL(RATE(m1)) + FLOOR(LOG10(m1 + 1))",
        "DB_PERF_INSIGHTS('RDS', 'db-ABC', 'db.load.avg')",
    ],
)
def test_validation_accepts_the_whole_grammar_and_the_evaluator_names_what_it_refuses(
    expression: str,
) -> None:
    referenced_ids(expression)  # valid metric math: no error
    with pytest.raises(MathError) as info:
        parse(expression)
    refused = str(info.value)
    assert "unsupported function" in refused or "string" in refused or "list" in refused


def test_an_unsupported_function_is_named_with_what_is_supported() -> None:
    with pytest.raises(MathError) as info:
        parse("m1 + RATE(m2)")
    assert info.value.position == 5
    message = str(info.value)
    assert "unsupported function 'RATE'" in message
    assert all(name in message for name in SUPPORTED_FUNCTIONS)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("SEARCH('x')", "SEARCH takes 2 or 3 arguments, got 1 at character 11"),
        ("SORT(m1, AVG)", "SORT takes 3 or 4 arguments, got 2 at character 13"),
        ("ABS()", "ABS takes 1 argument, got 0 at character 5"),
        ("LAMBDA()", "LAMBDA takes at least 1 argument, got 0 at character 8"),
        (
            "SEARCH('{AWS/SQS}', Sum, 60)",
            "'Sum' is not a metric id (ids start with a lowercase letter) at character 21",
        ),
        ("SEARCH('x, 'Sum')", "unterminated string (no closing ') at character 16"),
    ],
)
def test_validation_checks_arguments_and_strings(expression: str, message: str) -> None:
    with pytest.raises(MathSyntaxError) as info:
        referenced_ids(expression)
    assert str(info.value) == message


def test_validator_and_evaluator_report_a_syntax_error_at_the_same_place() -> None:
    for text in ("m1 +", "FILL(m1, 0", "m1 < m2 < 3", "1.2.3", "M1 * 2"):
        with pytest.raises(MathSyntaxError) as validated:
            referenced_ids(text)
        with pytest.raises(MathError) as evaluated:
            parse(text)
        assert validated.value.position == evaluated.value.position
        assert validated.value.message in str(evaluated.value)


@pytest.mark.parametrize(("expression", "position"), [("mé + 1", 1), ("m1 + ²", 5)])
def test_ids_and_numbers_are_ascii(expression: str, position: int) -> None:
    with pytest.raises(MathSyntaxError) as info:
        referenced_ids(expression)
    assert info.value.position == position
    assert "unexpected character" in info.value.message
