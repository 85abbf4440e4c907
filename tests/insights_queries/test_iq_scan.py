"""The C reader of a block of JSON lines (``insights_queries._scan``): it may leave any line to the
default reader, but a line it reads must give exactly what the default reader (msgspec, as the
projection decodes it, and orjson) gives for the fields read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights_queries._scan import scan_lines
from insights_queries.projection import Projector

KEYS = ("service", "ms")


def _scan(line: bytes) -> list[Any] | None:
    """The values of ``KEYS`` if the scanner reads ``line``, else ``None``."""
    lines, columns, bad, kinds = scan_lines(
        line + b"\n", 0, len(line) + 1, tuple(k.encode() for k in KEYS)
    )
    assert lines == 1
    if bad:
        assert bad == [(0, 0, len(line))]
        assert columns == [[], []] and kinds == [0, 0]
        return None
    assert kinds == [_KINDS[type(column[0])] for column in columns]
    return [column[0] for column in columns]


_KINDS = {type(None): 1, bool: 2, int: 4, float: 8, str: 16}


def _default(line: bytes) -> list[Any] | None:
    """What the default reader makes of the same fields (msgspec, as ``ProjectedFiles`` does)."""
    try:
        decoded = Projector(list(KEYS)).one.decode(line)
    except msgspec.DecodeError:
        return None
    return list(msgspec.structs.astuple(decoded))


def _same_values(a: list[Any], b: list[Any]) -> bool:
    return a == b and [type(x) for x in a] == [type(x) for x in b]


READ = [
    (b'{"service":"a","ms":1}', ["a", 1]),
    (b'{"ms":1.0}', [None, 1.0]),  # 1.0 stays a float, 1 an integer
    (b'{"ms":-0}', [None, 0]),
    (b'{"ms":1e99,"service":null}', [None, 1e99]),
    (b'{"ms":-9223372036854775808}', [None, -(2**63)]),
    (b'{"ms":9223372036854775807}', [None, 2**63 - 1]),
    (b'{"ms":true,"service":false}', [False, True]),
    (b"{}", [None, None]),
    (b'{ "service" : "a" , "x" : [1, {"y": [null, true]}] }', ["a", None]),
    (b'{"service":"a"}\r', ["a", None]),  # a CRLF file's line
    (b'{"x":1,"x":2,"service":"a"}', ["a", None]),  # an unread key twice
    (b'{"x":"' + b"z" * 300_000 + b'","service":"a"}', ["a", None]),  # a very long line
    (b'{"x":' + b"[" * 60 + b"]" * 60 + b',"ms":2}', [None, 2]),
    (b'{"x":"\x7f"}', [None, None]),  # DEL is no control character in JSON
]


@pytest.mark.parametrize(("line", "values"), READ)
def test_lines_it_reads_give_what_the_default_reader_gives(line: bytes, values: list[Any]) -> None:
    scanned = _scan(line)
    assert scanned is not None
    assert _same_values(scanned, values)
    default = _default(line)
    assert default is not None and _same_values(default, scanned)
    parsed = orjson.loads(line)
    assert _same_values([parsed.get(k) for k in KEYS], scanned)


LEFT = [
    b"",
    b"plain text",
    b' {"service":"a"}',  # not an object at its first byte: the default reader makes it text
    b'{"ms":NaN}',
    b'{"ms":Infinity}',
    b'{"ms":-Infinity}',
    b'{"ms":1e400}',  # beyond a double: orjson rejects the line
    b'{"x":1e400}',  # even unread: orjson and msgspec differ on it
    b'{"ms":1e-400}',
    b'{"ms":9223372036854775808}',  # beyond int64: orjson makes it a float past 2**64
    b'{"x":123456789012345678901234567890123}',  # over 32 characters
    b'{"service":"a","service":"b"}',  # a read key twice: decoders differ on which wins
    b'{"service":"a\\"b"}',  # any escape, read or not
    b'{"x":"\\u0000"}',
    b'{"service":"\\u00e9"}',
    b'{"service":"caf\xc3\xa9"}',  # not ASCII
    b'{"x":"a\tb"}',  # a raw control character in a string
    b'{"x":"a\x00b"}',
    b'{"service":{"name":"a"}}',  # an object or a list the default reader builds
    b'{"ms":[1]}',
    b'{"x":' + b"[" * 70 + b"]" * 70 + b"}",  # deeper than the scanner goes
    b'{"service":"a"} x',
    b'{"service":"a"}{"service":"b"}',  # two objects on one line
    b'{"service":"a"',
    b'{"service":"a",}',
    b'{"ms":01}',
    b'{"ms":1.}',
    b'{"ms":.5}',
    b'{"ms":+1}',
    b'{"ms":-}',
    b'{"ms":tru}',
    b"{service:1}",
    b'{"x":[1,]}',
    b"[1]",
    b'"text"',
]


@pytest.mark.parametrize("line", LEFT)
def test_lines_it_leaves_to_the_default_reader(line: bytes) -> None:
    assert _scan(line) is None


def test_a_block_gives_columns_and_the_spans_of_lines_left_in_their_place() -> None:
    block = b'xx\n{"service":"a","ms":1}\n\n{"service":"b"}\nnot json\n{"ms":2}'
    lines, columns, bad, kinds = scan_lines(block, 3, len(block), (b"service", b"ms"))
    assert lines == 5  # the last line has no newline and still counts
    assert columns == [["a", "b", None], [1, None, 2]]
    assert kinds == [16 | 1, 4 | 1]  # str or None; int or None
    # (read lines before it, start, end): the empty line and the text, each in its place
    assert [(row, block[a:b]) for row, a, b in bad] == [(1, b""), (2, b"not json")]


def test_equal_strings_share_one_object_and_no_keys_still_count_lines() -> None:
    block = b'{"service":"a"}\n{"service":"a"}\n'
    _lines, (services,), _bad, _kinds = scan_lines(block, 0, len(block), (b"service",))
    assert services[0] is services[1]
    assert scan_lines(block, 0, len(block), ()) == (2, [], [], [])


def test_bad_arguments_are_errors_not_crashes() -> None:
    with pytest.raises(ValueError, match="within data"):
        scan_lines(b"{}\n", 0, 9, (b"a",))
    with pytest.raises(TypeError, match="bytes"):
        scan_lines(b"{}\n", 0, 3, ("a",))
    with pytest.raises(ValueError, match="at most 32 keys"):
        scan_lines(b"{}\n", 0, 3, tuple(b"k%d" % i for i in range(33)))


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(min_codepoint=32, max_codepoint=127), max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["service", "ms", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)
_record = st.dictionaries(st.sampled_from(["service", "ms", "x", "y"]), _json, max_size=4)
_noise = st.sampled_from(list(b' \t\r{}[]:,"\\0123456789.eE+-ntfalsu\x00\xc3'))


@settings(max_examples=300, deadline=None)
@given(record=_record, edits=st.lists(st.tuples(st.integers(0, 10**6), _noise), max_size=3))
def test_a_line_it_reads_reads_the_same_everywhere(
    record: dict[str, Any], edits: list[tuple[int, int]]
) -> None:
    """Fuzz: valid lines and lines with a few bytes inserted. Whatever the scanner reads, msgspec
    and orjson read too, to the same values (so the default reader's answers are kept)."""
    line = bytearray(json.dumps(record, separators=(",", ":")).encode())
    for position, byte in edits:
        line.insert(position % (len(line) + 1), byte)
    scanned = _scan(bytes(line))
    if scanned is None:
        return
    default = _default(bytes(line))
    assert default is not None and _same_values(default, scanned)
    parsed = orjson.loads(bytes(line))
    assert isinstance(parsed, dict)
    assert _same_values([parsed.get(k) for k in KEYS], scanned)


def _mixed_lines() -> list[bytes]:
    """Lines in many small blocks: integers, then floats; strings that hold numbers; bools;
    lines the scanner leaves (escapes, text, empty, malformed, big numbers) in between; a
    non-ASCII block (whose lines the default reader reads with orjson)."""
    lines: list[bytes] = []
    for i in range(3000):
        record: dict[str, Any] = {"service": f"s{i % 5}", "level": "INFO", "ms": i % 40}
        if 2500 <= i < 2510:
            record["service"] = "late"
        if 1262 <= i < 1350:  # floats: line order matters (sums, 1 before 1.0) from here on
            record["service"] = "floats"
            record["ms"] = [0.1, 1, 0.2, 1.0, 0.3, 1, 1.0, 0.7][i % 8]
        if i % 97 == 0 and not 1100 <= i < 1400:
            record["ms"] = str(i)
        if i % 211 == 0:
            record["level"] = True
        lines.append(json.dumps(record).encode())
        if i % 301 == 0:
            lines += [b'{"service":"s1","note":"a\\"b","ms":3}', b"plain", b"", b'{"ms":']
        if i == 2510:  # a float the scanner leaves (an escape), after integers it read
            lines.append(b'{"service":"late","note":"\\n","ms":0.5}')
        if i % 499 == 0:
            lines += [b'{"service":"s2","x":1e400,"ms":4}', b'{"ms":99999999999999999999}']
        if i == 2000:
            lines.append('{"service":"caf\u00e9","ms":5}'.encode())
        if i == 2900:  # longer than a test's block: the rest of its range is read the usual way
            lines.append(b'{"service":"s3","ms":6,"x":"' + b"y" * 5000 + b'"}')
    return lines


@pytest.mark.parametrize(
    "query",
    [
        "stats count(*) as n by service, level",
        "stats count(*) as n by service",
        "stats avg(ms) as a, pct(ms, 95) as p, min(ms) as lo, max(ms) as hi by service",
        "stats sum(ms) as s, count(ms) as c, count_distinct(ms) as d by level",
        "stats pct(ms, 50) as p, count(*) as n",
        "stats pct(ms, 61) as p, sum(ms) as s by service",
    ],
)
def test_blocks_read_by_the_scanner_give_what_the_engine_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """The workers' compiled plans on many 4 KiB blocks, each read by the scanner, against the
    same workers reading line by line with msgspec (the reader before the scanner): the same
    rows, exactly, and the same statistics (malformed lines included)."""
    from insights_queries import parallel
    from insights_queries.local import query_files
    from insights_queries.projection import ProjectedFiles
    from insights_queries.sources import LogFiles

    path = tmp_path / "mixed.jsonl"  # a byte order mark, no newline after the last line
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(_mixed_lines()))
    monkeypatch.setattr(parallel._RangeReading, "block_size", 4096)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    many = query_files(query, [path], parallel_min_bytes=0)
    # no scanner: blocks read and split into lines (no mapped file)
    monkeypatch.setattr(ProjectedFiles, "_split", LogFiles._split)
    monkeypatch.setattr(
        parallel._RangeReading, "_chunks", lambda r, p, log: r._read_blocks(p, log, r.start)
    )
    one = query_files(query, [path], parallel_min_bytes=0)
    assert one.statistics.malformed_lines > 0
    assert many.rows == one.rows
    assert [[type(v) for v in row.values()] for row in many.rows] == [
        [type(v) for v in row.values()] for row in one.rows
    ]
    assert many.statistics == one.statistics


@pytest.mark.parametrize("max_pending", [None, 5])
def test_the_compiled_plan_holds_pairs_across_blocks_yet_keeps_line_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, max_pending: int | None
) -> None:
    """Counted pairs wait across blocks (or, past ``max_pending`` of them, go to their groups at
    once) and go to their groups before a float arrives: the groups, their order and each
    result (type included) equal the engine's event by event."""
    from insights_queries import compiled_stats, parallel

    if max_pending is not None:
        monkeypatch.setattr(compiled_stats, "_MAX_PENDING", max_pending)
        monkeypatch.setattr(compiled_stats, "_CHECK_BLOCKS", 1)
    from insights_queries.ast import Stats
    from insights_queries.compiled_stats import column_plan, compiled_groups
    from insights_queries.engine import group_events
    from insights_queries.parser import parse
    from insights_queries.projection import ProjectedFiles

    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(_mixed_lines()) + b"\n")
    stats = parse(
        "stats count(*) as n, sum(ms) as s, avg(ms) as a, pct(ms, 61) as p, "
        "count_distinct(level) as d by service"
    ).commands[0]
    assert isinstance(stats, Stats)
    fields = ["ms", "service", "level"]
    plan = column_plan(stats, fields)
    assert plan is not None

    def reader() -> ProjectedFiles:  # the same 4 KiB blocks (the default reader decides by block)
        files = parallel._RangeProjected([path], fields=fields)
        files.start, files.end, files.block_size = 0, path.stat().st_size, 4096
        return files

    compiled, seen = compiled_groups(stats, reader(), plan)
    general, seen_too = group_events(stats, iter(reader()))
    assert seen == seen_too
    assert list(compiled) == list(general)
    for key, accumulators in compiled.items():
        mine = [a.result() for a in accumulators]
        theirs = [a.result() for a in general[key]]
        assert mine == theirs and list(map(type, mine)) == list(map(type, theirs)), key


@settings(max_examples=50, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(["a", "b", None, 1, True, ("x", 2)]), st.integers(-3, 3)),
        max_size=60,
    )
)
def test_count_pairs_counts_what_counter_of_zip_counts(pairs: list[tuple[Any, int]]) -> None:
    """Groups in first-seen order, each value's count (``True`` and ``1`` are one key in both)."""
    from collections import Counter

    from insights_queries._scan import count_pairs

    keys, values = [k for k, _ in pairs], [v for _, v in pairs]
    into: dict[Any, dict[Any, int]] = {}
    count_pairs(keys, values, into)
    count_pairs(keys, values, into)  # counts add up across calls
    expected = Counter(zip(keys, values, strict=True))
    assert list(into) == list(dict.fromkeys(keys))
    assert {(k, v): n for k, inner in into.items() for v, n in inner.items()} == {
        pair: 2 * n for pair, n in expected.items()
    }


def test_count_pairs_refuses_what_it_cannot_count() -> None:
    from insights_queries._scan import count_pairs

    with pytest.raises(ValueError, match="differ in length"):
        count_pairs(["a"], [], {})
    with pytest.raises(TypeError, match="unhashable"):
        count_pairs([["a"]], [1], {})
