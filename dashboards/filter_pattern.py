"""CloudWatch Logs JSON filter patterns: the subset obskit writes, parsed and matched.

Two users need the same reading of a pattern: the validator (a generated metric filter's pattern
must parse before AWS sees it) and the sandbox (moto stores metric filters but never applies them,
so :mod:`sandbox.metric_filters` applies them to the lines it writes). Supported, as the
CloudWatch Logs User Guide ("Filter pattern syntax for metric filters", JSON log events) documents::

    { $.latency >= 0 }                       numbers: = != < <= > >=
    { $.eventType = "UpdateTrail" }          strings: = != , quoted or bare, * as a wildcard
    { $.user.id = * }                        any value (the property exists and is not null)
    { ($.a = 1 && $.b = 2) || $.c > 3 }      &&, ||, parentheses

Anything else (space-delimited or plain-text patterns, arrays ``$.a[0]``, ``IS NULL``,
``NOT EXISTS``, ``IS TRUE``, regular expressions) raises :class:`FilterPatternError` naming the
pattern and the position: a wrong reading would make the sandbox publish what AWS would not.
Where the guide is silent this module chooses, and says so: ``&&`` and ``||`` may not be mixed
without parentheses (no precedence is documented); a comparison on a missing property never
matches, ``!=`` included; numbers compare only with JSON numbers, strings only with JSON strings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

Operator = str
NUMERIC_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
STRING_OPERATORS = ("=", "!=")
MISSING = object()
"""What :func:`select` returns for a property the event does not have."""


class FilterPatternError(ValueError):
    """A pattern outside the supported subset; the message names the pattern and the position."""

    def __init__(self, pattern: str, position: int, what: str) -> None:
        super().__init__(f"filter pattern {pattern!r}: {what} at position {position}")
        self.pattern = pattern
        self.position = position


@dataclass(frozen=True)
class Comparison:
    path: tuple[str, ...]
    operator: Operator
    value: float | str
    """A number, or a string in which ``*`` matches any run of characters."""


@dataclass(frozen=True)
class Logical:
    operator: str
    """``&&`` or ``||``."""
    operands: tuple[Node, ...]


Node = Comparison | Logical

_NAME = re.compile(r"[A-Za-z0-9_@-]+")
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BARE = re.compile(r"[A-Za-z0-9_.:/@*+-]+")
_SPACE = re.compile(r"\s*")


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def fail(self, what: str, position: int | None = None) -> FilterPatternError:
        return FilterPatternError(self.text, self.pos if position is None else position, what)

    def skip(self) -> None:
        match = _SPACE.match(self.text, self.pos)
        self.pos = match.end() if match else self.pos

    def peek(self, token: str) -> bool:
        self.skip()
        return self.text.startswith(token, self.pos)

    def expect(self, token: str) -> None:
        if not self.peek(token):
            found = self.text[self.pos : self.pos + 10] or "the end"
            raise self.fail(f"expected {token!r}, found {found!r}")
        self.pos += len(token)

    def pattern(self) -> Node:
        self.expect("{")
        node = self.expression()
        self.expect("}")
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("unexpected text after the closing '}'")
        return node

    def expression(self) -> Node:
        first = self.operand()
        operator: str | None = None
        operands = [first]
        while True:
            self.skip()
            found = next((op for op in ("&&", "||") if self.text.startswith(op, self.pos)), None)
            if found is None:
                break
            if operator is not None and found != operator:
                raise self.fail("'&&' and '||' mixed without parentheses")
            operator = found
            self.pos += 2
            operands.append(self.operand())
        return first if operator is None else Logical(operator, tuple(operands))

    def operand(self) -> Node:
        if self.peek("("):
            self.pos += 1
            node = self.expression()
            self.expect(")")
            return node
        return self.comparison()

    def comparison(self) -> Comparison:
        path = self.selector()
        self.skip()
        start = self.pos
        operator = next(
            (op for op in (">=", "<=", "!=", "=", "<", ">") if self.text.startswith(op, self.pos)),
            None,
        )
        if operator is None:
            raise self.fail("expected a comparison operator (= != < <= > >=)")
        self.pos += len(operator)
        value = self.value()
        if isinstance(value, str) and operator not in STRING_OPERATORS:
            raise self.fail(f"operator {operator!r} needs a number", start)
        if value == "*" and operator != "=":
            raise self.fail("only '= *' (the property exists) is supported", start)
        return Comparison(path, operator, value)

    def selector(self) -> tuple[str, ...]:
        self.skip()
        if not self.text.startswith("$", self.pos):
            raise self.fail("expected a property selector starting with '$.'")
        self.pos += 1
        names: list[str] = []
        while self.text.startswith(".", self.pos):
            match = _NAME.match(self.text, self.pos + 1)
            if match is None:
                raise self.fail("expected a property name after '.'", self.pos + 1)
            names.append(match.group())
            self.pos = match.end()
        if not names:
            raise self.fail("expected '.' and a property name after '$'")
        if self.text.startswith("[", self.pos):
            raise self.fail("array selectors are not supported")
        return tuple(names)

    def value(self) -> float | str:
        self.skip()
        if self.text.startswith('"', self.pos):
            return self.quoted()
        number = _NUMBER.match(self.text, self.pos)
        if number:
            after = number.end()
            if after == len(self.text) or not _BARE.match(self.text, after):
                self.pos = after
                value = float(number.group())
                if not math.isfinite(value):
                    raise self.fail("the number is out of range", number.start())
                return value
        bare = _BARE.match(self.text, self.pos)
        if bare is None:
            raise self.fail("expected a number or a string")
        self.pos = bare.end()
        word = bare.group()
        if word.upper() in ("NULL", "TRUE", "FALSE", "EXISTS", "NOT", "IS"):
            raise self.fail(f"{word!r} tests are not supported", bare.start())
        return word

    def quoted(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == '"':
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise self.fail("unterminated string", start)


def parse(pattern: str) -> Node:
    """The pattern's tree; raises FilterPatternError outside the supported subset."""
    return _Parser(pattern).pattern()


def parse_selector(text: str) -> tuple[str, ...]:
    """``$.a.b`` → ``("a", "b")`` (a metric filter's metric value or dimension)."""
    parser = _Parser(text)
    path = parser.selector()
    parser.skip()
    if parser.pos != len(text):
        raise parser.fail("unexpected text after the property selector")
    return path


def select(event: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` in a parsed JSON event, or :data:`MISSING`."""
    value = event
    for name in path:
        if not isinstance(value, dict) or name not in value:
            return MISSING
        value = value[name]
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _glob(expected: str, actual: str) -> bool:
    if "*" not in expected:
        return expected == actual
    regex = ".*".join(re.escape(part) for part in expected.split("*"))
    return re.fullmatch(regex, actual, re.DOTALL) is not None


_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(node: Comparison, event: Any) -> bool:
    actual = select(event, node.path)
    if actual is MISSING:
        return False
    if isinstance(node.value, str):
        if node.value == "*":
            return actual is not None
        if not isinstance(actual, str):
            return False
        same = _glob(node.value, actual)
        return same if node.operator == "=" else not same
    if not _is_number(actual):
        return False
    return bool(_COMPARE[node.operator](float(actual), node.value))


def matches(node: Node, event: Any) -> bool:
    """Whether a parsed JSON log event matches the pattern tree."""
    if isinstance(node, Comparison):
        return _compare(node, event)
    if node.operator == "&&":
        return all(matches(child, event) for child in node.operands)
    return any(matches(child, event) for child in node.operands)


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_]+")


def required_text(node: Node) -> frozenset[str] | None:
    """Texts of which a matching line holds at least one (a property name in quotes), so a line
    without any can be skipped unparsed; None when no such cheap test exists."""
    if isinstance(node, Comparison):
        key = node.path[-1]
        return frozenset({f'"{key}"'}) if _PLAIN_KEY.fullmatch(key) else None
    hints = [required_text(child) for child in node.operands]
    if node.operator == "&&":
        known = [h for h in hints if h is not None]
        return min(known, key=len) if known else None
    if any(h is None for h in hints):
        return None
    return frozenset().union(*(h for h in hints if h is not None))
