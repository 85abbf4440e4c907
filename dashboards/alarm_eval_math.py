"""Metric math for alarms: a tokenizer, a recursive-descent parser and a per-period evaluator of
the expressions alarm generators emit.

Syntax follows AWS's "Metric math syntax and functions" (AmazonCloudWatch/latest/monitoring/
using-metric-math.html). Supported, by precedence from loosest to tightest:

- ``a OR b`` / ``a || b``, ``a AND b`` / ``a && b``, ``NOT a`` / ``!a`` (true is non-zero; the
  result is 1 or 0);
- comparisons ``< <= > >= == !=`` (1 or 0);
- ``+ -``, then ``* /``, then unary ``-``, then ``^`` (power, right-associative);
- numbers (``100``, ``0.5``, ``1e3``), metric / expression ids (a lowercase letter, then letters,
  digits and ``_``), parentheses;
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

__all__ = ["Expression", "MathError", "parse"]

_COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
_SYMBOLS = ("&&", "||", *_COMPARISONS, "!", "+", "-", "*", "/", "^", "(", ")", "[", "]", ",")
_LIST_FUNCTIONS = ("SUM", "MAX", "MIN", "AVG")
_TIME_FUNCTIONS = ("DAY", "HOUR")
_FUNCTIONS = ("FILL", "IF", "ABS", *_TIME_FUNCTIONS, *_LIST_FUNCTIONS)
PERIOD_START = "@period_start"
"""The key under which :meth:`Expression.evaluate` passes the period's start (epoch seconds)."""
_KEYWORDS = ("AND", "OR", "NOT")


class MathError(ValueError):
    """A metric math expression that cannot be parsed or evaluated."""

    def __init__(self, expression: str, position: int, message: str) -> None:
        super().__init__(f"expression {expression!r}: {message} at position {position}")
        self.expression = expression
        self.position = position


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "id", "name" (uppercase word), "symbol", "end"
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
            continue
        if char.isdigit() or (char == "." and source[i + 1 : i + 2].isdigit()):
            j = i
            while j < len(source) and (source[j].isdigit() or source[j] == "."):
                j += 1
            if j < len(source) and source[j] in "eE":
                k = j + 1
                if k < len(source) and source[k] in "+-":
                    k += 1
                if k < len(source) and source[k].isdigit():
                    j = k
                    while j < len(source) and source[j].isdigit():
                        j += 1
            text = source[i:j]
            try:
                float(text)
            except ValueError:
                raise MathError(source, i, f"malformed number {text!r}") from None
            tokens.append(_Token("number", text, i))
            i = j
            continue
        if char.isalpha() or char == "_":
            j = i
            while j < len(source) and (source[j].isalnum() or source[j] == "_"):
                j += 1
            word = source[i:j]
            kind = "id" if word[0].islower() else "name"
            tokens.append(_Token(kind, word, i))
            i = j
            continue
        symbol = next((s for s in _SYMBOLS if source.startswith(s, i)), None)
        if symbol is None:
            raise MathError(source, i, f"unexpected character {char!r}")
        tokens.append(_Token("symbol", symbol, i))
        i += len(symbol)
    tokens.append(_Token("end", "", len(source)))
    return tokens


Value = float | None
Env = Mapping[str, Value]
_Node = Callable[[Env], Value]


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


class _Parser:
    """Recursive descent over the token list; each method returns an evaluator closure."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.at = 0
        self.ids: set[str] = set()
        self.uses_time = False

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def error(self, message: str, token: _Token | None = None) -> MathError:
        return MathError(self.source, (token or self.token).position, message)

    def accept(self, *texts: str) -> _Token | None:
        token = self.token
        if token.kind in ("symbol", "name") and token.text in texts:
            self.at += 1
            return token
        return None

    def expect(self, text: str) -> _Token:
        token = self.accept(text)
        if token is None:
            found = repr(self.token.text) if self.token.kind != "end" else "the end"
            raise self.error(f"expected {text!r}, found {found}")
        return token

    def parse(self) -> _Node:
        if self.token.kind == "end":
            raise self.error("empty expression")
        node = self.logical_or()
        if self.token.kind != "end":
            raise self.error(f"unexpected {self.token.text!r}")
        return node

    def logical_or(self) -> _Node:
        node = self.logical_and()
        while self.accept("OR", "||"):
            node = _logic(node, self.logical_and(), any)
        return node

    def logical_and(self) -> _Node:
        node = self.logical_not()
        while self.accept("AND", "&&"):
            node = _logic(node, self.logical_not(), all)
        return node

    def logical_not(self) -> _Node:
        if self.accept("NOT", "!"):
            inner = self.logical_not()

            def negate(env: Env) -> Value:
                value = inner(env)
                return None if value is None else float(value == 0)

            return negate
        return self.comparison()

    def comparison(self) -> _Node:
        node = self.additive()
        token = self.accept(*_COMPARISONS)
        if token is not None:
            node = _binary(node, self.additive(), lambda a, b: float(_compare(token.text, a, b)))
            if self.token.text in _COMPARISONS:
                raise self.error("chained comparison; use AND")
        return node

    def additive(self) -> _Node:
        node = self.term()
        while (token := self.accept("+", "-")) is not None:
            node = _binary(node, self.term(), _bind(token.text))
        return node

    def term(self) -> _Node:
        node = self.unary()
        while (token := self.accept("*", "/")) is not None:
            node = _binary(node, self.unary(), _bind(token.text))
        return node

    def unary(self) -> _Node:
        if self.accept("-"):
            inner = self.unary()
            return lambda env: None if (value := inner(env)) is None else -value
        if self.accept("+"):
            return self.unary()
        return self.power()

    def power(self) -> _Node:
        node = self.primary()
        if self.accept("^"):
            node = _binary(node, self.unary(), _bind("^"))
        return node

    def primary(self) -> _Node:
        token = self.token
        if token.kind == "number":
            self.at += 1
            number = float(token.text)
            return lambda env: number
        if token.kind == "id":
            self.at += 1
            self.ids.add(token.text)
            name = token.text
            return lambda env: env[name]
        if self.accept("("):
            node = self.logical_or()
            self.expect(")")
            return node
        if token.kind == "name" and token.text in _FUNCTIONS:
            self.at += 1
            return self.function(token)
        if token.kind == "name":
            hint = f"; supported functions: {', '.join(_FUNCTIONS)}"
            raise self.error(f"unsupported function or keyword {token.text!r}{hint}")
        if token.text == "[":
            raise self.error("a list [...] is only allowed inside SUM, MAX, MIN or AVG")
        found = repr(token.text) if token.kind != "end" else "the end"
        raise self.error(f"expected a number, an id, a function or '(', found {found}")

    def function(self, name: _Token) -> _Node:
        self.expect("(")
        if name.text in _LIST_FUNCTIONS:
            if self.token.text != "[":
                raise self.error(f"{name.text} takes a list such as {name.text}([m1, m2])")
            members = self.bracketed_list()
            self.expect(")")
            return _aggregate(name.text, members)
        args = [self.logical_or()]
        while self.accept(","):
            args.append(self.logical_or())
        close = self.expect(")")
        if name.text in _TIME_FUNCTIONS:
            self.arity(name, args, 1, 1, close)
            self.uses_time = True
            return _time_part(name.text)
        if name.text == "ABS":
            self.arity(name, args, 1, 1, close)
            return lambda env: None if (value := args[0](env)) is None else abs(value)
        if name.text == "FILL":
            self.arity(name, args, 2, 2, close)
            return _fill(args[0], args[1])
        self.arity(name, args, 2, 3, close)
        return _if(args[0], args[1], args[2] if len(args) == 3 else None)

    def arity(self, name: _Token, args: list[_Node], low: int, high: int, close: _Token) -> None:
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} or {high}"
            raise self.error(f"{name.text} takes {wanted} arguments, got {len(args)}", close)

    def bracketed_list(self) -> list[_Node]:
        self.expect("[")
        members = [self.logical_or()]
        while self.accept(","):
            members.append(self.logical_or())
        self.expect("]")
        return members


def _bind(op: str) -> Callable[[float, float], Value]:
    return lambda a, b: _arith(op, a, b)


def _binary(left: _Node, right: _Node, combine: Callable[[float, float], Value]) -> _Node:
    def node(env: Env) -> Value:
        a, b = left(env), right(env)
        return None if a is None or b is None else combine(a, b)

    return node


def _logic(left: _Node, right: _Node, combine: Callable[[list[bool]], bool]) -> _Node:
    return _binary(left, right, lambda a, b: float(combine([a != 0, b != 0])))


def _fill(series: _Node, value: _Node) -> _Node:
    def node(env: Env) -> Value:
        present = series(env)
        return value(env) if present is None else present

    return node


def _if(condition: _Node, then: _Node, otherwise: _Node | None) -> _Node:
    def node(env: Env) -> Value:
        test = condition(env)
        if test is None:
            return None
        if test != 0:
            return then(env)
        return None if otherwise is None else otherwise(env)

    return node


def _time_part(name: str) -> _Node:
    def node(env: Env) -> Value:
        start = env[PERIOD_START]
        if start is None:
            return None
        moment = datetime.fromtimestamp(start, tz=UTC)
        return float(moment.isoweekday() if name == "DAY" else moment.hour)

    return node


def _aggregate(name: str, members: list[_Node]) -> _Node:
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


@dataclass(frozen=True)
class Expression:
    """A parsed metric math expression: its text, the ids it reads, and its evaluator."""

    source: str
    ids: frozenset[str]
    _node: _Node
    uses_time: bool = False
    """True when it calls DAY or HOUR, which need the period's timestamp."""

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
    parser = _Parser(source)
    node = parser.parse()
    return Expression(source, frozenset(parser.ids), node, parser.uses_time)
