"""Queries that used to crash obskit (a traceback) or hang it: each now fails with one clear line
naming the bound, or evaluates to a missing value as an out-of-range result does.

Every case here raised RecursionError, ValueError, OverflowError or TypeError, or ran for minutes,
on the old code.
"""

from __future__ import annotations

import pytest

from insights_queries import QueryError, QuerySyntaxError, parse
from insights_queries.ast import (
    MAX_COMMANDS,
    MAX_DEPTH,
    MAX_LIMIT,
    MAX_NESTING,
    Binary,
    Field,
    Filter,
    Query,
    Sort,
    SortKey,
)
from insights_queries.engine import run
from insights_queries.values import display

EVENT = {"@message": "m", "@timestamp": 1_765_000_000_000, "a": 1}


def refused(text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        parse(text)
    error = info.value
    assert isinstance(error, QueryError)
    assert "\n" not in str(error) and len(str(error)) < 500, str(error)
    return error


def value_of(expression: str) -> object:
    return run(f"fields {expression} as v | display v", [dict(EVENT)]).rows[0]["v"]


@pytest.mark.parametrize(
    "text",
    [
        "filter " + "(" * 150 + "a" + ")" * 150,
        "fields " + "tolower(" * 150 + "a" + ")" * 150,
        "fields " + "- " * 5000 + "1",
        "filter " + "not " * 5000 + "a",
        "fields " + " ^ ".join(["2"] * 3000),
        "filter " + "a in [" * 200 + "1" + "]" * 200,
    ],
)
def test_deep_nesting_is_refused_with_the_limit(text: str) -> None:
    assert f"more than {MAX_NESTING} levels" in str(refused(text))


@pytest.mark.parametrize(
    "text",
    [
        "filter " + " or ".join(f"a = {i}" for i in range(3000)),
        "filter " + " and ".join(["a"] * 3000),
        "fields " + " + ".join(["1"] * 3000),
        "fields " + " * ".join(["a"] * 3000) + " as x",
        "stats count(*) by " + " - ".join(["a"] * 3000),
    ],
)
def test_long_chains_are_refused_with_the_limit(text: str) -> None:
    assert f"at most {MAX_DEPTH} levels" in str(refused(text))


def test_chains_up_to_the_limit_run() -> None:
    text = "filter " + " or ".join(f"a = {i}" for i in range(MAX_DEPTH - 2, -1, -1))
    assert run(text, [dict(EVENT)]).statistics.records_matched == 1


def test_a_model_built_too_deep_is_refused_by_the_engine() -> None:
    condition: Binary | Field = Field("a")
    for _ in range(3000):
        condition = Binary("or", condition, Field("a"))
    with pytest.raises(QueryError, match=f"{MAX_DEPTH} levels"):
        run(Query((Filter(condition),)), [dict(EVENT)])


@pytest.mark.parametrize("text", ["fields " + "9" * 5000, "fields 1e309", "fields 1" + "0" * 400])
def test_numbers_past_a_double_are_refused(text: str) -> None:
    assert "1.798e+308" in str(refused(text))


@pytest.mark.parametrize("count", ["9223372036854775808", "100001"])
def test_limit_past_the_aws_maximum_is_refused(count: str) -> None:
    assert f"{MAX_LIMIT:,}" in str(refused(f"limit {count}"))


def test_limit_with_thousands_of_digits_is_refused() -> None:
    assert "too large" in str(refused("limit " + "9" * 5000))


def test_limit_up_to_the_aws_maximum_returns_that_many_rows() -> None:
    events = [{"@message": str(i)} for i in range(10_005)]
    assert len(run("limit 10003", events).rows) == 10_003
    assert len(run("fields @message", events).rows) == 10_000


@pytest.mark.parametrize("text", ["stats count(*) by bin(0m)", "fields datefloor(a, 00h)"])
def test_empty_time_period_is_refused(text: str) -> None:
    assert "time period" in str(refused(text))


def test_time_period_with_too_many_digits_is_refused() -> None:
    assert "at most 9 digits" in str(refused("stats count(*) by bin(" + "9" * 5000 + "m)"))


@pytest.mark.parametrize(
    "expression",
    [
        "fromMillis(1e300)",
        "fromMillis(99999999999999999999)",
        "fromMillis(-99999999999999999999)",
        "datefloor(fromMillis(99999999999999999), 1d)",
        "dateceil(fromMillis(253402300799000), 1y)",
        "datefloor(@timestamp, 999999999y)",
        "dateceil(@timestamp, 999999999mo)",
        "toMillis(1e300)",
        "10 ^ 5000",
        "9 ^ 9 ^ 9 ^ 9",
        "1e308 * 10",
        "(0 - 8) ^ 0.5",
        "2 ^ 1023 * 2 ^ 1023",
    ],
)
def test_results_out_of_range_are_missing_not_a_crash(expression: str) -> None:
    value = value_of(expression)
    assert value is None, value
    assert display(value) == ""


def test_exact_powers_within_range_stay_exact() -> None:
    assert value_of("2 ^ 1000") == 2**1000
    assert value_of("2 ^ -1") == 0.5


def test_bin_with_a_huge_period_groups_everything_or_nothing() -> None:
    rows = run("stats count(*) as n by bin(999999999y)", [dict(EVENT)]).rows
    assert [r["n"] for r in rows] == [1]


@pytest.mark.parametrize(
    "text",
    [
        "limit " + "x" * 100_000,
        "filter a = 1 " + "y" * 100_000,
        "fields " + "f" * 100_000 + "(a)",
        "frobnicate" + "z" * 100_000,
        "stats count(*) by bin(5" + "q" * 100_000 + ")",
        "filter a =~ /" + "(" * 50_000 + "/",
    ],
)
def test_a_huge_token_is_cut_short_in_the_error(text: str) -> None:
    error = refused(text)
    assert "characters)" in str(error)
    window, caret = error.pointer().split("\n")
    assert len(window) < 200 and len(caret) < 200
    assert window[len(caret) - 1 : len(caret)] != ""  # the caret points into the window


def test_a_string_that_is_no_regex_after_match_operator_is_a_query_error() -> None:
    # found by the grammar fuzzer: re.error escaped from the engine
    with pytest.raises(QueryError, match="not a valid regular expression"):
        run('filter a =~ "?"', [dict(EVENT)])


@pytest.mark.parametrize("command", ["sort a", "stats count(*) as a by a", "unnest a into a"])
def test_too_many_commands_are_refused(command: str) -> None:
    # 1,500 stages nested 1,500 generators: RecursionError on the old code
    text = "fields a | " + " | ".join([command] * 1500)
    assert f"at most {MAX_COMMANDS} commands" in str(refused(text))


def test_a_model_with_too_many_commands_is_refused_by_the_engine() -> None:
    query = Query(tuple(Sort((SortKey(Field("a")),)) for _ in range(MAX_COMMANDS + 1)))
    with pytest.raises(QueryError, match=f"more than {MAX_COMMANDS} commands"):
        run(query, [dict(EVENT)])


def test_commands_up_to_the_limit_run() -> None:
    text = " | ".join(["sort a"] * MAX_COMMANDS)
    assert run(text, [dict(EVENT)]).statistics.records_scanned == 1


def test_sorting_digit_runs_longer_than_python_converts() -> None:
    # natural sort converted each digit run to an int: ValueError past 4,300 digits
    events = [{"b": "x" + "9" * 5000}, {"b": "x" + "8" * 5000}, {"b": "8" * 5000}, {"b": "7"}]
    rows = run("fields b | sort b asc", events).column("b")
    assert [b[:2] for b in rows] == ["88", "x8", "x9", "7"]
