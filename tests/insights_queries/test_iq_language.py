"""Query text that AWS accepts and obskit used to refuse or answer wrongly (issue 16).

Each test names the AWS documentation the behaviour comes from and fails on the old code: a
syntax error where AWS runs the query, or (the glob ``parse``) a silently wrong answer.
"""

from __future__ import annotations

import orjson
import pytest

from insights_queries import Field, Query, Unnest, parse, render
from insights_queries.engine import run
from insights_queries.errors import QuerySyntaxError
from insights_queries.regexes import translate


def test_sort_by_is_sort() -> None:
    # the Lambda Operator Guide writes "sort by @timestamp desc"
    assert parse("fields @timestamp | sort by @timestamp desc") == parse(
        "fields @timestamp | sort @timestamp desc"
    )
    rows = run("fields n | sort by n desc", [{"n": 1}, {"n": 3}, {"n": 2}]).column("n")
    assert rows == [3, 2, 1]


def test_double_equals_is_equality() -> None:
    # the Operator Guide's "last 100 errors": filter @message like /ERROR/ or level == "ERROR"
    assert parse('filter level == "ERROR"') == parse('filter level = "ERROR"')
    events = [{"level": "ERROR", "@message": "a"}, {"level": "INFO", "@message": "b"}]
    assert run('filter level == "ERROR" | fields @message', events).column("@message") == ["a"]
    assert render(parse("filter a == 1")) == "filter a = 1"


def test_regex_groups_named_with_at_sign() -> None:
    # parse's named groups name fields, and discovered-style fields start with @
    query = r"parse @message /(?<@method>[A-Z]+) (?<@path>\S+)/ | display @method, @path"
    rows = run(query, [{"@message": "GET /orders 200"}]).rows
    assert rows == [{"@method": "GET", "@path": "/orders"}]
    assert parse(query).commands[0] == parse(render(parse(query))).commands[0]


def test_regex_parse_as_names_must_match_the_groups() -> None:
    with pytest.raises(QuerySyntaxError, match="2 named group"):
        parse(r"parse @message /(?<a>\d+) (?<b>\d+)/ as x")


def test_inline_flags_anywhere_are_translated() -> None:
    # AWS documents filter f1 =~ /^(?i)Exception$/ (regular expressions in the filter command)
    events = [{"f1": "EXCEPTION"}, {"f1": "exception"}, {"f1": "xException"}, {"f1": "Except"}]
    got = run("filter f1 =~ /^(?i)Exception$/ | display f1", events).column("f1")
    assert got == ["EXCEPTION", "exception"]


def test_inline_flags_keep_alternatives_apart() -> None:
    # the flag covers the rest of its group, every alternative after it included
    pattern = translate("x(?i)y|z").pattern
    assert pattern == "x(?i:y)|(?i:z)"
    events = [{"m": v} for v in ("xY", "XY", "Z", "y")]
    assert run("filter m =~ /^x(?i)y$|^z$/ | display m", events).column("m") == ["xY", "Z"]


def test_flags_inside_a_character_class_are_characters() -> None:
    assert translate("[(?i)]").pattern == "[(?i)]"


def test_glob_star_followed_by_pattern_is_lazy() -> None:
    # CWL_QuerySyntax-Parse gives the glob's regex twin with lazy (.*?) groups
    line = orjson.dumps({"requestId": "r-1", "status": "ok", "note": "x"}).decode()
    rows = run('parse @message \'"requestId":"*"\' as requestId', [{"@message": line}]).rows
    assert rows[0]["requestId"] == "r-1"


def test_glob_trailing_star_takes_the_rest() -> None:
    rows = run('parse @message "user=* says *" as u, what', [{"@message": "user=a says b c"}])
    assert (rows.rows[0]["u"], rows.rows[0]["what"]) == ("a", "b c")


def test_json_parse_and_unnest_documented_example() -> None:
    # CWL_QuerySyntax-Unnest, first example, on its example log event
    message = orjson.dumps({"events": [{"name": "exception"}, {"name": "user action"}]})
    query = (
        "fields jsonParse(@message) as json_message"
        " | unnest json_message.events into event | display event.name"
    )
    rows = run(query, [{"@message": message.decode()}]).rows
    assert rows == [{"event.name": "exception"}, {"event.name": "user action"}]


def test_unnest_for_aggregation_documented_example() -> None:
    # CWL_QuerySyntax-Unnest, third example
    data = [
        {"accountId": "a", "droppedSpans": 2},
        {"accountId": "b", "droppedSpans": 5},
        {"accountId": "a", "droppedSpans": 4},
    ]
    query = (
        "fields jsonParse(trimmedData) as accounts | unnest accounts into account"
        " | stats sum(account.droppedSpans) as n by account.accountId | sort n desc | limit 10"
    )
    rows = run(query, [{"trimmedData": orjson.dumps(data).decode()}]).rows
    assert rows == [{"account.accountId": "a", "n": 6}, {"account.accountId": "b", "n": 5}]


def test_unnest_filter_items() -> None:
    # CWL_QuerySyntax-Unnest, second example
    message = orjson.dumps(
        {"accounts": [{"type": "internal", "id": 1}, {"type": "external", "id": 2}]}
    ).decode()
    query = (
        "fields jsonParse(@message) as js | unnest js.accounts into account"
        ' | filter account.type = "internal" | display account.id'
    )
    assert run(query, [{"@message": message}]).column("account.id") == [1]


def test_unnest_non_list_is_one_item_and_missing_is_none() -> None:
    events = [{"v": "scalar"}, {"w": 1}, {"v": []}, {"v": [1, 2]}]
    rows = run("unnest v into item | display item", events).column("item")
    assert rows == ["scalar", 1, 2]


def test_json_parse_of_text_that_is_not_json_is_missing() -> None:
    rows = run("fields jsonParse(m) as j | display j", [{"m": "{not json"}, {"m": "[1]"}])
    assert rows.column("j") == [None, [1]]


def test_unnest_renders_and_parses_back() -> None:
    query = Query((Unnest(Field("a.list"), "item"),))
    assert render(query) == "unnest a.list into item"
    assert parse(render(query)) == query
    odd = Query((Unnest(Field("into"), "x y"),))
    assert parse(render(odd)) == odd


def test_unnest_needs_into() -> None:
    with pytest.raises(QuerySyntaxError, match="'into'"):
        parse("unnest a as b")
