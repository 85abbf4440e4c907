"""A typed model of a CloudWatch Logs Insights query.

Queries are built as values (frozen dataclasses), never pasted together as strings, so that the
generators, the renderer, the parser and the local engine all agree on one structure. The model
covers the commands and functions of the Logs Insights language that obskit supports; see
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html

Conventions:
- ``Field("@message")`` names a field; dotted names (``extra.correlation_id``) are nested JSON
  fields flattened the way CloudWatch discovers them.
- Negative numbers are ``Unary("-", Number(n))``: a ``Number`` is never negative.
- ``Param("correlation_id")`` is a hole filled by :func:`insights_queries.params.bind`.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Literal, TypeAlias, get_args

# ---------------------------------------------------------------- limits

# Bounds that keep a hostile or mistaken query from crashing or hanging obskit; each error that
# enforces one names it. Parsing, rendering and compiling walk the tree recursively, so its depth
# is bounded well inside Python's recursion limit.
MAX_DEPTH = 100
"""Deepest expression tree: operators and calls nested inside each other (``a or b or ...``
chains count one level per operator)."""
MAX_NESTING = 50
"""Most parentheses, calls, lists and prefix operators open inside each other while parsing."""
MAX_COMMANDS = 200
"""Most commands in one query: the engine chains one generator per command, and each nests."""
MAX_WHOLE_NUMBER = int(sys.float_info.max)
"""Largest number literal: AWS's numbers are doubles (about 1.8e308)."""
MAX_PERIOD_DIGITS = 9
"""Most digits in a time period literal such as ``5m`` (999999999 of any unit)."""
MAX_LIMIT = 100_000
"""Largest ``limit``: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Limit.html
("You can specify a limit value of up to 100,000")."""

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Field:
    """A reference to a log field: ``@timestamp``, ``level``, ``extra.correlation_id``."""

    name: str


@dataclass(frozen=True)
class String:
    """A string literal (rendered in double quotes)."""

    value: str


@dataclass(frozen=True)
class Number:
    """A non-negative numeric literal (negation is ``Unary("-", ...)``)."""

    value: int | float

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise TypeError(f"Number needs an int or float, got {self.value!r}")
        if self.value < 0 or not math.isfinite(self.value):
            raise ValueError(
                f"Number must be finite and non-negative (use Unary('-', ...)): {self.value!r}"
            )


@dataclass(frozen=True)
class Regex:
    """A regular expression literal ``/pattern/`` (case-insensitive via ``(?i)`` inside)."""

    pattern: str


TimeUnit: TypeAlias = Literal["ms", "s", "m", "h", "d", "w", "mo", "q", "y"]
TIME_UNITS: tuple[str, ...] = get_args(TimeUnit)


@dataclass(frozen=True)
class TimePeriod:
    """A time period literal as taken by ``bin``, ``datefloor`` and ``dateceil``: ``5m``, ``1h``."""

    amount: int
    unit: TimeUnit

    def __post_init__(self) -> None:
        if self.unit not in TIME_UNITS:
            raise ValueError(f"unknown time unit {self.unit!r}; expected one of {TIME_UNITS}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValueError(f"a time period needs a positive integer amount: {self.amount!r}")


@dataclass(frozen=True)
class Star:
    """The ``*`` of ``count(*)``."""


@dataclass(frozen=True)
class Param:
    """A named query parameter, replaced by a literal with ``bind`` before the query runs."""

    name: str


@dataclass(frozen=True)
class Call:
    """A function call: ``tolower(level)``, ``count(*)``, ``pct(@duration, 95)``, ``bin(5m)``."""

    name: str
    args: tuple[Expr, ...] = ()


UnaryOp: TypeAlias = Literal["not", "-"]


@dataclass(frozen=True)
class Unary:
    """``not x`` or ``-x``."""

    op: UnaryOp
    operand: Expr


BinaryOp: TypeAlias = Literal[
    "or",
    "and",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "like",
    "not like",
    "=~",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
]
BINARY_OPS: tuple[str, ...] = get_args(BinaryOp)


@dataclass(frozen=True)
class Binary:
    """A binary operation; ``like``/``=~`` take a ``Regex`` or ``String`` on the right."""

    op: BinaryOp
    left: Expr
    right: Expr


@dataclass(frozen=True)
class In:
    """``value in [a, b, ...]`` (or ``not in`` when ``negated``)."""

    value: Expr
    items: tuple[Expr, ...]
    negated: bool = False


Expr: TypeAlias = (
    Field | String | Number | Regex | TimePeriod | Star | Param | Call | Unary | Binary | In
)


@dataclass(frozen=True)
class Projection:
    """An expression with an optional ``as`` alias, as listed by fields/stats/by."""

    expr: Expr
    alias: str | None = None


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Fields:
    """``fields a, b as c, tolower(d) as e``: add/compute fields on each event."""

    items: tuple[Projection, ...]


@dataclass(frozen=True)
class Display:
    """``display a, b``: which fields the results show."""

    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Filter:
    """``filter <condition>``: keep events for which the condition is true."""

    condition: Expr


@dataclass(frozen=True)
class Stats:
    """``stats agg(...) [as x], ... [by expr [as y], ...]``."""

    aggregations: tuple[Projection, ...]
    by: tuple[Projection, ...] = ()


@dataclass(frozen=True)
class SortKey:
    """One sort key; Logs Insights sorts ascending unless ``desc`` is given."""

    expr: Expr
    descending: bool = False


@dataclass(frozen=True)
class Sort:
    """``sort a desc, b asc``."""

    keys: tuple[SortKey, ...]


@dataclass(frozen=True)
class Limit:
    """``limit n``: at most n results (the default without it is 10,000)."""

    count: int


@dataclass(frozen=True)
class Parse:
    """``parse field "glob * with * stars" as a, b`` or ``parse field /(?<name>re)/``.

    With a ``String`` pattern each ``*`` captures into the next ``as`` name; with a ``Regex``
    pattern the named groups give the field names (``as_fields`` stays empty).
    """

    source: Expr
    pattern: String | Regex
    as_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dedup:
    """``dedup a, b``: keep the first event for each distinct combination of the fields."""

    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Unnest:
    """``unnest field into name``: one record per item of a list, the item under ``name``.

    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Unnest.html: the
    list comes from ``jsonParse``; any other value is a list of one item; every other field is
    copied from the original record, which is discarded.
    """

    source: Field
    into: str


Command: TypeAlias = Fields | Display | Filter | Stats | Sort | Limit | Parse | Dedup | Unnest


@dataclass(frozen=True)
class Query:
    """A whole query: commands in the order they run."""

    commands: tuple[Command, ...]


# ---------------------------------------------------------------- vocabulary

AGGREGATE_FUNCTIONS: frozenset[str] = frozenset(
    {
        "count",
        "count_distinct",
        "sum",
        "avg",
        "min",
        "max",
        "pct",
        "percentile",
        "stddev",
        "earliest",
        "latest",
    }
)
SCALAR_FUNCTIONS: frozenset[str] = frozenset(
    {
        "ispresent",
        "isempty",
        "isblank",
        "coalesce",
        "strlen",
        "tolower",
        "toupper",
        "concat",
        "substr",
        "replace",
        "strcontains",
        "trim",
        "ltrim",
        "rtrim",
        "abs",
        "ceil",
        "floor",
        "greatest",
        "least",
        "datefloor",
        "dateceil",
        "fromMillis",
        "toMillis",
        "bin",
        "jsonParse",
    }
)
FUNCTIONS: frozenset[str] = AGGREGATE_FUNCTIONS | SCALAR_FUNCTIONS


def depth(expr: Expr) -> int:
    """How deeply ``expr`` nests (a leaf is 1), computed without recursion so that any tree,
    however deep, can be measured and refused."""
    deepest = 0
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(node))
    return deepest


def children(expr: Expr) -> tuple[Expr, ...]:
    """The operands of an expression (none for a leaf)."""
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, In):
        return (expr.value, *expr.items)
    return ()
