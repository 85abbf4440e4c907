"""Render a query model as Logs Insights text.

One command per line, later lines starting with ``| `` as the CloudWatch console shows queries.
Strings are double-quoted with ``\\`` and ``"`` escaped; field names that are not plain
identifiers (optionally ``@``-prefixed, dotted for nested JSON) are wrapped in backticks, as
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html
asks for fields with special characters. Parentheses are added exactly where operator precedence
needs them, so ``parse(render(q)) == q``.
"""

from __future__ import annotations

import re

from insights_queries.ast import (
    Binary,
    Call,
    Command,
    Dedup,
    Display,
    Expr,
    Field,
    Fields,
    Filter,
    In,
    Limit,
    Number,
    Param,
    Parse,
    Projection,
    Query,
    Regex,
    Sort,
    Star,
    Stats,
    String,
    TimePeriod,
    Unary,
    Unnest,
)

PLAIN_NAME = re.compile(r"@?[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*\Z")
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# words the parser reads as operators or command keywords, so a field so named needs backticks
RESERVED_WORDS = frozenset({"and", "or", "not", "like", "in", "as", "by", "asc", "desc", "into"})

# binding strength of each operator (higher binds tighter); used by renderer and parser alike
PRECEDENCE: dict[str, int] = {
    "or": 1,
    "and": 2,
    "not": 3,
    "=": 4,
    "!=": 4,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "like": 4,
    "not like": 4,
    "=~": 4,
    "in": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
    "neg": 7,
    "^": 8,
}
ATOM = 9
COMPARISON = 4

_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def render(query: Query) -> str:
    """The Logs Insights text of ``query``, one command per line joined by ``| ``."""
    if not query.commands:
        raise ValueError("cannot render an empty query: it needs at least one command")
    return "\n| ".join(render_command(c) for c in query.commands)


def render_command(command: Command) -> str:
    """The text of one command, without the leading ``| ``."""
    if isinstance(command, Fields):
        return "fields " + ", ".join(render_projection(p) for p in command.items)
    if isinstance(command, Display):
        return "display " + ", ".join(render_field_name(f.name) for f in command.fields)
    if isinstance(command, Filter):
        return "filter " + render_expr(command.condition)
    if isinstance(command, Stats):
        text = "stats " + ", ".join(render_projection(p) for p in command.aggregations)
        if command.by:
            text += " by " + ", ".join(render_projection(p) for p in command.by)
        return text
    if isinstance(command, Sort):
        keys = (f"{render_expr(k.expr)} {'desc' if k.descending else 'asc'}" for k in command.keys)
        return "sort " + ", ".join(keys)
    if isinstance(command, Limit):
        return f"limit {command.count}"
    if isinstance(command, Parse):
        text = f"parse {render_expr(command.source)} {render_expr(command.pattern)}"
        if command.as_fields:
            text += " as " + ", ".join(render_field_name(n) for n in command.as_fields)
        return text
    if isinstance(command, Dedup):
        return "dedup " + ", ".join(render_field_name(f.name) for f in command.fields)
    if isinstance(command, Unnest):
        source = render_field_name(command.source.name)
        return f"unnest {source} into {render_field_name(command.into)}"
    raise TypeError(f"not a query command: {command!r}")


def render_projection(projection: Projection) -> str:
    text = render_expr(projection.expr)
    if projection.alias is not None:
        text += " as " + render_field_name(projection.alias)
    return text


def render_field_name(name: str) -> str:
    """``name`` as written in a query: bare when it is a plain identifier, else in backticks."""
    if not name:
        raise ValueError("a field name cannot be empty")
    if PLAIN_NAME.match(name) and name.lower() not in RESERVED_WORDS:
        return name
    if "`" in name or "\n" in name:
        raise ValueError(f"field name {name!r} cannot be written in a query (backtick/newline)")
    return f"`{name}`"


def render_string(value: str) -> str:
    return '"' + "".join(_STRING_ESCAPES.get(ch, ch) for ch in value) + '"'


def render_regex(pattern: str) -> str:
    """``/pattern/`` with every unescaped ``/`` escaped as ``\\/``."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "\n":
            raise ValueError(f"a regex literal cannot contain a newline: {pattern!r}")
        out.append("\\/" if ch == "/" else ch)
        i += 1
    return "/" + "".join(out) + "/"


def render_number(value: int | float) -> str:
    return repr(value)


def precedence(expr: Expr) -> int:
    """How tightly ``expr`` binds when it appears as an operand."""
    if isinstance(expr, Binary):
        return PRECEDENCE[expr.op]
    if isinstance(expr, In):
        return COMPARISON
    if isinstance(expr, Unary):
        return PRECEDENCE["not"] if expr.op == "not" else PRECEDENCE["neg"]
    return ATOM


def _operand(expr: Expr, needs_at_least: int) -> str:
    text = render_expr(expr)
    return f"({text})" if precedence(expr) < needs_at_least else text


def render_expr(expr: Expr) -> str:
    """The text of one expression, with the parentheses its structure needs."""
    if isinstance(expr, Field):
        return render_field_name(expr.name)
    if isinstance(expr, String):
        return render_string(expr.value)
    if isinstance(expr, Number):
        return render_number(expr.value)
    if isinstance(expr, Regex):
        return render_regex(expr.pattern)
    if isinstance(expr, TimePeriod):
        return f"{expr.amount}{expr.unit}"
    if isinstance(expr, Star):
        return "*"
    if isinstance(expr, Param):
        if not PARAM_NAME.match(expr.name):
            raise ValueError(f"parameter name {expr.name!r} must be an identifier")
        return "{{" + expr.name + "}}"
    if isinstance(expr, Call):
        return f"{expr.name}({', '.join(render_expr(a) for a in expr.args)})"
    if isinstance(expr, Unary):
        if expr.op == "not":
            return "not " + _operand(expr.operand, PRECEDENCE["not"])
        return "-" + _operand(expr.operand, PRECEDENCE["neg"])
    if isinstance(expr, In):
        items = ", ".join(render_expr(i) for i in expr.items)
        keyword = "not in" if expr.negated else "in"
        return f"{_operand(expr.value, COMPARISON + 1)} {keyword} [{items}]"
    if isinstance(expr, Binary):
        level = PRECEDENCE[expr.op]
        if level == COMPARISON:  # comparisons do not chain: both sides bind tighter
            left_min, right_min = level + 1, level + 1
        elif expr.op == "^":  # right-associative
            left_min, right_min = level + 1, level
        else:  # left-associative
            left_min, right_min = level, level + 1
        left = _operand(expr.left, left_min)
        right = _operand(expr.right, right_min)
        return f"{left} {expr.op} {right}"
    raise TypeError(f"not a query expression: {expr!r}")
