"""The compiled ``filter`` of a full-scan ``stats`` in the workers (``compiled_filter``) and the
C scanner's own byte prefilter (``scan_lines(..., needles)``): the same rows, groups in the same
order and the same statistics (lines scanned, malformed lines) as the reference engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries import parallel
from insights_queries._scan import scan_lines
from insights_queries.ast import Stats
from insights_queries.local import query_files
from insights_queries.parser import parse
from insights_queries.prefilter import ESCAPE, Folded, required_needles
from insights_queries.projection import ProjectedFiles, scan_needles
from insights_queries.sources import _candidate_lines


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two ranges per file and 512-byte blocks: merges and many blocks whatever the input."""
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    monkeypatch.setattr(parallel._RangeReading, "block_size", 512)


def _write(path: Path, records: list[Any]) -> Path:
    path.write_bytes(
        "".join((json.dumps(r) if isinstance(r, dict) else r) + "\n" for r in records).encode()
    )
    return path


def _typed(rows: list[dict[str, Any]]) -> list[list[tuple[type, Any]]]:
    return [[(type(v), v) for v in row.values()] for row in rows]


def _same_as_the_engine(query: str, path: Path) -> None:
    one = query_files(query, [path], parallel_min_bytes=None)  # the reference: one pass, events
    many = query_files(query, [path], parallel_min_bytes=0)  # the workers: compiled filter
    assert many.columns == one.columns
    assert _typed(many.rows) == _typed(one.rows), (query, many.rows, one.rows)
    assert many.statistics == one.statistics, query


# ------------------------------------------------------------------ generated lines and filters

_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.sampled_from([0.0, -0.0, 1.0, 7.0, 0.5, -2.5, 1e300]),
    st.sampled_from(["ERROR", "error", "INFO", "7", " 7", "7.0", "", "svc-a", "svc-b", "1e3"]),
    st.lists(st.integers(0, 2), max_size=2),
    st.just({"k": "ERROR"}),
)
_record = st.dictionaries(st.sampled_from(["service", "level", "ms", "note"]), _value, max_size=4)
_odd = st.sampled_from(
    [
        "",
        "ERROR as plain text",
        '{"level": "ERROR", "service": ',  # malformed, holds the needle
        '{"level": "INFO", "service": ',  # malformed, no needle
        '{"level":"\\u0045RROR","service":"svc-a"}',  # an escape spells the needle
        '{"level":"ERROR","service":"caf\u00e9"}',  # not ASCII
        '{"level":"ERROR","ms":99999999999999999999}',  # beyond int64
        "[1]",
        '{"level":"ERROR","level":"INFO"}',  # a read key twice
    ]
)
_FIELDS = ["service", "level", "ms"]
_literal = st.sampled_from(['"ERROR"', '"7"', '"svc-a"', '""', "7", "0", "-0.0", "0.5", "-3"])
_op = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])


def _leaves() -> st.SearchStrategy[str]:
    field = st.sampled_from(_FIELDS)
    return st.one_of(
        st.builds(lambda f, o, v: f"{f} {o} {v}", field, _op, _literal),
        st.builds(lambda f, o, g: f"{f} {o} {g}", field, _op, field),  # two fields
        st.builds(
            lambda f, vs: f"{f} in [{', '.join(vs)}]",
            field,
            st.lists(_literal, min_size=1, max_size=3),
        ),
        st.builds(
            lambda f, vs: f"{f} not in [{', '.join(vs)}]",
            field,
            st.lists(_literal, min_size=1, max_size=2),
        ),
        st.builds(lambda f: f"ispresent({f})", field),
        st.builds(lambda f: f"isblank({f})", field),
        st.builds(lambda f, s: f'{f} like "{s}"', field, st.sampled_from(["ERR", "7", "svc", ""])),
        st.builds(lambda f: f'{f} not like "a"', field),
        st.builds(lambda f: f"{f} like /(?i)err/", field),  # a case-folded needle
        st.builds(lambda f: f"{f} =~ /^[0-9]+$/", field),
        st.builds(lambda f: f"strlen({f}) > 2", field),
        st.builds(lambda f: f"{f}", field),  # a value's truth
        st.builds(lambda f: f"{f} + 1 > 3", field),
    )


_condition = st.recursive(
    _leaves(),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a} and {b})", inner, inner),
        st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=4,
)
_STATS = [
    "stats count(*) as n by service",
    "stats count(*) as n, count(ms) as c, count_distinct(level) as d by level, service",
    "stats min(ms) as lo, max(ms) as hi, pct(ms, 50) as p by service",
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(st.one_of(_record, _record, _odd), max_size=60),
    conditions=st.lists(_condition, min_size=1, max_size=2),
    stats=st.sampled_from(_STATS),
)
def test_compiled_filters_give_what_the_engine_gives(
    tmp_path: Path, lines: list[Any], conditions: list[str], stats: str
) -> None:
    """Differential: generated lines (mixed types, missing fields, lines the scanner leaves) and
    generated filters, on the workers against the one-pass engine."""
    path = _write(tmp_path / "a.jsonl", lines)
    query = " | ".join([*(f"filter {c}" for c in conditions), stats])
    _same_as_the_engine(query, path)


# ------------------------------------------------------------------ edge cases


def test_equal_keys_of_other_types_are_decided_apart(tmp_path: Path) -> None:
    """``1``, ``1.0``, ``true`` and ``"1"`` are equal dict keys; each is decided by its own type,
    in one block (``like`` reads ``true`` as ``"1"``, ``=`` a string as its number)."""
    values: list[Any] = [1, 1.0, True, "1", 0, -0.0, 0.0, False, "0", " 1", None, "x"]
    records: list[Any] = [{"service": f"s{i}", "ms": v} for i, v in enumerate(values * 3)]
    path = _write(tmp_path / "a.jsonl", records)
    for condition in ('ms = "1"', "ms = 1", 'ms like "1"', "ms = 0", "not ms", "ms != 1"):
        _same_as_the_engine(f"filter {condition} | stats count(*) as n by service", path)


def test_a_field_that_changes_type_later_is_filtered_right(tmp_path: Path) -> None:
    """``ms`` an integer, then a string, then a float, then a list, then missing."""
    records: list[Any] = []
    for i in range(400):
        ms: Any = i if i < 100 else str(i) if i < 200 else i + 0.5 if i < 300 else [i]
        records.append({"service": f"s{i % 3}", "level": "ERROR", "ms": ms} if i < 380 else {})
    path = _write(tmp_path / "a.jsonl", records)
    for condition in ("ms > 150", 'level = "ERROR" and ms <= 250', 'ms like "9"', "ms in [7, 290]"):
        _same_as_the_engine(f"filter {condition} | stats count(*) as n, count(ms) as c", path)


def test_malformed_lines_and_lines_scanned_are_those_holding_a_needle(tmp_path: Path) -> None:
    """Lines without the needle are skipped unread in C: neither scanned nor malformed, as the
    one-pass reader of a mapped file counts them."""
    records: list[Any] = [{"service": f"s{i % 3}", "level": "INFO"} for i in range(50)]
    records[10:10] = ['{"level": "ERROR", "service": ', '{"level": "INFO", ', "plain"]
    records += [{"service": "late", "level": "ERROR"}, '{"level":"\\u0045RROR"}']
    path = _write(tmp_path / "a.jsonl", records)
    query = 'filter level = "ERROR" | stats count(*) as n by service'
    _same_as_the_engine(query, path)
    many = query_files(query, [path], parallel_min_bytes=0)
    assert many.rows == [{"service": "late", "n": 1}, {"service": None, "n": 1}]  # \u0045 is E
    assert many.statistics.records_scanned == 3  # ERROR twice, and the escape
    assert many.statistics.malformed_lines == 1


def test_the_workers_filter_columns_not_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a worker, the lines the scanner reads are filtered as columns and the groups equal
    today's path (an event per candidate line through the engine's filter)."""
    from insights_queries import compiled_filter

    records: list[Any] = [
        {"service": f"s{i % 4}", "level": "ERROR" if i % 3 else "INFO", "ms": i} for i in range(300)
    ]
    path = _write(tmp_path / "a.jsonl", records)
    query = parse(
        'filter level = "ERROR" and ms > 20 | stats count(*) as n, max(ms) as m by service'
    )
    *before, stats = query.commands
    assert isinstance(stats, Stats)
    needles = required_needles(query)
    task = parallel._Task(path, 0, path.stat().st_size, query, ["level", "ms", "service"],
                          needles, None, False, False)  # fmt: skip
    blocks = []
    original = compiled_filter.ColumnFilter.columns
    monkeypatch.setattr(
        compiled_filter.ColumnFilter,
        "columns",
        lambda self, block: blocks.append(block.rows) or original(self, block),
    )
    compiled, seen, statistics, _ = parallel._partial(task)
    assert len(blocks) > 3 and sum(blocks) == 200  # the ERROR lines only, in C
    monkeypatch.setattr(compiled_filter, "column_filter", lambda *_a: None)
    general, seen_too, statistics_too, _ = parallel._partial(task)
    assert seen == seen_too == 186
    assert list(compiled) == list(general)
    for key, accumulators in compiled.items():
        assert [a.result() for a in accumulators] == [a.result() for a in general[key]]
    assert statistics == statistics_too


# ------------------------------------------------------------------ the scanner's needles


def test_scan_needles_of_a_reader() -> None:
    assert scan_needles(None) == ()
    assert scan_needles([b'"ERROR"', ESCAPE]) == (b'"ERROR"', ESCAPE)
    assert scan_needles([Folded(b"err"), ESCAPE]) is None  # searched ignoring case: not in C
    assert scan_needles([b"x%d" % i for i in range(40)]) is None  # more than the C reader holds
    reader = ProjectedFiles([], fields=["a"], needles=[b"x"])
    assert reader.scan_needles == (b"x",)


def test_needles_skip_lines_unread_and_uncounted() -> None:
    data = b'{"a":"ERROR"}\n{"a":"INFO"}\n\n{"a":"x\\u0041"}\nERROR text\n{"a":"ERROR"}'
    escapes = b'{"a":"\\/"}\n{"a":"\\n"}\n{"a":"\\\\u"}\n{"a":"\\'
    # ESCAPE: a backslash followed by u or / (not n, not the end of the data), as in Python
    lines, _columns, bad, _ = scan_lines(escapes, 0, len(escapes), (b"a",), (ESCAPE,))
    assert lines == 2 and [escapes[a:b] for _row, a, b in bad] == escapes.split(b"\n")[::2]
    assert len(_candidate_lines(escapes, [ESCAPE], 0, len(escapes))) == 2
    lines, columns, bad, kinds = scan_lines(data, 0, len(data), (b"a",), (b'"ERROR"',))
    assert (lines, columns, bad, kinds) == (2, [["ERROR", "ERROR"]], [], [16])
    lines, columns, bad, _ = scan_lines(data, 0, len(data), (b"a",), (b"ERROR", ESCAPE))
    assert lines == 4 and columns == [["ERROR", "ERROR"]]
    assert [(row, data[a:b]) for row, a, b in bad] == [
        (1, b'{"a":"x\\u0041"}'),
        (1, b"ERROR text"),
    ]
    assert scan_lines(data, 0, len(data), (b"a",), ())[0] == 6  # no needles: every line
    with pytest.raises(TypeError, match="non-empty bytes"):
        scan_lines(data, 0, len(data), (), (b"",))
    with pytest.raises(TypeError, match="non-empty bytes"):
        scan_lines(data, 0, len(data), (), ("x",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at most"):
        scan_lines(data, 0, len(data), (), tuple(b"x%d" % i for i in range(33)))


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.sampled_from([b"ab", b"a", b"b", b"\n", b"\\u", b"\\/", b"\\", b"{", b'"x"', b"ba"]),
        max_size=40,
    ),
    needles=st.lists(st.sampled_from([b"ab", b"b", b"\\u", b"\\/", b"a\nb", b"bab"]), max_size=3),
    start=st.integers(0, 3),
)
def test_needles_find_the_lines_the_python_search_finds(
    parts: list[bytes], needles: list[bytes], start: int
) -> None:
    """The scanner's candidate lines are ``_candidate_lines``'s: same count, and every line it
    leaves is one of them."""
    data = b"".join(parts)
    start = data.find(b"\n", 0, start) + 1 if b"\n" in data[:start] else 0
    if not needles:
        return
    spans = _candidate_lines(data, needles, start, len(data))
    searched = scan_needles(needles)
    assert searched is not None
    lines, columns, bad, _ = scan_lines(data, start, len(data), (b"x",), searched)
    assert lines == len(spans)
    assert {(a, b) for _row, a, b in bad} <= set(spans)
    assert len(columns[0]) + len(bad) == lines


def test_a_build_of_an_older_scanner_is_told_in_one_line() -> None:
    """New code on an old build would fail mid-query (``scan_lines`` without needles): the import
    says what to do instead."""
    import subprocess
    import sys

    code = (
        "import sys, types\n"
        "old = types.ModuleType('insights_queries._scan')\n"
        "old.scan_lines = old.count_pairs = old.line_spans = None\n"
        "sys.modules['insights_queries._scan'] = old\n"
        "import insights_queries.scanner\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "run `pip install -e .`" in done.stderr.strip().splitlines()[-1]
    code = code.replace("old.scan_lines", "old.VERSION = 1\nold.scan_lines")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    last = done.stderr.strip().splitlines()[-1]
    assert "older _scan.c (version 1, this code needs 3)" in last and "pip install -e ." in last
