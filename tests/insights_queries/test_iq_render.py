"""The renderer: valid Logs Insights text, quoting, backticks, precedence parentheses, params."""

from __future__ import annotations

import pytest

from insights_queries import (
    Binary,
    Call,
    Dedup,
    Display,
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
    UnboundParameterError,
    bind,
    parameters,
    render,
)


def test_one_command_per_line_joined_by_pipe() -> None:
    query = Query(
        (
            Fields((Projection(Field("@timestamp")), Projection(Field("@message")))),
            Filter(Binary("=", Field("level"), String("ERROR"))),
            Sort((SortKey(Field("@timestamp"), descending=True),)),
            Limit(20),
        )
    )
    assert render(query) == (
        'fields @timestamp, @message\n| filter level = "ERROR"\n| sort @timestamp desc\n| limit 20'
    )


def test_stats_with_aliases_and_bin() -> None:
    stats = Stats(
        (Projection(Call("count", (Star(),)), "n"), Projection(Call("avg", (Field("@duration"),)))),
        (Projection(Field("service")), Projection(Call("bin", (TimePeriod(5, "m"),)), "t")),
    )
    assert render(Query((stats,))) == "stats count(*) as n, avg(@duration) by service, bin(5m) as t"


def test_strings_are_escaped_and_odd_field_names_backticked() -> None:
    expr = Binary("=", Field("user-agent"), String('say "hi"\\ \n'))
    assert render(Query((Filter(expr),))) == 'filter `user-agent` = "say \\"hi\\"\\\\ \\n"'
    # a field named like a keyword must be backticked or it would read as the operator
    assert render(Query((Display((Field("in"), Field("extra.correlation_id"))),))) == (
        "display `in`, extra.correlation_id"
    )


def test_field_name_that_cannot_be_written_is_an_error() -> None:
    with pytest.raises(ValueError, match="backtick"):
        render(Query((Display((Field("a`b"),)),)))


def test_regex_slashes_are_escaped() -> None:
    expr = Binary("like", Field("@message"), Regex("a/b"))
    assert render(Query((Filter(expr),))) == "filter @message like /a\\/b/"


def test_parentheses_only_where_precedence_needs_them() -> None:
    a, b, c = Field("a"), Field("b"), Field("c")
    or_in_and = Binary("and", Binary("or", a, b), c)
    assert render(Query((Filter(or_in_and),))) == "filter (a or b) and c"
    and_in_or = Binary("or", Binary("and", a, b), c)
    assert render(Query((Filter(and_in_or),))) == "filter a and b or c"
    right_sub = Binary("-", a, Binary("-", b, c))
    assert render(Query((Fields((Projection(right_sub, "x"),)),))) == "fields a - (b - c) as x"
    neg = Unary("-", Binary("+", a, Number(1)))
    assert render(Query((Fields((Projection(neg, "x"),)),))) == "fields -(a + 1) as x"
    not_in = Unary("not", In(a, (String("x"), Number(2)), negated=False))
    assert render(Query((Filter(not_in),))) == 'filter not a in ["x", 2]'


def test_parse_commands_and_dedup() -> None:
    glob = Parse(Field("@message"), String("user=* id=*"), ("user", "id"))
    regex = Parse(Field("@message"), Regex("(?<rid>[0-9a-f-]+)"))
    rendered = render(Query((glob, regex, Dedup((Field("user"),)))))
    assert rendered == (
        'parse @message "user=* id=*" as user, id\n| parse @message /(?<rid>[0-9a-f-]+)/'
        "\n| dedup user"
    )


def test_empty_query_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty query"):
        render(Query(()))


def test_number_must_be_non_negative_and_finite() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Number(-1)
    with pytest.raises(ValueError, match="finite"):
        Number(float("nan"))


def test_bind_replaces_params_with_literals() -> None:
    query = Query(
        (
            Filter(Binary("=", Field("correlation_id"), Param("cid"))),
            Filter(Binary(">", Field("n"), Param("min"))),
        )
    )
    assert parameters(query) == ["cid", "min"]
    assert render(query) == "filter correlation_id = {{cid}}\n| filter n > {{min}}"
    bound = bind(query, {"cid": 'wf-"1"', "min": -2, "unused": 1})
    assert render(bound) == 'filter correlation_id = "wf-\\"1\\""\n| filter n > -2'
    assert parameters(bound) == []


def test_bind_names_every_unbound_parameter() -> None:
    query = Query((Filter(Binary("and", Param("a"), Param("b"))),))
    with pytest.raises(UnboundParameterError, match="a, b") as info:
        bind(query, {})
    assert info.value.missing == ["a", "b"]
