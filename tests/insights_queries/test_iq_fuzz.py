"""Property tests of the query language: generated queries, and random text.

A hypothesis strategy builds valid query models from the AST (every command, operator and
function obskit supports); each must render to text that parses back to the same model, and
running it must either answer or fail with the engine's own :class:`QueryError`, never anything
else. Random text, and random runs of the language's own tokens, must parse or fail with a
:class:`QuerySyntaxError`, never a traceback. Bounded (few examples, small trees) to run in
seconds.
"""

from __future__ import annotations

import contextlib
import string
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries import (
    AGGREGATE_FUNCTIONS,
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
    Parse,
    Projection,
    Query,
    QueryError,
    QuerySyntaxError,
    Regex,
    Sort,
    SortKey,
    Star,
    Stats,
    String,
    TimePeriod,
    Unary,
    Unnest,
    parse,
    render,
)
from insights_queries.ast import MAX_LIMIT, TIME_UNITS
from insights_queries.engine import run
from insights_queries.parser import ARITY
from insights_queries.timestamps import Millis

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EVENTS: list[dict[str, Any]] = [
    {"@timestamp": Millis(1_765_929_600_000), "@message": "GET /a 200", "a": 1, "b": "x"},
    {"@timestamp": Millis(1_765_929_660_000), "@message": '{"k": [1, 2]}', "a": "2", "b": None},
    {"@message": "user=u1, took 5 ms", "a": -3.5, "level": "ERROR", "extra": {"cid": "c1"}},
    {"@message": "", "a": True, "list": [1, "two", {"x": 3}], "b": "9" * 30},
    {"@message": "(?i)*weird*", "x y": "spaced", "a": 10**20, "level": "info"},
    {"@message": "9" * 5000, "b": "x" + "8" * 5000, "a": 1e308, "list": []},
]

NAMES = ["a", "b", "level", "@message", "@timestamp", "extra.cid", "list", "x y", "and", "n_1"]
field_names = st.sampled_from(NAMES)
aliases = st.sampled_from(["n", "total", "v", "by", "my alias", "@x"])
fields = field_names.map(Field)
strings = st.text(max_size=8).map(String)
numbers = st.one_of(
    st.integers(0, 10**12), st.floats(0, 1e12, allow_nan=False, allow_infinity=False)
).map(Number)
REGEXES = [r"\d+", r"(?i)error", r"^GET", r"a(?i)b|c", r"(?<n>\w+)", r"x/y", r"[(?i)]"]
regexes = st.sampled_from(REGEXES).map(Regex)
periods = st.builds(TimePeriod, st.integers(1, 10**9 - 1), st.sampled_from(TIME_UNITS))
leaves: st.SearchStrategy[Expr] = st.one_of(fields, strings, numbers, regexes)

SIMPLE_SCALARS = sorted(SCALAR_FUNCTIONS - {"bin", "datefloor", "dateceil"})
OPERATORS = [
    "or", "and", "=", "!=", "<", "<=", ">", ">=", "like", "not like", "=~",
    "+", "-", "*", "/", "%", "^",
]  # fmt: skip


def _calls(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    def build(name: str, data: st.DataObject) -> Call:
        low, high = ARITY[name]
        count = data.draw(st.integers(low, min(high if high is not None else low + 2, 4)))
        return Call(name, tuple(data.draw(children) for _ in range(count)))

    simple = st.builds(build, st.sampled_from(SIMPLE_SCALARS), st.data())
    rounding = st.builds(
        lambda name, value, period: Call(name, (value, period)),
        st.sampled_from(["datefloor", "dateceil"]),
        children,
        periods,
    )
    return st.one_of(simple, rounding)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Binary, st.sampled_from(OPERATORS), children, children),
        st.builds(Unary, st.sampled_from(["not", "-"]), children),
        st.builds(In, children, st.lists(children, max_size=3).map(tuple), st.booleans()),
        _calls(children),
    )


expressions: st.SearchStrategy[Expr] = st.recursive(leaves, _extend, max_leaves=8)
projections = st.builds(Projection, expressions, st.none() | aliases)


def _aggregate(data: st.DataObject) -> Expr:
    name = data.draw(st.sampled_from(sorted(AGGREGATE_FUNCTIONS)))
    if name == "count":
        return Call(
            name, data.draw(st.sampled_from([(), (Star(),)]) | expressions.map(lambda e: (e,)))
        )
    if name in ("pct", "percentile"):
        return Call(name, (data.draw(expressions), Number(data.draw(st.integers(0, 100)))))
    return Call(name, (data.draw(expressions),))


aggregates = st.builds(_aggregate, st.data())
by_items = st.one_of(projections, st.builds(lambda p: Projection(Call("bin", (p,)), None), periods))


def _glob_parse(data: st.DataObject) -> Parse:
    pieces = data.draw(st.lists(st.text(alphabet="ab =:\"'[]", max_size=3), min_size=2, max_size=4))
    names = tuple(f"p{i}" for i in range(len(pieces) - 1))
    return Parse(data.draw(fields), String("*".join(pieces)), names)


commands: st.SearchStrategy[Command] = st.one_of(
    st.builds(Fields, st.lists(projections, min_size=1, max_size=3).map(tuple)),
    st.builds(Display, st.lists(fields, min_size=1, max_size=3).map(tuple)),
    st.builds(Filter, expressions),
    st.builds(
        Stats,
        st.lists(
            st.builds(Projection, aggregates, st.none() | aliases), min_size=1, max_size=2
        ).map(tuple),
        st.lists(by_items, max_size=2).map(tuple),
    ),
    st.builds(
        Sort,
        st.lists(st.builds(SortKey, expressions, st.booleans()), min_size=1, max_size=2).map(tuple),
    ),
    st.builds(Limit, st.integers(1, MAX_LIMIT)),
    st.builds(_glob_parse, st.data()),
    st.builds(lambda f: Parse(f, Regex(r"(?<@verb>[A-Z]+) (?<path>\S+)")), fields),
    st.builds(Unnest, fields, st.sampled_from(["item", "x y"])),
)


@st.composite
def queries(draw: st.DrawFn) -> Query:
    body = draw(st.lists(commands, min_size=1, max_size=4))
    if draw(st.booleans()):
        body.append(Dedup(tuple(draw(st.lists(fields, min_size=1, max_size=2)))))
        if draw(st.booleans()):
            body.append(Limit(draw(st.integers(1, 50))))
    return Query(tuple(body))


@SETTINGS
@given(queries())
def test_generated_queries_round_trip_and_run(query: Query) -> None:
    text = render(query)
    assert parse(text) == query, text
    try:
        result = run(query, [dict(e) for e in EVENTS])
    except QueryError:
        return  # the engine's own error, with its message, is an allowed answer
    if not any(isinstance(c, Unnest) for c in query.commands):
        assert len(result.rows) <= len(EVENTS)  # only unnest makes records


TOKENS = [
    "fields", "filter", "stats", "sort", "by", "limit", "parse", "dedup", "display", "unnest",
    "into", "as", "and", "or", "not", "like", "in", "desc", "asc", "|", "(", ")", "[", "]",
    ",", "=", "==", "!=", "<", ">=", "=~", "+", "-", "*", "/", "^", "%", "@message", "a",
    "count(*)", "bin(5m)", "0m", "1e309", "9" * 400, '"s"', "'t", "/(?<@x>\\w+)/", "/(?i)a/",
    "/[/", "{{p}}", "`q`", "#c\n", "\n", "jsonParse(", "tolower(", "datefloor(", "10 ^ 9",
]  # fmt: skip


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join))
def test_token_soup_never_crashes(text: str) -> None:
    _parse_and_run(text)


@SETTINGS
@given(st.text(alphabet=string.printable + "é∑\u2028", max_size=60))
def test_random_text_never_crashes(text: str) -> None:
    _parse_and_run(text)


def _parse_and_run(text: str) -> None:
    try:
        query = parse(text)
    except QuerySyntaxError as error:
        assert str(error).startswith("line "), str(error)
        error.pointer()
        return
    with contextlib.suppress(QueryError):  # the engine's own error is an allowed answer
        run(query, [dict(e) for e in EVENTS])
