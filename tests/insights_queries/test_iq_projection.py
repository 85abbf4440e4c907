"""The projecting reader (decode only the fields a query reads) gives the answers full decoding does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries.engine import Plan
from insights_queries.local import query_files
from insights_queries.parser import parse
from insights_queries.projection import ProjectedFiles, needed_fields
from insights_queries.sources import LogFiles
from insights_queries.values import to_text


def fields_of(query: str) -> list[str] | None:
    model = parse(query)
    return needed_fields(model, Plan(model).columns)


def test_the_fields_a_query_reads() -> None:
    assert fields_of("stats count(*) by service, level") == ["service", "level"]
    assert fields_of('filter level = "ERROR" | stats avg(ms) as a by service | sort a') == [
        "level",
        "ms",
        "service",
        "a",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "filter level = 'ERROR'",  # shows @timestamp and @message
        "stats count(*) by bin(5m)",  # reads @timestamp
        "stats latest(level) by service",  # reads @timestamp
        "fields service | dedup service",  # sorts by @timestamp
        "stats count(*) by extra.attempt",  # a nested path
        "filter @message like /x/ | stats count(*)",
        "stats count(*) by @log",
    ],
)
def test_queries_that_need_whole_events(query: str) -> None:
    assert fields_of(query) is None


_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["ERROR", "INFO", "svc-a", "svc-b", "caf\u00e9", "12", "x\\y", ""]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "level"]), st.integers(0, 3), max_size=2),
)
_record = st.dictionaries(
    st.sampled_from(["service", "level", "ms", "message", "extra"]), _value, max_size=5
)
_odd_lines = st.sampled_from(
    [
        "",
        "plain text line",
        '{"service": "svc-a", "level": ',  # cut short
        '{"service": "svc-a", "service": "svc-b"}',  # a duplicate key: the last wins
        "[1, 2]",
        '{"service": "\\ud800"}',  # a lone surrogate
        b'{"service": "bad \xff utf8"}'.decode("latin-1"),
        b'{"service": "svc-a", "message": "unread \xff"}'.decode("latin-1"),
        "START RequestId: 8f5c1a8c-1111-2222-3333-444455556666 Version: $LATEST",
        '{"service": "svc-a", "level": "ERROR", "ms": 18446744073709551616}',
        '{"service": "svc-b", "ms": 9223372036854775808}',
    ]
)
_QUERIES = [
    "stats count(*) as n by service, level",
    'filter level = "ERROR" | stats count(*) as n by service',
    "stats avg(ms) as a, pct(ms, 95) as p, sum(ms) as s, max(ms) as m by service",
    "stats count(ms) as c, count_distinct(level) as d by service | sort c desc | limit 3",
    'filter service in ["svc-a", "svc-b"] and ms > 0 | fields service, ms | sort ms desc',
    "filter ispresent(level) | stats count(*) as n",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(st.one_of(_record, _odd_lines), max_size=30),
    ascii_only=st.booleans(),
    query=st.sampled_from(_QUERIES),
)
def test_projected_result_equals_full_decode(
    tmp_path: Path, lines: list[Any], ascii_only: bool, query: str
) -> None:
    """Differential: the projecting reader and the whole-line reader on the same generated file."""
    path = tmp_path / "mixed.jsonl"
    text = "".join(
        (json.dumps(x, ensure_ascii=ascii_only) if isinstance(x, dict) else x) + "\n" for x in lines
    )
    path.write_bytes(text.encode("utf-8", errors="surrogatepass").replace(b"\xc3\xbf", b"\xff"))
    assert fields_of(query) is not None
    fast = query_files(query, [path])
    slow = query_files(query, [path], project=False)
    assert fast.columns == slow.columns
    assert fast.rows == slow.rows
    assert fast.statistics == slow.statistics


def test_a_number_beyond_a_double_in_an_unread_field_no_longer_loses_the_line(
    tmp_path: Path,
) -> None:
    """The one documented difference: orjson rejects the whole line; the projection reads it."""
    path = tmp_path / "huge.jsonl"
    path.write_text('{"service": "svc-a", "n": 1e400}\n')
    assert query_files("stats count(*) as n by service", [path]).rows == [
        {"service": "svc-a", "n": 1}
    ]
    whole = query_files("stats count(*) as n by service", [path], project=False)
    assert whole.rows == [{"service": None, "n": 1}]
    assert whole.statistics.malformed_lines == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(st.one_of(_record, _odd_lines), max_size=30), ascii_only=st.booleans())
def test_compiled_count_equals_counting_events(
    tmp_path: Path, lines: list[Any], ascii_only: bool
) -> None:
    """``count_by_fields`` (no events built) counts the same groups, in the same order."""
    path = tmp_path / "mixed.jsonl"
    text = "".join(
        (json.dumps(x, ensure_ascii=ascii_only) if isinstance(x, dict) else x) + "\n" for x in lines
    )
    path.write_bytes(text.encode("utf-8", errors="surrogatepass").replace(b"\xc3\xbf", b"\xff"))
    reader = ProjectedFiles([path], fields=["service", "level"])
    compiled = reader.count_by_fields()
    compiled_statistics = (reader.records_scanned, reader.bytes_scanned, reader.malformed_lines)
    expected: dict[tuple[Any, ...], int] = {}
    for event in LogFiles([path]):
        key = tuple(
            v if v is None or isinstance(v, str | int | float) else to_text(v)
            for v in (event.get("service"), event.get("level"))
        )
        expected[key] = expected.get(key, 0) + 1
    assert list(compiled.items()) == list(expected.items())
    whole = LogFiles([path])
    list(whole)
    assert compiled_statistics == (
        whole.records_scanned,
        whole.bytes_scanned,
        whole.malformed_lines,
    )
