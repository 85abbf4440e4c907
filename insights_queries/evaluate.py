"""Compile expressions into Python closures that evaluate them on one event (a dict).

The engine calls the compiled closure per event; walking the AST per event would cost several
times as much. Field references navigate nested JSON by their dotted path, the way Logs Insights
discovers nested fields (``extra.correlation_id``); a missing field is ``None``, never an error
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from typing import Any

from insights_queries.ast import (
    AGGREGATE_FUNCTIONS,
    MAX_WHOLE_NUMBER,
    Binary,
    Call,
    Expr,
    Field,
    In,
    Number,
    Param,
    Regex,
    Star,
    String,
    TimePeriod,
    Unary,
)
from insights_queries.errors import QueryError, shorten
from insights_queries.functions import SCALAR_IMPLEMENTATIONS
from insights_queries.regexes import compile_regex
from insights_queries.render import render_expr
from insights_queries.timestamps import (
    TIMESTAMP,
    ceil_to,
    event_timestamp,
    floor_to,
    parse_timestamp,
)
from insights_queries.values import compare, equals, is_true, to_number, to_text

Event = dict[str, Any]
Evaluator = Callable[[Event], Any]

__all__ = ["Evaluator", "Event", "QueryError", "compile_expr", "event_timestamp", "field_getter"]


def field_getter(name: str) -> Evaluator:
    """A closure reading field ``name`` (dotted = nested) from an event."""
    if name == TIMESTAMP:
        return event_timestamp
    if "." not in name:
        return lambda event: event.get(name)
    parts = name.split(".")

    def nested(event: Event) -> Any:
        value = event.get(name)
        if value is not None:
            return value
        current: Any = event
        for part in parts:
            if isinstance(current, dict):
                current = current.get(part)
            elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
                current = current[int(part)]
            else:
                return None
            if current is None:
                return None
        return current

    return nested


def column_name(expr: Expr, alias: str | None) -> str:
    """The result column an expression produces: its alias, its field name, or its text."""
    if alias is not None:
        return alias
    if isinstance(expr, Field):
        return expr.name
    return render_expr(expr)


# the largest magnitude an arithmetic result may have: AWS computes in doubles, and a whole
# number past this cannot be shown (Python prints at most 4,300 digits) nor be a double
_LARGEST = MAX_WHOLE_NUMBER
_LARGEST_BITS = _LARGEST.bit_length()


def _arith(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``fn`` on the operands' numbers; missing when an operand is no number or the result is
    no number a double can hold (infinity, NaN, a giant integer, a complex number)."""
    largest = _LARGEST
    isfinite = math.isfinite

    def apply(a: Any, b: Any) -> Any:
        x, y = to_number(a), to_number(b)
        if x is None or y is None:
            return None
        try:
            result = fn(x, y)
        except (ZeroDivisionError, OverflowError, ValueError):
            return None
        kind = result.__class__
        if kind is int:
            return result if -largest <= result <= largest else None
        if kind is float:
            return result if isfinite(result) else None
        return None  # complex: a negative base to a fractional power

    return apply


def _divide(x: float, y: float) -> float:
    return x / y


def _power(x: int | float, y: int | float) -> int | float | None:
    """``x ^ y``, refused (missing) before computing when the result would pass the range of a
    double: an exact ``9 ^ 9 ^ 9 ^ 9`` would run for hours."""
    exact = isinstance(x, int) and isinstance(y, int) and y > 0 and abs(x) > 1
    if exact and (abs(int(x)).bit_length() - 1) * y > _LARGEST_BITS:
        return None
    return x**y


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": _arith(operator.add),
    "-": _arith(operator.sub),
    "*": _arith(operator.mul),
    "/": _arith(_divide),
    "%": _arith(operator.mod),
    "^": _arith(_power),
}


def compile_expr(expr: Expr) -> Evaluator:
    """A closure computing ``expr`` for an event."""
    if isinstance(expr, Field):
        return field_getter(expr.name)
    if isinstance(expr, String | Number):
        constant: Any = expr.value
        return lambda _event: constant
    if isinstance(expr, Regex):
        pattern = expr.pattern
        return lambda _event: pattern
    if isinstance(expr, Param):
        raise QueryError(f"parameter {{{{{expr.name}}}}} has no value: bind it before running")
    if isinstance(expr, Star):
        raise QueryError("'*' is only an argument of count")
    if isinstance(expr, TimePeriod):
        raise QueryError(f"the time period {expr.amount}{expr.unit} is only an argument of bin")
    if isinstance(expr, Unary):
        inner = compile_expr(expr.operand)
        if expr.op == "not":
            return lambda event: not is_true(inner(event))

        def negate(event: Event) -> Any:
            number = to_number(inner(event))
            return None if number is None else -number

        return negate
    if isinstance(expr, In):
        return _compile_in(expr)
    if isinstance(expr, Binary):
        return _compile_binary(expr)
    if isinstance(expr, Call):
        return _compile_call(expr)
    raise QueryError(f"cannot evaluate {expr!r}")


def _compile_in(expr: In) -> Evaluator:
    value = compile_expr(expr.value)
    items = [compile_expr(i) for i in expr.items]
    constants = all(isinstance(i, String | Number) for i in expr.items)
    negated = expr.negated
    if constants:
        texts = frozenset(to_text(i.value) for i in expr.items if isinstance(i, String | Number))

        def member_fast(event: Event) -> bool:
            v = value(event)
            if v is None:
                return False
            found = to_text(v) in texts or any(equals(v, item(event)) for item in items)
            return found != negated

        return member_fast

    def member(event: Event) -> bool:
        v = value(event)
        if v is None:
            return False
        return any(equals(v, item(event)) for item in items) != negated

    return member


def _compile_binary(expr: Binary) -> Evaluator:
    op = expr.op
    left = compile_expr(expr.left)
    if op in ("like", "not like", "=~"):
        return _compile_match(expr, left)
    right = compile_expr(expr.right)
    if op == "and":
        return lambda event: is_true(left(event)) and is_true(right(event))
    if op == "or":
        return lambda event: is_true(left(event)) or is_true(right(event))
    if op in ARITHMETIC:
        fn = ARITHMETIC[op]
        return lambda event: fn(left(event), right(event))
    if op == "=" and isinstance(expr.right, String):
        wanted = expr.right.value
        numeric = to_number(wanted) is not None

        def equal_string(event: Event) -> bool:
            v = left(event)
            if v.__class__ is str:
                return v == wanted
            return numeric and compare("=", v, wanted)

        return equal_string
    return lambda event: compare(op, left(event), right(event))


def _compile_match(expr: Binary, left: Evaluator) -> Evaluator:
    negated = expr.op == "not like"
    target = expr.right
    if isinstance(target, String) and expr.op != "=~":
        needle = target.value

        def contains(event: Event) -> bool:
            v = left(event)
            if v is None:
                return False
            return (needle in (v if v.__class__ is str else to_text(v))) != negated

        return contains
    if isinstance(target, Regex | String):
        source = target.pattern if isinstance(target, Regex) else target.value
        try:
            pattern = compile_regex(source)
        except (re.error, RecursionError, OverflowError) as error:
            raise QueryError(
                f"{shorten(render_expr(target))} is not a valid regular expression: {error}"
            ) from None
        search = pattern.search

        def matches(event: Event) -> bool:
            v = left(event)
            if v is None:
                return False
            return (search(v if v.__class__ is str else to_text(v)) is not None) != negated

        return matches
    dynamic = compile_expr(target)

    def matches_dynamic(event: Event) -> bool:
        v, p = left(event), dynamic(event)
        if v is None or p is None:
            return False
        try:
            pattern = compile_regex(to_text(p))
        except (re.error, RecursionError, OverflowError):
            return False  # a field's value that is no regex matches nothing
        return (pattern.search(to_text(v)) is not None) != negated

    return matches_dynamic


def _compile_call(expr: Call) -> Evaluator:
    name = expr.name
    if name in AGGREGATE_FUNCTIONS:
        raise QueryError(f"the aggregate function {name} is only allowed in stats")
    if name in ("bin", "datefloor", "dateceil"):
        return _compile_date_rounding(expr)
    fn = SCALAR_IMPLEMENTATIONS.get(name)
    if fn is None:
        raise QueryError(f"unsupported function {name!r}")
    args = [compile_expr(a) for a in expr.args]
    if len(args) == 1:
        (only,) = args
        return lambda event: fn(only(event))
    return lambda event: fn(*(a(event) for a in args))


def _compile_date_rounding(expr: Call) -> Evaluator:
    if expr.name == "bin":
        source: Evaluator = event_timestamp
        period = expr.args[0]
        rounding = floor_to
    else:
        source = compile_expr(expr.args[0])
        period = expr.args[1]
        rounding = floor_to if expr.name == "datefloor" else ceil_to
    if not isinstance(period, TimePeriod):
        raise QueryError(
            f"{expr.name} needs a time period such as 5m or 1h, got {render_expr(period)}"
        )

    def rounded(event: Event) -> Any:
        moment = parse_timestamp(source(event))
        if moment is None:
            return None
        try:
            return rounding(moment, period)
        except (OverflowError, ValueError, OSError):
            return None  # the period's start or end is outside the years 1 to 9999

    return rounded
