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
