"""Every command that reads log files on bad input: a result or one clear line, never a traceback.

``obskit query``, ``obskit trace FILES`` and ``obskit logs report`` share the readers; each defect
found by fuzzing them is checked here through all three, as an operator would meet it.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from insights_queries.sources import MAX_LINE_BYTES
from tools.cli import cli

CID = "wf-robust-1"
COMMANDS = {
    "query": [
        "query",
        "fields @timestamp, correlation_id, message | sort @timestamp asc | limit 50",
    ],
    "trace": ["trace", CID],
    "logs report": ["logs", "report", "--format", "json"],
}


def _record(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "timestamp": f"2025-12-17T20:38:{n:02d}.000Z",
        "level": "INFO",
        "message": f"step {n}",
        "service": "strategy-worker",
        "correlation_id": CID,
        "event_type": "WorkflowStarted",
        **extra,
    }


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _invoke(command: str, *paths: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*COMMANDS[command], *map(str, paths)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output and "Aborted!" not in result.output
    return result.exit_code, result.stdout, result.stderr


def _read_ok(command: str, code: int) -> bool:
    """Exit codes that mean the file was read: trace exits 1 for an incomplete workflow."""
    return code == 0 or (command == "trace" and code == 1)


@pytest.mark.parametrize("command", COMMANDS)
def test_out_of_range_timestamps(tmp_path: Path, command: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(
        _jsonl([_record(1), _record(2, timestamp=1e300), _record(3, timestamp=-(10**20))])
    )
    code, out, err = _invoke(command, path)
    assert _read_ok(command, code), err
    if command == "logs report":
        assert json.loads(out)["totals"]["lines"] == 3
    if command == "query":
        assert "step 2" in out and "step 3" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_non_numeric_ingestion_time(tmp_path: Path, command: str) -> None:
    events = [
        {
            "timestamp": 1766003938000 + n,
            "message": json.dumps(_record(n)),
            "ingestionTime": "later",
            "logStreamName": "s",
        }
        for n in range(3)
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"events": events}, indent=2))
    code, out, err = _invoke(command, path)
    assert _read_ok(command, code), err
    if command == "logs report":
        assert json.loads(out)["totals"]["lines"] == 3


@pytest.mark.parametrize("command", COMMANDS)
def test_truncated_gzip_reads_what_is_there_and_says_so(tmp_path: Path, command: str) -> None:
    data = gzip.compress(_jsonl([_record(n % 60) for n in range(20_000)]))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    code, out, err = _invoke(command, path)
    assert _read_ok(command, code), err
    assert "cut.jsonl.gz: gzip data ends early: the file is truncated after" in err
    if command == "logs report":
        report = json.loads(out)
        assert report["totals"]["lines"] > 1_000
        assert "truncated" in report["source"]["notices"][0]


@pytest.mark.parametrize("command", COMMANDS)
def test_jq_slurped_array_keeps_every_field(tmp_path: Path, command: str) -> None:
    path = tmp_path / "slurped.json"
    path.write_text(json.dumps([_record(1), _record(2)], indent=2))
    code, out, err = _invoke(command, path)
    assert _read_ok(command, code), err  # trace found the workflow: not "no line of ..."
    if command == "query":
        assert out.count(CID) == 2
    if command == "logs report":
        report = json.loads(out)
        assert report["totals"]["workflows"] == 1
        assert report["by_service"][0]["service"] == "strategy-worker"


@pytest.mark.parametrize("command", COMMANDS)
def test_broken_first_line_and_byte_order_mark(tmp_path: Path, command: str) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b'{"timestamp": \n' + _jsonl([_record(1), _record(2)]))
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + _jsonl([_record(3)]))
    code, out, err = _invoke(command, broken, bom)
    assert _read_ok(command, code), err
    if command == "query":
        assert all(f"step {n}" in out for n in (1, 2, 3))
    if command == "logs report":
        assert json.loads(out)["correlation"]["found_top_level"] == 3


@pytest.mark.parametrize("command", COMMANDS)
def test_a_huge_line_is_cut_with_a_notice_and_does_not_stall(tmp_path: Path, command: str) -> None:
    path = tmp_path / "huge.jsonl"
    huge = _record(2, payload="x" * (3 * MAX_LINE_BYTES))
    path.write_bytes(_jsonl([_record(1), huge, _record(3)]))
    code, out, err = _invoke(command, path)
    assert _read_ok(command, code), err
    assert f"huge.jsonl line 2: {len(json.dumps(huge)):,} bytes is over the" in err
    if command == "query":
        assert "step 1" in out and "step 3" in out


def test_query_table_cells_are_bounded_json_keeps_values_whole(tmp_path: Path) -> None:
    path = tmp_path / "wide.jsonl"
    path.write_bytes(_jsonl([_record(1, payload="q" * 100_000)]))
    result = CliRunner().invoke(cli, ["query", "fields payload", str(path)])
    assert result.exit_code == 0
    assert result.stdout.count("q") == 2_000  # the table shows the cell's first 2,000
    assert "100,000 characters" in result.stdout
    assert "1 value(s) over the table's 2,000-character cell limit were cut" in result.stderr
    whole = CliRunner().invoke(cli, ["query", "fields payload", str(path), "--format", "json"])
    assert json.loads(whole.stdout)["rows"][0]["payload"] == "q" * 100_000


@pytest.mark.parametrize("command", COMMANDS)
def test_paths_that_are_not_files_are_named(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    code, _, err = _invoke(command, tmp_path, fifo)
    assert code == 2
    assert f"{tmp_path} is a directory" in err
    assert f"{fifo} is not a regular file (a FIFO)" in err
    assert "not found" not in err


ODD_LINES: list[dict[str, Any]] = [
    {"@logStream": [1], "message": "a"},
    {"@logStream": {"a": 1}, "@type": "START"},
    {"@timestamp": 1e300, "level": ["x"]},
    {"@timestamp": [1], "service": {"a": 1}},
    {"time": 1e300, "timestamp": True, "message": 5},
    {"extra": {"correlation_id": 5}, "function_request_id": [], "@requestId": {"a": 1}},
    {"event_type": {"x": 1}, "event_id": [1], "causation_id": {"a": 2}, "@log": ["x"]},
    {"_aws": {"CloudWatchMetrics": 5}, "@ingestionTime": "x", "@message": 5},
]


@pytest.mark.parametrize("shape", ["lines", "array"])
@pytest.mark.parametrize("command", COMMANDS)
def test_fields_of_odd_types_are_read(tmp_path: Path, command: str, shape: str) -> None:
    records = [_record(1)] + [{**odd, "correlation_id": CID} for odd in ODD_LINES]
    path = tmp_path / "odd.json"
    if shape == "lines":
        path.write_bytes(_jsonl(records))
    else:
        path.write_text(json.dumps([{**r, "_log_group": 5, "_timestamp_ms": "x"} for r in records]))
    code, out, err = _invoke(command, path)
    assert _read_ok(command, code), err
    if command == "logs report":
        report = json.loads(out)
        assert report["totals"]["lines"] == len(records)
        assert report["totals"]["first_timestamp_ms"] == 1766003881000
