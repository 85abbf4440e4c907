"""Readers on bad input: every file yields its records or one clear error, never a traceback.

Each test here is a regression test for a defect found by fuzzing the readers (out-of-range
timestamps, non-numeric ``ingestionTime``, damaged gzip, ``jq -s`` arrays, a broken first line,
a byte order mark, huge lines, paths that are not files); the last test is a bounded fuzz.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries import sources
from insights_queries.engine import run
from insights_queries.local import query_files
from insights_queries.sources import LogFiles, SourceError
from insights_queries.timestamps import MAX_MS, MIN_MS, format_millis, parse_timestamp
from insights_queries.values import to_text


def _jsonl(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def _record(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "timestamp": "2025-12-17T20:38:58.084Z",
        "level": "INFO",
        "message": f"line {n}",
        "service": "svc",
        "correlation_id": "wf-1",
        **extra,
    }


# ------------------------------------------------------------------ 2. out-of-range timestamps


@pytest.mark.parametrize(
    "value", [1e300, -1e300, -(10**20), 10**20, MAX_MS + 1, MIN_MS - 1, "9" * 30, "²", "1" * 5000]
)
def test_out_of_range_timestamps_are_no_time(value: object) -> None:
    assert parse_timestamp(value) is None


def test_timestamps_at_the_edges_still_print() -> None:
    for value in (MIN_MS, MAX_MS, 0, "9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z"):
        stamp = parse_timestamp(value)
        assert stamp is not None
        assert format_millis(stamp).endswith((".000", ".999"))  # printable, no error
    assert parse_timestamp("0001-01-01T00:00:00+05:00") is None  # before year 1 in UTC


def test_a_line_with_an_absurd_timestamp_is_read_and_printed(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(
        _jsonl(_record(1), _record(2, timestamp=1e300), _record(3, timestamp=-(10**20)), _record(4))
    )
    result = query_files("fields @timestamp, message | sort @timestamp asc", [path])
    assert sorted(result.column("message")) == ["line 1", "line 2", "line 3", "line 4"]
    assert [to_text(v) for v in result.column("@timestamp")].count("") == 2
    assert all(isinstance(to_text(v), str) for v in result.column("@timestamp"))


# ------------------------------------------------------------------ 3. CloudWatch exports


def test_non_numeric_ingestion_time_and_odd_fields_are_left_out(tmp_path: Path) -> None:
    events = [
        {"timestamp": 1766003938084, "message": '{"a": 1}', "ingestionTime": "soon"},
        {"timestamp": "x", "message": "text", "ingestionTime": 1e300, "logStreamName": ["s"]},
        {"timestamp": 1766003938084, "message": "ok", "ingestionTime": 1766003938100},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"events": events}))
    rows = list(LogFiles([path]))
    assert [r["@message"] for r in rows] == ['{"a": 1}', "text", "ok"]
    assert rows[0]["a"] == 1 and "@ingestionTime" not in rows[0]
    assert "@logStream" not in rows[1] and "@timestamp" not in rows[1]
    assert rows[2]["@ingestionTime"] == 1766003938100


# ------------------------------------------------------------------ 4. damaged gzip


def _lines_gz(count: int) -> bytes:
    return gzip.compress(_jsonl(*(_record(n) for n in range(count))), mtime=0)


def test_truncated_gzip_keeps_the_lines_before_the_cut(tmp_path: Path) -> None:
    data = _lines_gz(20_000)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    files = LogFiles([path])
    messages = [e.get("message") for e in files]
    assert 1_000 < len(messages) < 20_000
    assert messages[:3] == ["line 0", "line 1", "line 2"]
    assert len(files.notices) == 1
    assert "cut.jsonl.gz: gzip data ends early: the file is truncated after" in files.notices[0]
    assert f"bytes ({len(messages):,} lines); the lines before it were read" in files.notices[0]


def _corrupt_deflate() -> bytes:
    """A gzip file whose deflate stream breaks half way (zlib raises, not just a bad CRC)."""
    data = bytearray(_lines_gz(20_000))
    for offset in range(len(data) // 2, len(data) - 16):
        data[offset] ^= 0xFF
        try:
            zlib.decompress(bytes(data), wbits=31)
        except zlib.error as exc:
            if "incorrect data check" not in str(exc) and "incomplete" not in str(exc):
                return bytes(data)
        data[offset] ^= 0xFF
    raise AssertionError("no corrupting byte found")


def test_corrupt_gzip_keeps_the_lines_before_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(_corrupt_deflate())
    files = LogFiles([path])
    events = list(files)
    assert events[0]["message"] == "line 0" and len(events) > 1_000
    assert len(files.notices) == 1 and "gzip data is corrupt" in files.notices[0]


def test_a_damaged_gzip_document_is_one_clear_error(tmp_path: Path) -> None:
    body = json.dumps([_record(n) for n in range(2_000)], indent=2).encode()
    data = gzip.compress(body)
    path = tmp_path / "doc.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match="doc.json.gz: gzip data ends early"):
        list(LogFiles([path]))


# ------------------------------------------------------------------ 5. arrays of records


def test_jq_slurped_lines_are_records_not_cloudwatch_events(tmp_path: Path) -> None:
    records = [_record(1, extra={"order": 7}), _record(2, level="ERROR")]
    path = tmp_path / "slurped.json"
    path.write_text(json.dumps(records, indent=2))
    rows = run("fields level, service, correlation_id, extra.order, message", LogFiles([path])).rows
    assert rows == [
        {
            "level": "INFO",
            "service": "svc",
            "correlation_id": "wf-1",
            "extra.order": 7,
            "message": "line 1",
        },
        {
            "level": "ERROR",
            "service": "svc",
            "correlation_id": "wf-1",
            "extra.order": None,
            "message": "line 2",
        },
    ]
    stamps = run("fields toMillis(@timestamp) as t", LogFiles([path])).column("t")
    assert stamps == [1766003938084, 1766003938084]


def test_a_cloudwatch_events_array_is_still_read_as_events(tmp_path: Path) -> None:
    events = [
        {
            "timestamp": 1766003938084,
            "message": '{"level": "INFO", "correlation_id": "wf-1"}',
            "logStreamName": "s",
            "ingestionTime": 1766003938100,
            "eventId": "1",
        }
    ]
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events))
    (event,) = list(LogFiles([path]))
    assert event["correlation_id"] == "wf-1" and event["@logStream"] == "s"
    assert event["@message"] == events[0]["message"]


# ------------------------------------------------------------------ 6. what a file is


def test_a_malformed_first_line_does_not_make_the_file_a_document(tmp_path: Path) -> None:
    for first in (b'{"broken\n', b"{\n", b'{"a": 1,\n', b"[\n", b'{"events": [\n'):
        path = tmp_path / "lines.jsonl"
        path.write_bytes(first + _jsonl(_record(1), _record(2)))
        files = LogFiles([path])
        messages = [e.get("message") for e in files]
        assert messages[-2:] == ["line 1", "line 2"], first
        assert files.malformed_lines == (0 if first == b"[\n" else 1)  # "[" is a text line


def test_a_first_line_longer_than_the_head_is_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "BLOCK_SIZE", 64)
    path = tmp_path / "long.jsonl"
    path.write_bytes(_jsonl(_record(1, payload="p" * 300), _record(2)))
    assert [e["message"] for e in LogFiles([path])] == ["line 1", "line 2"]


def test_python_runtime_text_lines_are_not_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "fn.log"
    path.write_text(
        "[INFO]\t2024-05-01T12:00:00.000Z\t8f5c1a8c-1111-2222-3333-444455556666\thello\n"
        "[ERROR]\t2024-05-01T12:00:01.000Z\t8f5c1a8c-1111-2222-3333-444455556666\tboom\n"
    )
    events = list(LogFiles([path]))
    assert [e["@requestId"] for e in events] == ["8f5c1a8c-1111-2222-3333-444455556666"] * 2


def test_a_byte_order_mark_keeps_line_one(tmp_path: Path) -> None:
    body = _jsonl(_record(1), _record(2))
    for name, data in (("bom.jsonl", body), ("bom.json", json.dumps([_record(1)]).encode())):
        path = tmp_path / name
        path.write_bytes(b"\xef\xbb\xbf" + data)
        events = list(LogFiles([path]))
        assert events[0]["message"] == "line 1", name
    # the prefiltered (mmap) path too
    rows = query_files('filter correlation_id = "wf-1" | fields message', [tmp_path / "bom.jsonl"])
    assert rows.column("message") == ["line 1", "line 2"]


# ------------------------------------------------------------------ 8. huge lines


def _huge_file(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "huge.jsonl"
    path.write_bytes(
        _jsonl(_record(1)) + _jsonl(_record(2, payload="x" * size)) + _jsonl(_record(3))
    )
    return path


@pytest.mark.parametrize("mode", ["plain", "needles", "gzip", "gzip-needles"])
def test_a_line_over_the_limit_is_cut_and_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(sources, "MAX_LINE_BYTES", 1_000)
    monkeypatch.setattr(sources, "BLOCK_SIZE", 512)
    path = _huge_file(tmp_path, 5_000)
    if mode.startswith("gzip"):
        packed = tmp_path / "huge.jsonl.gz"
        packed.write_bytes(gzip.compress(path.read_bytes()))
        path = packed
    needles = [b"wf-1"] if mode.endswith("needles") else None
    files = LogFiles([path], needles=needles)
    events = list(files)
    assert [e.get("message") for e in events] == ["line 1", None, "line 3"]
    assert len(events[1]["@message"]) == 1_000
    assert (files.oversized_lines, files.malformed_lines) == (1, 1)
    size = len(json.dumps(_record(2, payload="x" * 5_000)))
    assert files.notices == [
        f"{path} line 2: {size:,} bytes is over the 1,000-byte line limit (CloudWatch's largest"
        " event); read as text cut to the limit"
    ]


def test_a_line_over_the_real_limit(tmp_path: Path) -> None:
    path = _huge_file(tmp_path, 3 * sources.MAX_LINE_BYTES)
    files = LogFiles([path])
    events = list(files)
    assert [e.get("message") for e in events] == ["line 1", None, "line 3"]
    assert len(events[1]["@message"]) == sources.MAX_LINE_BYTES
    assert "line 2" in files.notices[0] and "1,048,576-byte line limit" in files.notices[0]


def test_many_huge_lines_give_a_bounded_list_of_notices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_LINE_BYTES", 100)
    path = tmp_path / "many.log"
    path.write_bytes(b"".join(b"y" * 200 + b"\n" for _ in range(12)) + b"z" * 300)
    files = LogFiles([path])
    assert len(list(files)) == 13
    assert files.oversized_lines == 13
    assert len(files.notices) == sources.MAX_NOTICES_PER_FILE + 1
    assert files.notices[-1].endswith("8 more line(s) over the 100-byte line limit were cut to it")
    assert files.notices[-2].startswith(f"{path} line 5: 200 bytes is over")


# ------------------------------------------------------------------ 13. paths that are not files


def test_paths_are_named_for_what_they_are(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(SourceError) as caught:
        LogFiles([tmp_path / "nope.log", tmp_path, fifo, Path("/dev/null")])
    message = str(caught.value)
    assert "log file(s) not found: " in message and "nope.log" in message
    assert f"{tmp_path} is a directory" in message
    assert f"{fifo} is not a regular file (a FIFO)" in message
    assert "/dev/null is not a regular file (a character device)" in message
    assert "\n" not in message


# ------------------------------------------------------------------ the fuzz

_good = st.integers(0, 10**6).map(lambda n: _jsonl(_record(n, marker=f"good-{n}")))
_bad_line = st.one_of(
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ")),
    st.sampled_from(
        [
            b'{"timestamp": 1e300}',
            b'{"timestamp": -99999999999999999999999}',
            b'{"timestamp": "9999999999999999999999999"}',
            b'{"@timestamp": "x", "time": [1]}',
            b'{"_timestamp_ms": 1e308}',
            b"\xef\xbb\xbf{}",
            b"{",
            b"[",
            b'{"events": [',
            b'"\\ud800"',
            b"START RequestId: x",
            b"REPORT RequestId: 1\tDuration: nan ms\tMemory Size: 1e999 MB",
        ]
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=st.lists(_good, max_size=3), bad=_bad_line, after=st.lists(_good, max_size=3))
def test_fuzz_a_bad_line_never_loses_the_lines_around_it(
    tmp_path: Path, before: list[bytes], bad: bytes, after: list[bytes]
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(before) + bad + b"\n" + b"".join(after))
    wanted = [orjson.loads(line)["marker"] for line in before + after]
    if not wanted:  # a lone "{" or "[" may be a broken document: one clear error is right
        try:
            list(LogFiles([path]))
        except SourceError as error:
            assert "mixed.jsonl is not valid JSON" in str(error)
        return
    events = list(LogFiles([path]))
    assert [e["marker"] for e in events if "marker" in e] == wanted
    result = query_files("fields @timestamp, @message | sort @timestamp desc", [path])
    for row in result.rows:  # every value prints
        [to_text(v) for v in row.values()]


_fragment = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda items: orjson.dumps(items),
        st.lists(
            st.dictionaries(
                st.sampled_from(
                    ["timestamp", "message", "ingestionTime", "logStreamName", "_log_group"]
                ),
                st.one_of(
                    st.none(),
                    st.booleans(),
                    st.integers(-(2**63), 2**63 - 1),
                    st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=10),
                    st.lists(st.integers(-5, 5), max_size=2),
                ),
                max_size=5,
            ),
            max_size=4,
        ),
    ),
    st.builds(
        lambda items: orjson.dumps({"events": items}), st.lists(st.integers(-5, 5), max_size=3)
    ),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_fragment, packed=st.sampled_from(["plain", "gzip", "gzip-cut"]), needle=st.booleans())
def test_fuzz_any_bytes_give_records_or_one_clear_error(
    tmp_path: Path, data: bytes, packed: str, needle: bool
) -> None:
    path = tmp_path / "fuzz.log"
    if packed != "plain":
        data = gzip.compress(data)
        if packed == "gzip-cut":
            data = data[: max(len(data) - 12, 0)]
    path.write_bytes(data)
    files = LogFiles([path], needles=[b"a"] if needle else None)
    try:
        events = list(files)
    except SourceError as error:
        assert "\n" not in str(error) and str(path) in str(error)
        return
    for event in events:
        assert isinstance(event.get("@message", ""), str)
        assert isinstance(event.get("@log"), str)
    for notice in files.notices:
        assert "\n" not in notice and str(path) in notice
    query_files("stats count(*) by bin(1h), @logStream", [path])


def test_a_whole_json_array_line_followed_by_text_is_read_as_lines(tmp_path: Path) -> None:
    """Found by the projection's differential property test: a first line that is a whole JSON
    array, then plain text, was taken for a broken JSON document and refused whole."""
    path = tmp_path / "mixed.log"
    path.write_text("[1, 2]\nplain text line\n", encoding="utf-8")
    result = query_files("stats count(*) as n", [path])
    assert result.rows == [{"n": 2}]
