"""Benchmark ``obskit trace``: one correlation ID in a large JSON-lines corpus, and the API calls a
CloudWatch trace makes.

Run: ``python -m bench trace`` (default 1 GB corpus; ``OBSKIT_BENCH_TRACE_MB=200`` to shrink).
The corpus (many workflows written in the logger's format, the traced one's lines spread over
the file) lives in a temporary directory deleted afterwards. Reported, from the same run:
- seconds for ``grep -F -c <id>`` and for the trace (read, match, analyse), and their ratio
  (target: within 3x). The trace hands the ID to the engine's reader as a needle, so lines are
  found by a byte search before any JSON is decoded;
- the AWS API calls one trace makes against a moto_server, per path (Logs Insights and the
  FilterLogEvents fallback), for the embedded catalog's log groups.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from catalog import load_catalog
from tools.tracing.analysis import analyse
from tools.tracing.sources import read_files

LINES_PER_HANDLER = {0: 5, 1: 120}  # the fan-out worker is the chatty one, as in the capture


def flow() -> list[tuple[str, str | None, int]]:
    """(service, handled event type, lines) per step of the catalog's first workflow."""
    catalog = load_catalog()
    workflow = catalog.workflows[0]
    starter = catalog.producers_of(workflow.start_event)[0].name
    steps: list[tuple[str, str | None, int]] = [(starter, None, LINES_PER_HANDLER[0])]
    for index, event_type in enumerate(workflow.steps, start=1):
        for consumer in catalog.consumers_of(event_type)[:1]:
            steps.append((consumer.name, event_type, LINES_PER_HANDLER.get(index, 8)))
    return steps


FLOW = flow()
TARGET = "workflow-00000000-feed-beef-0000-000000c0ffee"


def workflow_lines(cid: str, start_ms: int, salt: int) -> list[bytes]:
    """One workflow's lines as its services write them (handled event IDs, causation chain)."""
    out: list[bytes] = []
    at = start_ms
    parent = cid
    for step, (service, event_type, count) in enumerate(FLOW):
        event_id = (
            f"{salt:08x}-{step:04x}-4000-8000-{salt * 31 + step:012x}" if event_type else None
        )
        for i in range(count):
            at += 3
            seconds, ms = divmod(at, 1000)
            record: dict[str, Any] = {
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
                + f".{ms:03d}Z",
                "level": "DEBUG" if i % 3 else "INFO",
                "message": "dispatching_dsl_function" if i % 3 else f"{service} step {i}",
                "service": service,
                "logger": f"services.{service.replace('-', '_')}",
                "correlation_id": cid,
                "causation_id": parent,
                "event_id": event_id,
                "event_type": event_type,
                "function_name": f"alchemiser-dev-{service}",
                "function_request_id": f"{salt:08x}-0000-0000-0000-{step:012x}",
                "symbol": "SPY",
                "arg_count": i,
            }
            out.append(orjson.dumps(record) + b"\n")
        if event_id:
            parent = event_id
    return out


def generate(path: Path, megabytes: float) -> int:
    """Write ~``megabytes`` of workflows, the target's lines in three places; return line count."""
    limit = int(megabytes * 1024 * 1024)
    target = workflow_lines(TARGET, 1_766_003_938_000, 0)
    thirds = [target[: len(target) // 3], target[len(target) // 3 : 2 * len(target) // 3],
              target[2 * len(target) // 3 :]]  # fmt: skip
    written = lines = salt = 0
    marks = [0, limit // 2, limit - limit // 20]
    with path.open("wb") as out:
        while written < limit:
            salt += 1
            block = workflow_lines(f"workflow-{salt:08x}-0000-4000-8000-{salt:012x}",
                                   1_766_003_938_000 + salt * 1000, salt)  # fmt: skip
            if marks and written >= marks[0]:
                marks.pop(0)
                block = thirds.pop(0) + block
            data = b"".join(block)
            out.write(data)
            written += len(data)
            lines += len(block)
        for rest in thirds:
            out.write(b"".join(rest))
            lines += len(rest)
    return lines


def best_of(runs: int, action: Any) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def api_calls() -> dict[str, Any]:
    """Count the calls one trace makes against a fresh moto_server, per path."""
    import boto3

    from sandbox.moto_server import MotoServer
    from tools.tracing.cloudwatch import CloudWatchSource, Window
    from tools.tracing.matching import Matcher

    catalog = load_catalog()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    with MotoServer() as server:
        client: Any = boto3.client(
            "logs", endpoint_url=server.endpoint_url, region_name="us-east-1"
        )
        now = int(time.time() * 1000)
        lines = workflow_lines(TARGET, now - 60_000, 0)
        by_service: dict[str, list[dict[str, Any]]] = {}
        for raw in lines:
            record = orjson.loads(raw)
            at = now - 60_000 + len(by_service.get(record["service"], [])) * 3
            by_service.setdefault(record["service"], []).append(
                {"timestamp": at, "message": raw.decode().rstrip("\n")}
            )
        for group in catalog.log_groups():
            client.create_log_group(logGroupName=group)
            client.create_log_stream(logGroupName=group, logStreamName="s")
        for service, events in by_service.items():
            client.put_log_events(
                logGroupName=catalog.service(service).log_group, logStreamName="s", logEvents=events
            )
        calls: Counter[str] = Counter()
        client.meta.events.register(
            "provide-client-params.logs.*", lambda model, **_: calls.update([model.name])
        )
        source = CloudWatchSource(client, catalog.log_groups(), poll_interval_s=0.2)
        window = Window(now - 3_600_000, now)
        found = {}
        for via in ("insights", "filter"):
            calls.clear()
            result = source.trace(Matcher(TARGET, catalog), window, via)
            found[via] = (len(result.lines), dict(calls))
    return {"groups": len(catalog.log_groups()), "lines": len(lines), "found": found}


def run() -> dict[str, Any]:
    megabytes = float(os.environ.get("OBSKIT_BENCH_TRACE_MB", "1024"))
    folder = Path(tempfile.mkdtemp(prefix="obskit-bench-trace-"))
    try:
        corpus = folder / "corpus.jsonl"
        total_lines = generate(corpus, megabytes)
        size = corpus.stat().st_size
        catalog = load_catalog()
        grep = shutil.which("grep") or "grep"

        def run_grep() -> None:
            # captured: GNU grep stops at the first match when its output is /dev/null
            subprocess.run([grep, "-F", "-c", "--", TARGET, str(corpus)],
                           capture_output=True, check=True)  # fmt: skip

        found_lines: list[int] = []

        def run_trace() -> None:
            found = read_files(TARGET, [corpus], catalog)
            result = analyse(found, catalog)
            found_lines.append(len(result.lines))

        run_grep()  # warm the page cache for both
        grep_s = best_of(3, run_grep)
        trace_s = best_of(3, run_trace)
        expected = len(workflow_lines(TARGET, 0, 0))
        assert found_lines[-1] == expected, (found_lines[-1], expected)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    calls = api_calls()
    rows = [
        {"what": "grep -F -c <id>", "seconds": grep_s, "MB/s": size / 2**20 / grep_s, "ratio": 1.0},
        {"what": "obskit trace (read+match+analyse)", "seconds": trace_s,
         "MB/s": size / 2**20 / trace_s, "ratio": trace_s / grep_s},
    ]  # fmt: skip
    notes = [
        f"corpus: {size / 2**20:,.0f} MB, {total_lines:,} lines; traced {found_lines[-1]} lines "
        f"of one workflow; target ratio within 3x: {'met' if trace_s <= 3 * grep_s else 'MISSED'}",
    ]
    for via, (lines, made) in calls["found"].items():
        notes.append(
            f"CloudWatch via {via}: {sum(made.values())} API calls ({made}) for "
            f"{calls['groups']} log groups, {lines} of {calls['lines']} lines found"
        )
    return {"title": "trace one correlation ID vs grep -F", "rows": rows, "notes": notes}
