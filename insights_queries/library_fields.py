"""Expressions that read one fact from a log line whichever logger wrote it.

Two schemas meet in the same log groups: obskit's logger (Powertools' keys: ``level`` in upper
case, ``message``, top-level ``correlation_id``) and structlog as the real Alchemiser capture shows
it (``level`` in lower case, the message under ``event``, the correlation id top-level or under
``extra.correlation_id``). Each helper here returns the query-model expression that gives the same
answer on both, so a generated query is right on old and new services alike.
"""

from __future__ import annotations

from insights_queries.ast import (
    Binary,
    Call,
    Expr,
    Field,
    In,
    Projection,
    Regex,
    String,
    Unary,
)

ERROR_LEVELS = ("ERROR", "CRITICAL", "FATAL")
"""Levels counted as errors (upper-cased first, so structlog's 'error' counts too)."""

LINE_LEVEL = "line_level"
LINE_MESSAGE = "line_message"
LINE_CORRELATION_ID = "line_correlation_id"
LINE_BYTES = "line_bytes"


def call(name: str, *args: Expr) -> Call:
    return Call(name, tuple(args))


def field(name: str) -> Field:
    return Field(name)


def text(value: str) -> String:
    return String(value)


def level() -> Expr:
    """The level in upper case: 'INFO' from the logger, 'info' from structlog."""
    return call("toupper", field("level"))


def message() -> Expr:
    """The message: ``message`` (logger, Powertools), ``event`` (structlog), else the raw line."""
    return call("coalesce", field("message"), field("event"), field("@message"))


def correlation_id() -> Expr:
    """The correlation id, top-level or nested under ``extra`` (structlog's bound extras)."""
    return call("coalesce", field("correlation_id"), field("extra.correlation_id"))


def line_bytes() -> Expr:
    """Size of the line as ingested: what CloudWatch bills per GB."""
    return call("strlen", field("@message"))


def is_error(level_field: str = LINE_LEVEL) -> Expr:
    """True for error lines; needs ``level_field`` computed by :func:`line_fields` first."""
    return In(field(level_field), tuple(text(lv) for lv in ERROR_LEVELS))


def error_flag(level_field: str = LINE_LEVEL) -> Expr:
    """1 for an error line, 0 otherwise (``strcontains`` returns 1/0), so ``sum`` counts errors."""
    padded = call("concat", text("|"), call("coalesce", field(level_field), text("")), text("|"))
    flags: Expr = call("strcontains", padded, text(f"|{ERROR_LEVELS[0]}|"))
    for name in ERROR_LEVELS[1:]:
        flags = Binary("+", flags, call("strcontains", padded, text(f"|{name}|")))
    return flags


def exact_flag(expr: Expr, value: str) -> Expr:
    """1 when ``expr`` equals ``value`` exactly, 0 otherwise (a null counts as 0).

    Built from ``strcontains`` on ``|``-delimited text so that ``sum`` can count matches per group
    without a conditional function, and 'WorkflowCompleted' never matches 'WorkflowCompletedV2'.
    """
    padded = call("concat", text("|"), call("coalesce", expr, text("")), text("|"))
    return call("strcontains", padded, text(f"|{value}|"))


def any_exact_flag(expr: Expr, values: tuple[str, ...]) -> Expr:
    """1 when ``expr`` equals one of ``values`` (they are distinct), 0 otherwise."""
    flags: Expr = exact_flag(expr, values[0])
    for value in values[1:]:
        flags = Binary("+", flags, exact_flag(expr, value))
    return flags


def is_platform_line() -> Expr:
    """Lambda's own START / END / REPORT / INIT_START lines, which carry no application fields."""
    return Binary("=~", field("@message"), Regex(r"^(START|END|REPORT|INIT_START|INIT_REPORT) "))


def not_(expr: Expr) -> Expr:
    return Unary("not", expr)


def line_fields() -> tuple[Projection, ...]:
    """``fields`` items that normalise level, message and correlation id for later commands."""
    return (
        Projection(level(), LINE_LEVEL),
        Projection(message(), LINE_MESSAGE),
        Projection(correlation_id(), LINE_CORRELATION_ID),
    )
