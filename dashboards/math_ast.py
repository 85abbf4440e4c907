"""The syntax tree of a CloudWatch metric-math expression, and its text.

One tree for the whole grammar, so the alarm validator (which must accept everything CloudWatch
accepts) and the alarm evaluator (which computes the subset obskit's alarms use) read the same
expression the same way: :mod:`dashboards.math_parser` builds it, :mod:`dashboards.validation.
metric_math` walks it for the ids an expression reads, :mod:`dashboards.alarm_eval_math` evaluates
it. Grammar and functions: CloudWatch User Guide, "Metric math syntax and functions"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax).

Positions (0-based character offsets) are kept for error messages and excluded from equality, so
a tree printed with :func:`to_text` and parsed again compares equal to the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "ABS": (1, 1),
    "ANOMALY_DETECTION_BAND": (1, 2),
    "AVG": (1, 1),
    "CEIL": (1, 1),
    "DATAPOINT_COUNT": (1, 1),
    "DAY": (1, 1),
    "DB_PERF_INSIGHTS": (3, 3),
    "DIFF": (1, 1),
    "DIFF_TIME": (1, 1),
    "EPOCH": (1, 1),
    "FILL": (2, 2),
    "FIRST": (1, 1),
    "FLOOR": (1, 1),
    "HOUR": (1, 1),
    "IF": (2, 3),
    "INSIGHT_RULE_METRIC": (2, 2),
    "LAMBDA": (1, None),
    "LAST": (1, 1),
    "LOG": (1, 1),
    "LOG10": (1, 1),
    "MAX": (1, 1),
    "METRIC_COUNT": (1, 1),
    "METRICS": (0, 1),
    "MIN": (1, 1),
    "MINUTE": (1, 1),
    "MONTH": (1, 1),
    "PERIOD": (1, 1),
    "RATE": (1, 1),
    "REMOVE_EMPTY": (1, 1),
    "RUNNING_SUM": (1, 1),
    "SEARCH": (2, 3),
    "SERVICE_QUOTA": (1, 1),
    "SLICE": (2, 3),
    "SORT": (3, 4),
    "STDDEV": (1, 1),
    "SUM": (1, 1),
    "TIME_SERIES": (1, 1),
    "YEAR": (1, 1),
}
"""Every metric-math function → (fewest, most) arguments; None: no upper bound (LAMBDA passes
its extra arguments to the function it names)."""

KEYWORDS = frozenset({"REPEAT", "LINEAR", "ASC", "DESC", "MIN", "MAX", "SUM", "AVG"})
"""Bare uppercase words some functions take as arguments: FILL's REPEAT / LINEAR, SORT's
statistic and order."""

COMPARISONS = ("<=", ">=", "==", "!=", "<", ">")
LOGICAL = ("AND", "&&", "OR", "||")
ARITHMETIC = ("+", "-", "*", "/", "^")
PREFIX = ("-", "+", "NOT", "!")


@dataclass(frozen=True)
class Number:
    """A non-negative numeric constant (a minus sign is a :class:`Unary`)."""

    value: float
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class String:
    """A quoted string (SEARCH's query, LAMBDA's name); ``quote`` is ``'`` or ``"``, ``body``
    the text between the quotes as written (backslash escapes kept)."""

    quote: str
    body: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Id:
    """The id of another metric or expression of the same request."""

    name: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Keyword:
    """A bare uppercase argument such as REPEAT or DESC (see :data:`KEYWORDS`)."""

    name: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    position: int = field(default=0, compare=False)
    close: int = field(default=0, compare=False)
    """Where the closing parenthesis is: argument-count errors point there."""


@dataclass(frozen=True)
class Array:
    """``[a, b, ...]``: an array of time series, the argument of SUM, MAX, SORT..."""

    items: tuple[Node, ...]
    position: int = field(default=0, compare=False)


Node = Number | String | Id | Keyword | Unary | Binary | Call | Array


def walk(node: Node) -> list[Node]:
    """``node`` and every node below it, parents first."""
    out: list[Node] = [node]
    if isinstance(node, Unary):
        out += walk(node.operand)
    elif isinstance(node, Binary):
        out += walk(node.left) + walk(node.right)
    elif isinstance(node, Call | Array):
        children = node.args if isinstance(node, Call) else node.items
        for child in children:
            out += walk(child)
    return out


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def to_text(node: Node) -> str:
    """Expression text for ``node``: every operation parenthesized, so parsing it gives ``node``
    back whatever the precedence rules."""
    if isinstance(node, Number):
        return _number_text(node.value)
    if isinstance(node, String):
        return f"{node.quote}{node.body}{node.quote}"
    if isinstance(node, Id | Keyword):
        return node.name
    if isinstance(node, Unary):
        space = " " if node.op == "NOT" else ""
        return f"({node.op}{space}({to_text(node.operand)}))"
    if isinstance(node, Binary):
        return f"({to_text(node.left)} {node.op} {to_text(node.right)})"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(to_text(a) for a in node.args)})"
    return f"[{', '.join(to_text(i) for i in node.items)}]"
