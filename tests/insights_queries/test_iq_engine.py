"""The local engine: AWS's documented semantics for each command, function and operator."""

from __future__ import annotations

import math
import random
import statistics
from typing import Any

import pytest

from insights_queries import (
    Binary,
    Call,
    Field,
    Projection,
    Query,
    QuerySyntaxError,
    Star,
    Stats,
)
from insights_queries.engine import DEFAULT_LIMIT, run
from insights_queries.evaluate import QueryError
from insights_queries.timestamps import Millis, format_millis

T0 = 1_766_003_938_084  # 2025-12-17 20:38:58.084 UTC


def events(n: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "@timestamp": Millis(T0 + 1000 * i),
            "@message": f"line {i} user=u{i % 3} took {i * 10} ms",
            "service": f"svc{i % 3}",
            "level": "ERROR" if i % 5 == 0 else "INFO",
            "duration": i * 10,
            "extra": {"correlation_id": f"wf-{i % 2}"},
        }
        for i in range(n)
    ]


def one(query: str, evs: list[dict[str, Any]] | None = None) -> Any:
    """The single value of a one-row, one-column result."""
    result = run(query, evs if evs is not None else events())
    assert len(result.rows) == 1, result.rows
    (value,) = result.rows[0].values()
    return value


# ------------------------------------------------------------------ filter and comparisons


def test_missing_field_is_no_error_and_every_comparison_with_it_is_false() -> None:
    evs = [{"a": 1}, {"b": 2}]
    for op in ("=", "!=", "<", "<=", ">", ">="):
        assert len(run(f"filter missing {op} 1 | display a", evs).rows) == 0, op
    assert run("filter not ispresent(missing) | stats count(*)", evs).rows == [{"count(*)": 2}]


def test_string_and_number_comparisons_coerce_numeric_strings() -> None:
    evs = [{"code": "404"}, {"code": 200}, {"code": "abc"}]
    assert run("filter code >= 400 | display code", evs).column("code") == ["404"]
    assert run("filter code = 200 | display code", evs).column("code") == [200]
    assert run('filter code = "abc" | display code', evs).column("code") == ["abc"]
    assert run('filter code != "abc" | display code', evs).column("code") == ["404", 200]


def test_boolean_json_values_behave_as_one_and_zero() -> None:
    evs = [{"cold_start": True}, {"cold_start": False}]
    assert one("filter cold_start = 1 | stats count(*)", evs) == 1


def test_nested_fields_by_dotted_path() -> None:
    assert one('filter extra.correlation_id = "wf-1" | stats count(*)') == 10
    evs = [{"a": {"b": [{"c": "x"}]}}]
    assert run("fields a.b.0.c as c", evs).column("c") == ["x"]


def test_like_in_and_regex_match() -> None:
    assert one('filter @message like "user=u1" | stats count(*)') == 7
    assert one("filter @message like /user=u[12] took/ | stats count(*)") == 13
    assert one("filter @message not like /user=u[12]/ | stats count(*)") == 7
    assert one("filter @message =~ /took 1\\d0 ms/ | stats count(*)") == 10
    assert one('filter service in ["svc0", "svc2"] | stats count(*)') == 13
    assert one('filter service not in ["svc0", "svc2"] | stats count(*)') == 7
    assert one("filter @message like /(?i)LINE 1 / | stats count(*)") == 1


def test_boolean_operators_and_precedence() -> None:
    query = 'filter level = "ERROR" or service = "svc1" and duration > 100 | stats count(*)'
    expected = sum(
        1
        for e in events()
        if e["level"] == "ERROR" or (e["service"] == "svc1" and e["duration"] > 100)
    )
    assert one(query) == expected
    assert one('filter not (level = "ERROR" or service = "svc1") | stats count(*)') == sum(
        1 for e in events() if not (e["level"] == "ERROR" or e["service"] == "svc1")
    )


def test_arithmetic_operators() -> None:
    evs = [{"a": 10, "b": 3}]
    row = run(
        "fields a + b as s, a - b as d, a * b as p, a / b as q, a % b as r, 2 ^ 3 as e,"
        " -a as n, a / 0 as z, missing + 1 as m",
        evs,
    ).rows[0]
    assert row == {
        "s": 13,
        "d": 7,
        "p": 30,
        "q": 10 / 3,
        "r": 1,
        "e": 8,
        "n": -10,
        "z": None,
        "m": None,
    }


# ------------------------------------------------------------------ functions


def test_general_and_string_functions() -> None:
    evs = [{"s": "  Hello World  ", "e": "", "b": "   ", "n": None}]
    row = run(
        "fields ispresent(s) as p, ispresent(nope) as np, isempty(e) as e1, isempty(nope) as e2,"
        " isempty(s) as e3, isblank(b) as b1, isblank(s) as b2, coalesce(nope, n, s) as c,"
        " strlen(s) as l, tolower(s) as lo, toupper(s) as up, trim(s) as t, ltrim(s) as lt,"
        ' rtrim(s) as rt, concat(trim(s), "!", 1) as cc, substr(trim(s), 6) as s1,'
        ' substr(trim(s), 0, 5) as s2, replace(s, "l", "L") as r, strcontains(s, "World") as y,'
        ' strcontains(s, "world") as no',
        evs,
    ).rows[0]
    assert row == {
        "p": True,
        "np": False,
        "e1": True,
        "e2": True,
        "e3": False,
        "b1": True,
        "b2": False,
        "c": "  Hello World  ",
        "l": 15,
        "lo": "  hello world  ",
        "up": "  HELLO WORLD  ",
        "t": "Hello World",
        "lt": "Hello World  ",
        "rt": "  Hello World",
        "cc": "Hello World!1",
        "s1": "World",
        "s2": "Hello",
        "r": "  HeLLo WorLd  ",
        "y": 1,
        "no": 0,
    }


def test_numeric_functions() -> None:
    row = run(
        "fields abs(x) as a, ceil(y) as c, floor(y) as f, greatest(x, y, 3) as g,"
        " least(x, y, 3) as l, abs(missing) as m",
        [{"x": -4, "y": 2.5}],
    ).rows[0]
    assert row == {"a": 4, "c": 3, "f": 2, "g": 3, "l": -4, "m": None}


def test_datetime_functions() -> None:
    row = run(
        "fields datefloor(@timestamp, 1h) as h, dateceil(@timestamp, 1m) as m,"
        " datefloor(@timestamp, 1mo) as mo, toMillis(@timestamp) as ms, fromMillis(0) as epoch,"
        " bin(5m) as b",
        [{"@timestamp": Millis(T0)}],
    ).rows[0]
    assert format_millis(row["h"]) == "2025-12-17 20:00:00.000"
    assert format_millis(row["m"]) == "2025-12-17 20:39:00.000"
    assert format_millis(row["mo"]) == "2025-12-01 00:00:00.000"
    assert row["ms"] == T0
    assert format_millis(row["epoch"]) == "1970-01-01 00:00:00.000"
    assert format_millis(row["b"]) == "2025-12-17 20:35:00.000"


def test_timestamp_derived_from_the_lines_own_time_field() -> None:
    evs = [{"timestamp": "2025-12-17T20:38:58.084Z", "@message": "x"}]
    assert run("fields toMillis(@timestamp) as t", evs).column("t") == [T0]


# ------------------------------------------------------------------ stats


def test_stats_columns_named_as_aws_names_them() -> None:
    result = run("stats count(*), avg(duration), pct(duration, 95) by service, bin(5m)", events())
    assert result.columns == [
        "service",
        "bin(5m)",
        "count(*)",
        "avg(duration)",
        "pct(duration, 95)",
    ]


def test_aggregates_match_independent_computation() -> None:
    rng = random.Random(7)
    evs = [
        {"v": rng.randint(0, 1000), "g": rng.choice("ab"), "@timestamp": Millis(T0 + i)}
        for i in range(500)
    ]
    evs.append({"g": "a", "@timestamp": Millis(T0 - 1)})  # no v: counted by count(*) only
    rows = {
        r["g"]: r
        for r in run(
            "stats count(*) as n, count(v) as nv, count_distinct(v) as d, sum(v) as s, avg(v) as a,"
            " min(v) as lo, max(v) as hi, stddev(v) as sd, pct(v, 50) as p50, pct(v, 99) as p99,"
            " earliest(v) as first, latest(v) as last by g",
            evs,
        ).rows
    }
    for group in "ab":
        values = [e["v"] for e in evs if e["g"] == group and "v" in e]
        ordered = sorted(values)
        row = rows[group]
        assert row["n"] == sum(1 for e in evs if e["g"] == group)
        assert row["nv"] == len(values)
        assert row["d"] == len(set(values))
        assert row["s"] == sum(values)
        assert row["a"] == pytest.approx(statistics.mean(values))
        assert (row["lo"], row["hi"]) == (min(values), max(values))
        assert row["sd"] == pytest.approx(statistics.stdev(values))
        # nearest rank: the smallest value with at least p% of the values at or below it
        assert row["p50"] == ordered[math.ceil(0.5 * len(ordered)) - 1]
        assert row["p99"] == ordered[math.ceil(0.99 * len(ordered)) - 1]
        timed = [e for e in evs if e["g"] == group and "v" in e]
        assert row["first"] == min(timed, key=lambda e: e["@timestamp"])["v"]
        assert row["last"] == max(timed, key=lambda e: e["@timestamp"])["v"]


def test_stats_expressions_over_aggregates_and_earlier_aliases() -> None:
    row = run(
        'stats sum(strcontains(level, "ERROR")) / count(*) * 100 as pct_errors,'
        " max(duration) as hi, min(duration) as lo, hi - lo as spread",
        events(),
    ).rows[0]
    assert row == {"pct_errors": 20.0, "hi": 190, "lo": 0, "spread": 190}


def test_stats_on_nothing_gives_one_zero_row_without_by() -> None:
    assert run("filter nope = 1 | stats count(*) as n", events()).rows == [{"n": 0}]
    assert run("filter nope = 1 | stats count(*) as n by service", events()).rows == []


def test_stats_then_filter_and_sort() -> None:
    result = run("stats count(*) as n by service | filter n > 6 | sort service desc", events())
    assert result.rows == [{"service": "svc1", "n": 7}, {"service": "svc0", "n": 7}]


def test_stats_outside_aggregate_is_an_error() -> None:
    # the parser refuses it; a model built by hand is refused by the engine
    with pytest.raises(QuerySyntaxError, match="needs an aggregate"):
        run("stats count(*) as n, n + level as x", events())
    hand_built = Query(
        (
            Stats(
                (
                    Projection(Call("count", (Star(),)), "n"),
                    Projection(Binary("+", Field("n"), Field("level")), "x"),
                )
            ),
        )
    )
    with pytest.raises(QueryError, match="level outside an aggregate"):
        run(hand_built, events())


# ------------------------------------------------------------------ sort, limit, dedup, fields


def test_sort_is_the_documented_natural_sort() -> None:
    # the ascending order shown on https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Sort.html
    documented = [
        "!:",
        "#",
        "*%04",
        "0#",
        "5A",
        "111A",
        "2345_",
        "@",
        "@_",
        "A",
        "A9876fghj",
        "a12345hfh",
        "0",
    ]
    shuffled = documented[:]
    random.Random(3).shuffle(shuffled)
    evs = [{"v": v} for v in shuffled]
    assert run("sort v asc | display v", evs).column("v") == documented
    assert run("sort v desc | display v", evs).column("v") == documented[::-1]


def test_sort_several_keys_and_missing_values_last() -> None:
    evs = [{"a": 1, "b": 2}, {"a": 2, "b": 1}, {"a": 1, "b": 3}, {"b": 9}]
    assert run("sort a desc, b asc | display a, b", evs).rows == [
        {"a": 2, "b": 1},
        {"a": 1, "b": 2},
        {"a": 1, "b": 3},
        {"a": None, "b": 9},
    ]
    assert run("sort a asc, b desc | display a, b", evs).column("b") == [3, 2, 1, 9]


def test_default_limit_is_ten_thousand_and_limit_stops_reading() -> None:
    many = ({"@message": str(i)} for i in range(DEFAULT_LIMIT + 5))
    assert len(run("fields @message", many).rows) == DEFAULT_LIMIT
    consumed = 0

    def counting() -> Any:
        nonlocal consumed
        for i in range(1_000_000):
            consumed += 1
            yield {"i": i}

    assert run("limit 3 | display i", counting()).column("i") == [0, 1, 2]
    assert consumed <= 4


def test_default_columns_fields_and_display() -> None:
    assert run("limit 1", events()).columns == ["@timestamp", "@message"]
    assert run("fields service, duration * 2 as d2 | limit 1", events()).rows == [
        {"service": "svc0", "d2": 0}
    ]
    assert run("fields service, level | display level | limit 1", events()).columns == ["level"]


def test_dedup_keeps_first_of_each_combination() -> None:
    result = run("fields service, duration | sort duration asc | dedup service", events())
    assert result.rows == [
        {"service": "svc0", "duration": 0},
        {"service": "svc1", "duration": 10},
        {"service": "svc2", "duration": 20},
    ]


def test_dedup_without_sort_keeps_the_newest_and_events_missing_the_field() -> None:
    evs = events(6) + [{"@timestamp": Millis(T0), "@message": "no service"}]
    result = run("fields service, duration, @message | dedup service | limit 10", evs)
    # CWL_QuerySyntax-Dedup: unsorted results dedup in @timestamp order, newest first;
    # events with a null field are never duplicates
    assert result.rows == [
        {"service": "svc2", "duration": 50, "@message": "line 5 user=u2 took 50 ms"},
        {"service": "svc1", "duration": 40, "@message": "line 4 user=u1 took 40 ms"},
        {"service": "svc0", "duration": 30, "@message": "line 3 user=u0 took 30 ms"},
        {"service": None, "duration": None, "@message": "no service"},
    ]


def test_parse_glob_and_regex() -> None:
    glob = run(
        'parse @message "user=* took * ms" as user, ms | filter ms > 150 | display user, ms',
        events(),
    )
    assert glob.rows == [
        {"user": "u1", "ms": "160"},
        {"user": "u2", "ms": "170"},
        {"user": "u0", "ms": "180"},
        {"user": "u1", "ms": "190"},
    ]
    regex = run("parse @message /took (?<ms>\\d+) ms/ | stats sum(ms) as total", events())
    assert regex.rows == [{"total": sum(10 * i for i in range(20))}]
    # a line the pattern does not match keeps its event, without the fields
    assert run(
        'parse @message "nomatch=*" as x | filter ispresent(x) | stats count(*)', events()
    ).rows == [{"count(*)": 0}]


def test_statistics_count_scanned_and_matched() -> None:
    result = run('filter level = "ERROR" | sort duration desc | limit 1', events())
    assert result.statistics.records_scanned == 20
    assert result.statistics.records_matched == 4
    assert result.column("duration") == [None] or result.rows  # default columns
    assert result.rows[0]["@message"] == "line 15 user=u0 took 150 ms"


def test_unbound_parameter_is_a_clear_error() -> None:
    with pytest.raises(QueryError, match="cid"):
        run("filter correlation_id = {{cid}}", events())
    assert run(
        "filter extra.correlation_id = {{cid}} | stats count(*)", events(), {"cid": "wf-0"}
    ).rows == [{"count(*)": 10}]
