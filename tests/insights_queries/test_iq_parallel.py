"""Full-scan stats on several cores: byte ranges merged in order give the one-pass answer."""

from __future__ import annotations

import gzip
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries import parallel
from insights_queries.ast import Stats
from insights_queries.local import query_files
from insights_queries.parallel import line_file_ranges, plan_parallel
from insights_queries.parser import parse
from insights_queries.sources import SourceError


@pytest.fixture(autouse=True)
def _three_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three ranges per file whatever the machine has, so the merge is always exercised."""
    monkeypatch.setattr(parallel, "workers", lambda: 3)


def test_which_queries_run_in_parallel() -> None:
    assert plan_parallel(parse('filter level = "ERROR" | stats count(*) by service | sort 1'))
    assert plan_parallel(parse("fields a | stats avg(ms), pct(ms, 95) by service")) is not None
    for query in (
        "stats stddev(ms)",  # not merged exactly
        "stats latest(level) by service",  # needs @timestamp order
        "stats count(*) + 1 as n",  # a computed column
        "fields tolower(a) as a | stats count(*) by a",
        "filter a = 1",  # no stats
        "sort a | stats count(*)",
    ):
        assert plan_parallel(parse(query)) is None, query


def test_ranges_end_on_line_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text("".join(f'{{"n": {i}}}\n' for i in range(100)))
    ranges = line_file_ranges(path, 3)
    assert ranges is not None and len(ranges) == 3
    data = path.read_bytes()
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    for (_a, end), (start, _b) in zip(ranges, ranges[1:], strict=False):
        assert end == start and data[end - 1 : end] == b"\n"
    packed = tmp_path / "a.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    assert line_file_ranges(packed, 3) is None


def test_a_plain_file_is_read_by_the_workers(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        "".join(json.dumps({"service": f"s{i % 4}", "ms": i}) + "\n" for i in range(90))
    )
    done = parallel.run_parallel(
        parse("stats count(*) as n, pct(ms, 50) as p by service"),
        [path],
        log_group=None,
        want_message=False,
        want_log=False,
        min_bytes=0,
    )
    assert done is not None
    assert (
        done[0].rows
        == query_files(
            "stats count(*) as n, pct(ms, 50) as p by service", [path], parallel_min_bytes=None
        ).rows
    )
    assert done[0].rows[0] == {"service": "s0", "n": 23, "p": 44}


def _same(a: Any, b: Any) -> bool:
    """Equal, floats up to their last bits (additions in another order)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


_value = st.one_of(
    st.none(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from(["svc-a", "svc-b", "ERROR", "INFO", "caf\u00e9", "7"]),
    st.lists(st.integers(0, 2), max_size=2),
)
_record = st.dictionaries(st.sampled_from(["service", "level", "ms", "extra"]), _value, max_size=4)
_odd = st.sampled_from(
    ["", "plain text", '{"service": "svc-a", ', "REPORT RequestId: 1-2 Duration: 3.5 ms", "[1]"]
)
_QUERIES = [
    "stats count(*) as n by service, level",
    'filter level = "ERROR" or ms > 10 | stats count(*) as n, count(ms) as c by service',
    "stats avg(ms) as a, sum(ms) as s, min(ms) as lo, max(ms) as hi, pct(ms, 90) as p by service",
    "stats count_distinct(level) as d by service | sort d desc, service | limit 2",
    "stats count(*) as n",
    "stats count(*) as n by @message | sort n desc | limit 3",
    # the compiled plan (insights_queries.compiled_stats): columns of values per group
    "stats count(ms) as c, count_distinct(ms) as d, pct(ms, 50) as p, pct(ms, 99) as q by level",
    "stats avg(ms) as a, max(level) as m, count(*) as n by service, extra",
    # a byte prefilter: each worker searches its range (scanned = lines holding a needle)
    'filter level = "ERROR" | stats count(*) as n by service',
    "filter service like /svc-[ab]/ | stats avg(ms) as a, pct(ms, 50) as p by level",
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.lists(st.lists(st.one_of(_record, _odd), max_size=25), min_size=1, max_size=2),
    bom=st.booleans(),
    query=st.sampled_from(_QUERIES),
)
def test_parallel_result_equals_one_pass(
    tmp_path: Path, files: list[list[Any]], bom: bool, query: str
) -> None:
    """Differential: the merged ranges and the one-pass reader on the same generated files."""
    paths = []
    for index, lines in enumerate(files):
        path = tmp_path / f"f{index}.jsonl"
        text = "".join((json.dumps(x) if isinstance(x, dict) else x) + "\n" for x in lines)
        path.write_bytes((b"\xef\xbb\xbf" if bom and index == 0 else b"") + text.encode())
        paths.append(path)
    try:
        one = query_files(query, paths, parallel_min_bytes=None)
    except SourceError as error:  # a file that is no JSON document and no lines either
        with pytest.raises(SourceError, match=re.escape(str(error))):
            query_files(query, paths, parallel_min_bytes=0)
        return
    many = query_files(query, paths, parallel_min_bytes=0)
    assert many.columns == one.columns
    assert _same(many.rows, one.rows), (many.rows, one.rows)
    assert many.statistics == one.statistics


def _lines_file(path: Path, records: list[Any]) -> Path:
    path.write_text("".join((json.dumps(r) if isinstance(r, dict) else r) + "\n" for r in records))
    return path


def test_a_field_that_changes_type_later_is_read_the_same(tmp_path: Path) -> None:
    """Dynamic fields: ``ms`` is an integer, then a string, a float, a list, missing; ``service``
    a string, then an object. The compiled plan of every worker gives the one-pass answer."""
    records: list[Any] = []
    for i in range(300):
        ms: Any = i if i < 100 else str(i) if i < 150 else i + 0.5 if i < 200 else [i]
        record: dict[str, Any] = {"service": f"s{i % 3}", "level": "INFO", "ms": ms}
        if i >= 250:
            record = {"service": {"name": f"s{i % 3}"}, "level": "INFO"}
        records.append(record)
    records[10:10] = ["not json", '{"service": "s1", "ms": ', "", '  {"service": "s9", "ms": 1}']
    path = _lines_file(tmp_path / "a.jsonl", records)
    for query in _QUERIES:
        one = query_files(query, [path], parallel_min_bytes=None)
        many = query_files(query, [path], parallel_min_bytes=0)
        assert _same(many.rows, one.rows), (query, many.rows, one.rows)
        assert many.statistics == one.statistics


def test_the_compiled_plan_groups_as_the_engine_does(tmp_path: Path) -> None:
    """``compiled_groups`` (columns of values per group) against ``group_events`` (an event per
    line, ``add`` per event) on the same lines: the same groups, in order, the same results."""
    from insights_queries.compiled_stats import column_plan, compiled_groups
    from insights_queries.engine import group_events
    from insights_queries.projection import ProjectedFiles

    records: list[Any] = [{"service": f"s{i % 3}", "ms": i % 7, "x": [i]} for i in range(40)]
    records += ["plain text", '{"ms": 1.0, "service": "s1"}', '{"ms": "7", "service": null}']
    path = _lines_file(tmp_path / "a.jsonl", records)
    stats = parse(
        "stats count(*) as n, count(ms) as c, count_distinct(x) as d, sum(ms) as s, "
        "avg(ms) as a, min(ms) as lo, max(ms) as hi, pct(ms, 60) as p by service"
    ).commands[0]
    assert isinstance(stats, Stats)
    fields = ["ms", "service", "x"]
    plan = column_plan(stats, fields)
    assert plan == ([1], [None, 0, 2, 0, 0, 0, 0, 0])
    compiled, seen = compiled_groups(stats, ProjectedFiles([path], fields=fields), plan)
    general, seen_too = group_events(stats, iter(ProjectedFiles([path], fields=fields)))
    assert seen == seen_too == 43
    assert list(compiled) == list(general) == [("s0",), ("s1",), ("s2",), (None,)]
    for key, accumulators in compiled.items():
        assert [a.result() for a in accumulators] == [a.result() for a in general[key]]


def test_only_direct_aggregates_of_read_fields_compile() -> None:
    from insights_queries.compiled_stats import column_plan

    def plan(query: str) -> Any:
        stats = parse(query).commands[0]
        assert isinstance(stats, Stats)
        return column_plan(stats, ["ms", "service"])

    assert plan("stats avg(ms), pct(ms, 95) by service") == ([1], [0, 0])
    assert plan("stats count() by service") == ([1], [None])
    for query in (
        "stats sum(ms) * 2 as s by service",  # an expression around the aggregate
        "stats earliest(ms) by service",  # reads @timestamp
        "stats avg(ms) by bin(5m)",  # a computed group key
        "stats avg(other) by service",  # a field the reader does not decode
    ):
        assert plan(query) is None, query


def test_pct_of_integers_keeps_a_count_per_value_not_every_value() -> None:
    """Memory stays flat: a million integer durations are a few hundred counts, not a list."""
    from insights_queries.aggregates import Percentile

    pct = Percentile(lambda event: event.get("ms"), 95)
    pct.extend([i % 900 + 1 for i in range(1_000_000)])
    pct.add({"ms": 5})
    assert pct.values == [] and len(pct.counts) == 900
    assert pct.result() == 855  # nearest rank: the 950,001st of the sorted values


def test_pct_keeps_the_first_of_equal_numbers_once_a_float_comes() -> None:
    """``1`` then ``1.0``: sorted stably, the integer (first seen) ranks first, as in one list;
    a later range's integers merge after an earlier range's list."""
    from insights_queries.aggregates import Percentile

    def percentile(values: list[Any], percent: float) -> Any:
        pct = Percentile(lambda event: event.get("v"), percent)
        for v in values:
            pct.add({"v": v})
        return pct

    first, second = percentile([1, 3, 1.0], 33).result(), percentile([1, 3, 1.0], 34).result()
    assert (first, type(first), second, type(second)) == (1, int, 1.0, float)
    assert type(percentile([1.0, 3, 1], 33).result()) is float
    earlier, later = percentile([2.0, 5], 20), percentile([2, 2, 9], 20)
    earlier.merge(later)
    assert earlier.values == [2.0, 5, 2, 2, 9] and isinstance(earlier.result(), float)
    both_ints = percentile([4, 4], 50)
    both_ints.merge(percentile([1], 50))
    assert both_ints.values == [] and both_ints.counts == {4: 2, 1: 1} and both_ints.result() == 4


def test_a_prefiltered_stats_runs_in_the_workers_with_one_pass_statistics(tmp_path: Path) -> None:
    """``filter level = "ERROR" | stats``: each worker searches its range for the needle; rows and
    statistics (lines scanned = lines holding a needle, malformed lines) are the one pass's."""
    from insights_queries.prefilter import required_needles

    records: list[Any] = []
    for i in range(400):
        level = "ERROR" if i % 7 == 0 else "INFO"
        records.append({"service": f"s{i % 3}", "level": level, "message": "ok"})
    records[5:5] = [
        '{"level": "ERROR", "service": ',
        "ERROR as plain text",
        '{"level":"\\u0045RROR"}',
    ]
    path = tmp_path / "a.jsonl"
    text = "".join((json.dumps(r) if isinstance(r, dict) else r) + "\n" for r in records)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode() + b'{"level": "ERROR", "service": "s9"}')
    query = parse('filter level = "ERROR" | stats count(*) as n by service')
    needles = required_needles(query)
    assert needles is not None
    done = parallel.run_parallel(
        query,
        [path],
        needles=needles,
        log_group=None,
        want_message=False,
        want_log=False,
        min_bytes=0,
    )
    assert done is not None
    many = done[0]
    one = query_files(query, [path], parallel_min_bytes=None)
    assert many.rows == one.rows
    assert [r["service"] for r in many.rows] == ["s0", None, "s1", "s2", "s9"]
    assert many.statistics == one.statistics
    assert many.statistics.records_scanned == 58 + 3 + 1  # of 404 lines: those holding a needle
    assert many.statistics.malformed_lines == 1
