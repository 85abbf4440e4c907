"""Layer 2: Logs Insights query model, generated query definitions and the local query engine.

Build queries as values (``insights_queries.ast``), turn them into Logs Insights text with
:func:`render`, read text back with :func:`parse`, fill parameters with :func:`bind`.
"""

from insights_queries.ast import (
    AGGREGATE_FUNCTIONS,
    FUNCTIONS,
    SCALAR_FUNCTIONS,
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
    SortKey,
    Star,
    Stats,
    String,
    TimePeriod,
    Unary,
    Unnest,
)
from insights_queries.errors import QueryError, QuerySyntaxError
from insights_queries.params import UnboundParameterError, bind, parameters
from insights_queries.parser import parse
from insights_queries.render import render, render_expr

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "FUNCTIONS",
    "SCALAR_FUNCTIONS",
    "Binary",
    "Call",
    "Command",
    "Dedup",
    "Display",
    "Expr",
    "Field",
    "Fields",
    "Filter",
    "In",
    "Limit",
    "Number",
    "Param",
    "Parse",
    "Projection",
    "Query",
    "QueryError",
    "QuerySyntaxError",
    "Regex",
    "Sort",
    "SortKey",
    "Star",
    "Stats",
    "String",
    "TimePeriod",
    "UnboundParameterError",
    "Unary",
    "Unnest",
    "bind",
    "parameters",
    "parse",
    "render",
    "render_expr",
]
