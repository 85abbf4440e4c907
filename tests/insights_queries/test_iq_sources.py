"""Readers: every input format, gzip, several files, malformed lines, and the line prefilter."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights_queries.engine import run
from insights_queries.local import query_files
from insights_queries.parser import parse
from insights_queries.prefilter import required_needles
from insights_queries.sources import LogFiles, SourceError
from insights_queries.timestamps import format_millis

REQUEST = "8f5c1a8c-1111-2222-3333-444455556666"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_json_lines_with_nested_fields_and_gzip(tmp_path: Path) -> None:
    lines = [
        {
            "timestamp": "2025-12-17T20:38:58.084Z",
            "level": "INFO",
            "extra": {"correlation_id": "a"},
        },
        {"timestamp": "2025-12-17T20:38:59.000Z", "level": "ERROR", "correlation_id": "b"},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    plain = write(tmp_path / "svc.jsonl", text)
    packed = tmp_path / "other.jsonl.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    result = query_files(
        "fields @timestamp, @log, level, extra.correlation_id, @message", [plain, packed]
    )
    assert [r["@log"] for r in result.rows] == ["svc", "svc", "other", "other"]
    assert result.column("extra.correlation_id") == ["a", None, "a", None]
    assert format_millis(result.rows[0]["@timestamp"]) == "2025-12-17 20:38:58.084"
    assert result.rows[1]["@message"] == json.dumps(lines[1])
    assert result.statistics.records_scanned == 4
    assert result.statistics.bytes_scanned == 2 * len(text)


def test_plain_text_lines_only_have_message(tmp_path: Path) -> None:
    path = write(tmp_path / "app.log", "hello world\nsecond line\n\nthird without newline")
    events = list(LogFiles([path]))
    assert [e["@message"] for e in events] == [
        "hello world",
        "second line",
        "third without newline",
    ]
    assert all(set(e) == {"@message", "@log"} for e in events)


def test_lambda_stdout_platform_text_and_json_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "fn.log",
        f"START RequestId: {REQUEST} Version: $LATEST\n"
        f"2024-05-01T12:00:00.000Z\t{REQUEST}\tINFO\tplain text message\n"
        f"[ERROR]\t2024-05-01T12:00:00.500Z\t{REQUEST}\tboom\n"
        f'2024-05-01T12:00:00.600Z\t{REQUEST}\tINFO\t{{"level": "INFO", "order": 7}}\n'
        '{"level": "INFO", "message": "json line"}\n'
        f"END RequestId: {REQUEST}\n"
        f"REPORT RequestId: {REQUEST}\tDuration: 102.25 ms\tBilled Duration: 103 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 75 MB\tInit Duration: 300.11 ms\t\n",
    )
    report = run(
        'filter @type = "REPORT" | fields @requestId, @duration, @billedDuration, @memorySize,'
        " @maxMemoryUsed, @initDuration",
        LogFiles([path]),
    ).rows
    assert report == [
        {
            "@requestId": REQUEST,
            "@duration": 102.25,
            "@billedDuration": 103,
            "@memorySize": 128_000_000,
            "@maxMemoryUsed": 75_000_000,
            "@initDuration": 300.11,
        }
    ]
    types = run("stats count(*) as n by @type", LogFiles([path])).rows
    assert {r["@type"]: r["n"] for r in types} == {"START": 1, None: 4, "END": 1, "REPORT": 1}
    text = run(
        "filter ispresent(@requestId) and not ispresent(@type) | fields toMillis(@timestamp) as t, order",
        LogFiles([path]),
    ).rows
    assert text == [
        {"t": 1714564800000, "order": None},
        {"t": 1714564800500, "order": None},
        {"t": 1714564800600, "order": 7},
    ]


def cli_events() -> list[dict[str, Any]]:
    return [
        {
            "logStreamName": "2025/12/17/[$LATEST]abc",
            "timestamp": 1766003938084,
            "message": '{"level": "INFO", "correlation_id": "wf-1"}\n',
            "ingestionTime": 1766003938100,
            "eventId": "1",
        },
        {
            "logStreamName": "2025/12/17/[$LATEST]abc",
            "timestamp": 1766003939000,
            "message": f"END RequestId: {REQUEST}\n",
            "ingestionTime": 1766003939100,
            "eventId": "2",
        },
    ]


@pytest.mark.parametrize(
    "document",
    [
        {"events": cli_events(), "searchedLogStreams": []},  # filter-log-events
        {
            "events": cli_events(),
            "nextForwardToken": "f/1",
            "nextBackwardToken": "b/1",
        },  # get-log-events
    ],
)
def test_aws_cli_output(tmp_path: Path, document: dict[str, Any]) -> None:
    path = write(tmp_path / "out.json", json.dumps(document, indent=4))
    rows = run(
        "fields @timestamp, @ingestionTime, @logStream, @message, correlation_id, @type",
        LogFiles([path]),
    ).rows
    assert rows[0]["correlation_id"] == "wf-1"
    assert rows[0]["@message"] == '{"level": "INFO", "correlation_id": "wf-1"}'
    assert rows[0]["@logStream"] == "2025/12/17/[$LATEST]abc"
    assert (rows[0]["@timestamp"], rows[0]["@ingestionTime"]) == (1766003938084, 1766003938100)
    assert rows[1]["@type"] == "END"
    # the same output written compactly on one line is recognised too
    compact = write(tmp_path / "compact.json", json.dumps(document))
    assert len(list(LogFiles([compact]))) == 2


def test_malformed_lines_are_counted_and_kept_as_messages(tmp_path: Path) -> None:
    path = tmp_path / "bad.log"
    path.write_bytes(b'{"ok": 1}\n{"broken": \n\xff\xfe not utf8\n{"ok": 2}\n')
    files = LogFiles([path])
    result = run("fields ok, @message", files)
    assert result.column("ok") == [1, None, None, 2]
    assert result.statistics.malformed_lines == 2


def test_missing_file_and_bad_document_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found: .*nope.log"):
        LogFiles([tmp_path / "nope.log"])
    bad = write(tmp_path / "bad.json", '[{"a": 1},')
    with pytest.raises(SourceError, match="bad.json is not valid JSON"):
        list(LogFiles([bad]))


# ------------------------------------------------------------------ the real capture


def test_capture_levels_groups_and_nested_ids(alchemiser_capture: Path) -> None:
    records = json.loads(alchemiser_capture.read_text())
    by_level = run("stats count(*) as n by level", LogFiles([alchemiser_capture]))
    assert {r["level"]: r["n"] for r in by_level.rows} == dict(Counter(r["level"] for r in records))
    by_group = run("stats count(*) as n by @log | sort n desc", LogFiles([alchemiser_capture]))
    expected = Counter(r["_log_group"] for r in records).most_common()
    assert [(r["@log"], r["n"]) for r in by_group.rows] == expected
    nested = query_files(
        "filter ispresent(extra.correlation_id) | stats count(*) as n", [alchemiser_capture]
    )
    assert nested.rows == [{"n": sum(1 for r in records if "correlation_id" in r.get("extra", {}))}]
    errors = query_files(
        'filter level = "error" | sort @timestamp asc | display @log, event', [alchemiser_capture]
    )
    assert errors.rows == [
        {"@log": r["_log_group"], "event": r["event"]}
        for r in sorted(records, key=lambda r: r["_timestamp_ms"])
        if r["level"] == "error"
    ]
    first = run(
        "sort @timestamp asc | limit 1 | fields toMillis(@timestamp) as t, @message",
        LogFiles([alchemiser_capture]),
    )
    earliest = min(records, key=lambda r: r["_timestamp_ms"])
    assert first.rows[0]["t"] == earliest["_timestamp_ms"]
    assert "_log_group" not in orjson.loads(first.rows[0]["@message"])


# ------------------------------------------------------------------ prefilter


def test_needles_for_a_selective_filter() -> None:
    assert required_needles(parse('filter correlation_id = "wf-123"')) == [b"\\u", b"wf-123"]
    assert required_needles(parse('fields @timestamp | filter a = "x1" and b like "long-one"')) == [
        b"\\u",
        b"long-one",
    ]
    assert required_needles(parse('filter a = "x1" or b = "y2"')) == [b"\\u", b"x1", b"y2"]
    assert required_needles(parse('filter level in ["ERROR", "WARN"]')) == [
        b"ERROR",
        b"WARN",
        b"\\u",
    ]
    # no needle when a line without the text could still match
    for query in (
        'filter a = "x" or b > 1',
        'filter a = "100"',
        'filter @log = "svc"',
        'filter not a = "x"',
        'parse @message "*" as a | filter a = "x"',
        'fields tolower(a) as a | filter a = "x"',
        'limit 5 | filter a = "x"',
        'filter a = "say \\"hi\\""',
        "filter a like /x?/",
    ):
        assert required_needles(parse(query)) is None, query


_values = st.sampled_from(["wf-1", "wf-2", "ERROR", "INFO", "é-wf", "x/y", "100", 100, "caf\u00e9"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(
        st.dictionaries(st.sampled_from(["cid", "level", "n"]), _values, max_size=3), max_size=25
    ),
    ascii_only=st.booleans(),
    query=st.sampled_from(
        [
            'filter cid = "wf-1"',
            'filter cid = "é-wf" or level = "ERROR"',
            'filter level in ["ERROR", "INFO"] and cid like "wf"',
            'filter cid = "x/y"',
            'filter cid = "café"',
            'filter @message like "wf-2"',
        ]
    ),
)
def test_prefilter_never_drops_a_matching_line(
    tmp_path: Path, records: list[dict[str, Any]], ascii_only: bool, query: str
) -> None:
    path = tmp_path / "p.jsonl"
    # json.dumps(ensure_ascii=True) writes é as \\u00e9 and may escape '/' never; both must match
    path.write_text("".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records))
    fast = query_files(query + " | display cid, level, n", [path])
    slow = run(parse(query + " | display cid, level, n"), LogFiles([path]))
    assert fast.rows == slow.rows
    assert slow.statistics.records_scanned == len(records)
    # lines rejected by the byte search are not read, hence not counted
    assert fast.statistics.records_scanned <= len(records)
    assert fast.statistics.bytes_scanned == slow.statistics.bytes_scanned == path.stat().st_size
    # the gzip path prefilters block by block and must agree too
    packed = tmp_path / "p.jsonl.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert query_files(query + " | display cid, level, n", [packed]).rows == slow.rows


def test_prefilter_keeps_lines_that_spell_the_value_with_escapes(tmp_path: Path) -> None:
    path = tmp_path / "escaped.jsonl"
    path.write_text(
        '{"cid": "x\\/y"}\n{"cid": "\\u0077f-1"}\n{"cid": "wf-1"}\n{"cid": "other"}\n'
        '{"cid": "wf-1 \\"quoted\\""}\n'
    )
    assert query_files('filter cid = "x/y" | display cid', [path]).column("cid") == ["x/y"]
    result = query_files('filter cid = "wf-1" | display cid', [path])
    assert result.column("cid") == ["wf-1", "wf-1"]
    # read: the two escaped lines and the two holding "wf-1"; skipped unread: "other"
    assert result.statistics.records_scanned == 4


def test_gzipped_capture_document(tmp_path: Path, alchemiser_capture: Path) -> None:
    packed = tmp_path / "capture.json.gz"
    packed.write_bytes(gzip.compress(alchemiser_capture.read_bytes()))
    plain = run("stats count(*) as n by level", LogFiles([alchemiser_capture])).rows
    assert run("stats count(*) as n by level", LogFiles([packed])).rows == plain


def test_telling_lines_from_a_document_does_not_copy_the_head() -> None:
    """The sniff of a file's first block read its first lines by splitting (and stripping) the
    whole 8 MB head: three copies, a quarter of a full scan's peak memory."""
    import tracemalloc

    from insights_queries.source_documents import looks_like_document

    line = b'{"level": "INFO", "service": "a", "message": "' + b"x" * 400 + b'"}\n'
    head = line * (8 * 1024 * 1024 // len(line))
    compact = b'{"events": []}' + b" " * (8 * 1024 * 1024)
    more = compact + b"\nx"
    assert looks_like_document(compact) and not looks_like_document(more)
    tracemalloc.start()
    try:
        assert not looks_like_document(head)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024, peak
