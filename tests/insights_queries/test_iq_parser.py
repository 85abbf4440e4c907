"""The parser: AWS's documented example queries, errors with positions, and the round trip."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries import (
    Binary,
    Call,
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
    QuerySyntaxError,
    Regex,
    Sort,
    SortKey,
    Star,
    Stats,
    String,
    TimePeriod,
    Unary,
    parse,
    render,
)

# Example queries from the CloudWatch Logs Insights documentation (query syntax pages and
# "Sample queries"), each must parse.
AWS_EXAMPLES = [
    "fields @timestamp, @message | sort @timestamp desc | limit 25",
    'filter @type = "REPORT" | stats avg(@duration), max(@duration), min(@duration) by bin(5m)',
    'filter @type = "REPORT" | stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB,'
    " min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB,"
    " avg(@maxMemoryUsed / 1000 / 1000) as avgMemoryUsedMB,"
    " max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB,"
    " provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
    "stats count(*) by @logStream | limit 100",
    "fields @timestamp, @message | filter @message like /Exception/ | sort @timestamp desc",
    "filter @message like /(?i)(Exception|error|fail|5dd)/ | stats count() by bin(5m)",
    'parse @message "user=*, method:*, latency := *" as @user, @method, @latency'
    " | stats avg(@latency) by @method, @user",
    "parse @message /user=(?<user2>.*?), method:(?<method2>.*?), latency := (?<latency2>.*?)/"
    " | stats avg(latency2) by method2, user2",
    "stats count_distinct(@logStream) by bin(1h)",
    'fields @timestamp, @message | filter @logStream in ["a", "b"]',
    "filter statusCode >= 400 and statusCode < 500 | stats count(*) as errors by bin(1m)",
    "fields strlen(@message) as len | stats pct(len, 50), pct(len, 99), stddev(len)",
    "fields @timestamp, ispresent(requestId) as present | filter not isempty(requestId)",
    'fields concat(tolower(level), ":", toupper(service)) as tag, substr(@message, 0, 10) as head',
    'fields replace(@message, "a", "b") as m, strcontains(@message, "x") as c, trim(x) as t',
    "fields abs(x) as a, ceil(x) as c, floor(x) as f, greatest(x, y) as g, least(x, y, 3) as l",
    "fields datefloor(@timestamp, 1h) as h, dateceil(@timestamp, 1d) as d,"
    " toMillis(@timestamp) as ms, fromMillis(ms) as t",
    'fields coalesce(a, b, "none") as v | filter isblank(v) or v =~ /^x/',
    "stats earliest(@timestamp) as first, latest(@message) as last by @logStream",
    "fields @timestamp, server, severity, message | sort @timestamp desc | dedup server",
    "fields @message | dedup @logStream | limit 5",
    "filter x % 2 = 0 and 2 ^ 3 = 8 and -x < 0",
    'filter @message not like /debug/ and level not in ["DEBUG"]',
]


@pytest.mark.parametrize("text", AWS_EXAMPLES)
def test_documented_examples_parse_and_round_trip(text: str) -> None:
    query = parse(text)
    assert parse(render(query)) == query


def test_parse_builds_the_expected_tree() -> None:
    query = parse(
        "fields @timestamp, extra.correlation_id as cid\n"
        '| filter level in ["ERROR", "CRITICAL"] and @message like /fail/\n'
        "| stats count(*) as n by service, bin(5m)\n"
        "| sort n desc, service\n"
        "| limit 5"
    )
    assert query == Query(
        (
            Fields(
                (Projection(Field("@timestamp")), Projection(Field("extra.correlation_id"), "cid"))
            ),
            Filter(
                Binary(
                    "and",
                    In(Field("level"), (String("ERROR"), String("CRITICAL"))),
                    Binary("like", Field("@message"), Regex("fail")),
                )
            ),
            Stats(
                (Projection(Call("count", (Star(),)), "n"),),
                (Projection(Field("service")), Projection(Call("bin", (TimePeriod(5, "m"),)))),
            ),
            Sort((SortKey(Field("n"), True), SortKey(Field("service"), False))),
            Limit(5),
        )
    )


def test_comments_and_single_quotes_and_backticks() -> None:
    query = parse("# all errors\nfilter `user-agent` = 'curl' # trailing\n| limit 1")
    assert query == Query((Filter(Binary("=", Field("user-agent"), String("curl"))), Limit(1)))


def test_precedence_and_associativity() -> None:
    assert parse("fields a - b - c as x").commands[0] == Fields(
        (Projection(Binary("-", Binary("-", Field("a"), Field("b")), Field("c")), "x"),)
    )
    assert parse("fields 2 ^ 3 ^ 2 as x").commands[0] == Fields(
        (Projection(Binary("^", Number(2), Binary("^", Number(3), Number(2))), "x"),)
    )
    assert parse("filter not a = 1 or b").commands[0] == Filter(
        Binary("or", Unary("not", Binary("=", Field("a"), Number(1))), Field("b"))
    )
    # `/` after an operand divides; where a value belongs it starts a regex
    assert parse("fields a / b as r").commands[0] == Fields(
        (Projection(Binary("/", Field("a"), Field("b")), "r"),)
    )


def test_params_parse() -> None:
    assert parse("filter correlation_id = {{ cid }}").commands[0] == Filter(
        Binary("=", Field("correlation_id"), Param("cid"))
    )


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("fields a\n| pattern @message", 2, 3, "unsupported command 'pattern'"),
        ("fields a | limt 3", 1, 12, "did you mean 'limit'"),
        ("filter isValidIp(x)", 1, 8, "unsupported function 'isValidIp'"),
        ("filter a =", 1, 11, "where a value belongs"),
        ("filter count(*) > 1", 1, 8, "only allowed in stats"),
        ("stats level by service", 1, 7, "needs an aggregate function"),
        ("stats sum(count(*))", 1, 11, "only allowed in stats"),
        ("limit -1", 1, 7, "positive whole number"),
        ('parse @message "a=* b=*" as a', 1, 16, "2 '*' but 1 name"),
        ("parse @message /no groups/", 1, 16, "named groups"),
        ('filter x = "open', 1, 12, "unterminated string"),
        ("filter x =~ /(unclosed/", 1, 13, "invalid regular expression"),
        ("filter a = 1 b", 1, 14, "after a complete command"),
        ("stats count(*) by bin(5min)", 1, 24, "unknown time unit 'min'"),
        ("fields substr(x)", 1, 8, "substr takes 2 to 3 argument(s), got 1"),
        ("stats sum(*)", 1, 11, "only an argument of count"),
        ("filter a in 1", 1, 13, "'['"),
        ("| fields a", 1, 1, "where a command starts"),
        ("dedup a | sort a", 1, 11, "only limit may follow dedup"),
        ("filter a and", 1, 13, "the end of the query"),
    ],
)
def test_errors_name_what_and_where(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    error = info.value
    assert (error.line, error.column) == (line, column), str(error)
    assert fragment in str(error)
    assert str(error).startswith(f"line {line}, column {column}: ")
    pointer_line, caret = error.pointer().split("\n")
    assert pointer_line == text.split("\n")[line - 1]
    assert caret == " " * (column - 1) + "^"


# ------------------------------------------------------------------ round trip (hypothesis)

_ident = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
_field_names = st.one_of(
    _ident,
    st.builds(lambda a: "@" + a, _ident),
    st.builds(lambda a, b: f"{a}.{b}", _ident, _ident),
    st.text(
        st.characters(blacklist_characters="`\n\r", blacklist_categories=("Cs",)),
        min_size=1,
        max_size=8,
    ),
)
_fields = st.builds(Field, _field_names)
_literals = st.one_of(
    st.builds(String, st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)),
    st.builds(Number, st.integers(min_value=0, max_value=10**12)),
    st.builds(
        Number, st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
    ),
    st.builds(Param, _ident),
)
_regexes = st.builds(Regex, st.text(alphabet="abc/. x-", min_size=1, max_size=8))
_periods = st.builds(TimePeriod, st.integers(1, 90), st.sampled_from(["ms", "s", "m", "h", "d"]))
_scalar_functions = ["tolower", "toupper", "strlen", "abs", "ispresent", "trim", "floor"]


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Call, st.sampled_from(_scalar_functions), st.tuples(children)),
        st.builds(Call, st.just("coalesce"), st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(Call, st.just("datefloor"), st.tuples(children, _periods)),
        st.builds(Unary, st.sampled_from(["not", "-"]), children),
        st.builds(
            Binary,
            st.sampled_from(
                ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "^"]
            ),
            children,
            children,
        ),
        st.builds(Binary, st.sampled_from(["like", "not like", "=~"]), children, _regexes),
        st.builds(In, children, st.lists(children, max_size=3).map(tuple), st.booleans()),
    )


_exprs = st.recursive(st.one_of(_fields, _literals), _extend, max_leaves=8)
_aggregates = st.one_of(
    st.builds(Call, st.just("count"), st.just((Star(),))),
    st.builds(
        Call,
        st.sampled_from(["sum", "avg", "min", "max", "stddev", "count_distinct"]),
        st.tuples(_exprs),
    ),
    st.builds(Call, st.just("pct"), st.tuples(_exprs, st.builds(Number, st.integers(0, 100)))),
)
_alias = st.one_of(st.none(), _field_names)
_commands = st.one_of(
    st.builds(
        Fields, st.lists(st.builds(Projection, _exprs, _alias), min_size=1, max_size=3).map(tuple)
    ),
    st.builds(Display, st.lists(_fields, min_size=1, max_size=3).map(tuple)),
    st.builds(Filter, _exprs),
    st.builds(
        Stats,
        st.lists(st.builds(Projection, _aggregates, _alias), min_size=1, max_size=2).map(tuple),
        st.lists(
            st.builds(
                Projection,
                st.one_of(_fields, st.builds(Call, st.just("bin"), st.tuples(_periods))),
                _alias,
            ),
            max_size=2,
        ).map(tuple),
    ),
    st.builds(
        Sort, st.lists(st.builds(SortKey, _exprs, st.booleans()), min_size=1, max_size=2).map(tuple)
    ),
    st.builds(Limit, st.integers(1, 10_000)),
    st.builds(Parse, _fields, st.just(String("a=* b=*")), st.just(("a", "b"))),
    st.builds(Parse, _fields, st.just(Regex("id=(?<id>\\d+)"))),
    st.builds(Dedup, st.lists(_fields, min_size=1, max_size=2).map(tuple)),
)


def _legal(commands: list[object]) -> tuple[object, ...]:
    """AWS allows only limit after dedup: cut what follows a dedup down to its limits."""
    out: list[object] = []
    for command in commands:
        if any(isinstance(c, Dedup) for c in out) and not isinstance(command, Limit):
            continue
        if out and isinstance(out[-1], Limit) and any(isinstance(c, Dedup) for c in out):
            continue
        out.append(command)
    return tuple(out)


_queries = st.builds(Query, st.lists(_commands, min_size=1, max_size=4).map(_legal))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_queries)
def test_parse_of_render_is_identity(query: Query) -> None:
    assert parse(render(query)) == query
