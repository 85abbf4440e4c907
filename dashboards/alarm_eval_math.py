"""Metric math for alarms: the per-period evaluator of the expressions alarm generators emit.

The text is read by the shared tokenizer and parser (:mod:`dashboards.math_parser`, the grammar of
CloudWatch's "Metric math syntax and functions",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax),
so what the validator accepts and what is evaluated here are one reading of one grammar. This
module computes a subset of it and refuses the rest with an error naming the function:

- ``a OR b`` / ``a || b``, ``a AND b`` / ``a && b``, ``NOT a`` / ``!a`` (true is non-zero; the
  result is 1 or 0); comparisons ``< <= > >= == !=`` (1 or 0);
- ``+ - * /``, unary ``-`` / ``+``, ``^`` (power, right-associative), numbers and ids;
- functions: ``FILL(x, number)``, ``IF(condition, a)`` and ``IF(condition, a, b)``,
  ``ABS(x)``, ``SUM([...])``, ``MAX([...])``, ``MIN([...])``, ``AVG([...])`` over a list, and
  ``DAY(x)`` / ``HOUR(x)``: the UTC day of week (1 = Monday … 7 = Sunday) and hour (0-23) of each
  period's timestamp (its start), whether or not ``x`` has a value there, since AWS takes only the
  period and range from ``x``.

Evaluation is per period (the alarm evaluator calls :meth:`Expression.evaluate` once for each
period of the evaluation range) and ``None`` is a missing datapoint:

- arithmetic, comparisons and logic with a missing operand are missing, as a time series
  operation only yields a value at timestamps where its inputs have one;
- ``FILL(x, v)`` replaces a missing ``x`` with ``v`` (FILL's REPEAT and LINEAR need other
  periods and are refused);
- ``IF(c, a, b)`` is ``a`` where ``c`` is non-zero and ``b`` elsewhere; ``IF(c, a)`` is missing
  where ``c`` is zero; a missing ``c`` is missing;
- a division by zero is missing (the result would not be a finite datapoint);
- ``SUM/MAX/MIN/AVG([...])`` combine the members present in that period and are missing when
  none is. The single-series forms (``SUM(m1)``, a scalar over the whole graph range) mean nothing
  for one period and are refused.

Errors are :class:`MathError` (a ValueError) naming the position in the expression.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from dashboards.math_ast import (
    Array,
    Binary,
    Call,
    Id,
    Keyword,
    Node,
    Number,
    String,
    Unary,
    walk,
)
from dashboards.math_parser import MathSyntaxError, parse_tree

__all__ = ["SUPPORTED_FUNCTIONS", "Expression", "MathError", "parse"]

_LIST_FUNCTIONS = ("SUM", "MAX", "MIN", "AVG")
_TIME_FUNCTIONS = ("DAY", "HOUR")
SUPPORTED_FUNCTIONS = ("FILL", "IF", "ABS", *_TIME_FUNCTIONS, *_LIST_FUNCTIONS)
"""The functions this evaluator computes; the grammar knows every other CloudWatch function."""
PERIOD_START = "@period_start"
"""The key under which :meth:`Expression.evaluate` passes the period's start (epoch seconds)."""


class MathError(ValueError):
    """A metric math expression that cannot be parsed or evaluated."""

    def __init__(self, expression: str, position: int, message: str) -> None:
        super().__init__(f"expression {expression!r}: {message} at position {position}")
        self.expression = expression
        self.position = position


Value = float | None
Env = Mapping[str, Value]
_Eval = Callable[[Env], Value]


def _arith(op: str, left: float, right: float) -> Value:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if op == "/":
        return None if right == 0 else left / right
    try:
        result = math.pow(left, right)
    except (OverflowError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _compare(op: str, left: float, right: float) -> bool:
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }[op]


def _combine(op: str) -> Callable[[float, float], Value]:
    if op in ("AND", "&&"):
        return lambda a, b: float(a != 0 and b != 0)
    if op in ("OR", "||"):
        return lambda a, b: float(a != 0 or b != 0)
    if op in ("+", "-", "*", "/", "^"):
        return lambda a, b: _arith(op, a, b)
    return lambda a, b: float(_compare(op, a, b))


def _binary(left: _Eval, right: _Eval, combine: Callable[[float, float], Value]) -> _Eval:
    def node(env: Env) -> Value:
        a, b = left(env), right(env)
        return None if a is None or b is None else combine(a, b)

    return node


def _unary(op: str, inner: _Eval) -> _Eval:
    if op == "+":
        return inner
    if op == "-":
        return lambda env: None if (value := inner(env)) is None else -value
    return lambda env: None if (value := inner(env)) is None else float(value == 0)


def _fill(series: _Eval, value: _Eval) -> _Eval:
    def node(env: Env) -> Value:
        present = series(env)
        return value(env) if present is None else present

    return node


def _if(condition: _Eval, then: _Eval, otherwise: _Eval | None) -> _Eval:
    def node(env: Env) -> Value:
        test = condition(env)
        if test is None:
            return None
        if test != 0:
            return then(env)
        return None if otherwise is None else otherwise(env)

    return node


def _time_part(name: str) -> _Eval:
    def node(env: Env) -> Value:
        start = env[PERIOD_START]
        if start is None:
            return None
        moment = datetime.fromtimestamp(start, tz=UTC)
        return float(moment.isoweekday() if name == "DAY" else moment.hour)

    return node


def _aggregate(name: str, members: list[_Eval]) -> _Eval:
    def node(env: Env) -> Value:
        present = [value for member in members if (value := member(env)) is not None]
        if not present:
            return None
        if name == "SUM":
            return math.fsum(present)
        if name == "MAX":
            return max(present)
        if name == "MIN":
            return min(present)
        return math.fsum(present) / len(present)

    return node


class _Compiler:
    """Turns a tree into an evaluator closure, refusing what cannot be computed per period."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, position: int, message: str) -> MathError:
        return MathError(self.source, position, message)

    def compile(self, node: Node) -> _Eval:
        if isinstance(node, Number):
            number = node.value
            return lambda env: number
        if isinstance(node, Id):
            name = node.name
            return lambda env: env[name]
        if isinstance(node, Unary):
            return _unary(node.op, self.compile(node.operand))
        if isinstance(node, Binary):
            left, right = self.compile(node.left), self.compile(node.right)
            return _binary(left, right, _combine(node.op))
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Array):
            raise self.error(
                node.position, "a list [...] is only allowed inside SUM, MAX, MIN or AVG"
            )
        if isinstance(node, String):
            raise self.error(node.position, "a string is not a value the evaluator computes")
        assert isinstance(node, Keyword)
        raise self.error(
            node.position,
            f"unsupported function or keyword {node.name!r}; supported functions: "
            f"{', '.join(SUPPORTED_FUNCTIONS)}",
        )

    def call(self, node: Call) -> _Eval:
        if node.name not in SUPPORTED_FUNCTIONS:
            raise self.error(
                node.position,
                f"unsupported function {node.name!r}: valid metric math, but the alarm "
                f"evaluator computes only {', '.join(SUPPORTED_FUNCTIONS)}",
            )
        if node.name in _LIST_FUNCTIONS:
            (argument,) = node.args
            if not isinstance(argument, Array):
                raise self.error(
                    argument.position,
                    f"{node.name} takes a list such as {node.name}([m1, m2]) here: its "
                    "single-series form is one value for the whole range, not per period",
                )
            if not argument.items:
                raise self.error(argument.position, f"{node.name} of an empty list")
            return _aggregate(node.name, [self.compile(item) for item in argument.items])
        if node.name in _TIME_FUNCTIONS:
            self.compile(node.args[0])  # refuse what it could not read either
            return _time_part(node.name)
        args = [self.compile(argument) for argument in node.args]
        if node.name == "ABS":
            inner = args[0]
            return lambda env: None if (value := inner(env)) is None else abs(value)
        if node.name == "FILL":
            return _fill(args[0], args[1])
        return _if(args[0], args[1], args[2] if len(args) == 3 else None)


@dataclass(frozen=True)
class Expression:
    """A parsed metric math expression: its text, tree, the ids it reads, and its evaluator."""

    source: str
    ids: frozenset[str]
    _node: _Eval
    uses_time: bool = False
    """True when it calls DAY or HOUR, which need the period's timestamp."""
    tree: Node | None = None

    def evaluate(self, env: Env, period_start: datetime | None = None) -> Value:
        """The expression's value for one period; ``env`` maps every id to a value or None.

        ``period_start``: the period's timestamp, required when the expression calls DAY or HOUR.
        """
        unknown = sorted(self.ids - set(env))
        if unknown:
            raise MathError(self.source, self.source.find(unknown[0]), f"unknown id {unknown[0]!r}")
        if self.uses_time:
            if period_start is None:
                raise MathError(self.source, 0, "DAY and HOUR need the period's timestamp")
            env = {**env, PERIOD_START: period_start.timestamp()}
        value = self._node(env)
        return value if value is None or math.isfinite(value) else None


def parse(source: str) -> Expression:
    """Parse a metric math expression, or raise :class:`MathError` naming the position."""
    if not isinstance(source, str):
        raise MathError(str(source), 0, "expected the expression as a string")
    try:
        tree = parse_tree(source)
    except MathSyntaxError as error:
        raise MathError(source, error.position, error.message) from None
    nodes = walk(tree)
    evaluator = _Compiler(source).compile(tree)
    ids = frozenset(node.name for node in nodes if isinstance(node, Id))
    uses_time = any(isinstance(n, Call) and n.name in _TIME_FUNCTIONS for n in nodes)
    return Expression(source, ids, evaluator, uses_time, tree)
