"""Benchmark the local Logs Insights engine against ``grep -F -c`` on a generated JSON-lines corpus.

Run: ``python -m bench query`` (default 1 GB corpus; ``OBSKIT_BENCH_QUERY_MB=200`` to shrink).
Each measurement runs in a fresh child process so that its peak RSS is its own; the corpus lives
in a temporary directory deleted afterwards. Reported, all from the same run:
- (a) a selective ``filter correlation_id = "…"``: seconds for grep and for the engine, and their
  ratio (target: within 3x), plus the engine with its line prefilter switched off;
- (b) ``stats count(*) by service, level`` over everything: lines per second (target: 300,000);
- peak RSS of both queries on the full corpus and on a quarter of it (memory stays flat).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

SERVICES = [
    "orchestrator",
    "strategy-worker",
    "signal-aggregator",
    "portfolio",
    "execution",
    "metrics",
    "notifications",
]
LEVELS = ["DEBUG"] * 6 + ["INFO"] * 3 + ["WARNING", "ERROR"]
MESSAGES = [
    "dispatching_dsl_function",
    "Fetching market data",
    "Indicator request received",
    "Event publishing skipped (no event bus configured)",
    "Order submitted",
    "Portfolio rebalanced",
]
LINES_PER_WORKFLOW = 400


def generate(path: Path, megabytes: float, seed: int = 1) -> dict[str, Any]:
    """Write ~``megabytes`` of JSON lines (many workflows); return the line count and a target id.

    Lines look like the logger's: Powertools keys, a correlation and causation id, a nested
    ``extra`` object. The target is one workflow's correlation id (its lines are the needle).
    """
    rng = random.Random(seed)
    target_bytes = int(megabytes * 1024 * 1024)
    written = lines = 0
    target = ""
    t = 1_766_003_938_000
    with path.open("wb") as out:
        workflow = 0
        while written < target_bytes:
            cid = f"workflow-{rng.getrandbits(128):032x}"
            if workflow == 7:
                target = cid
            chunk = []
            for i in range(LINES_PER_WORKFLOW):
                t += rng.randint(1, 40)
                seconds, ms = divmod(t, 1000)
                record = {
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
                    + f".{ms:03d}Z",
                    "level": rng.choice(LEVELS),
                    "service": rng.choice(SERVICES),
                    "message": rng.choice(MESSAGES),
                    "correlation_id": cid,
                    "causation_id": cid,
                    "event_id": f"{rng.getrandbits(128):032x}",
                    "symbol": "SPY",
                    "duration_ms": rng.randint(1, 900),
                    "extra": {"attempt": i % 3},
                }
                chunk.append(orjson.dumps(record))
            text = b"\n".join(chunk) + b"\n"
            out.write(text)
            written += len(text)
            lines += LINES_PER_WORKFLOW
            workflow += 1
    return {"lines": lines, "bytes": path.stat().st_size, "target": target}


_CHILD = """
import json, resource, sys, time
from insights_queries.local import query_files
from insights_queries.engine import run
from insights_queries.parser import parse
from insights_queries.sources import LogFiles
query, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.perf_counter()
cpu_started = time.process_time()
if mode == "prefilter":
    result = query_files(query, [path])
else:
    result = run(parse(query), LogFiles([path]))
elapsed = time.perf_counter() - started
cpu = time.process_time() - cpu_started
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu, "rows": len(result.rows),
    "first": result.rows[0] if result.rows else None,
    "scanned": result.statistics.records_scanned, "matched": result.statistics.records_matched,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, default=str))
"""


def engine(query: str, path: Path, mode: str = "prefilter") -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, query, str(path), mode],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def grep_count(needle: str, path: Path) -> dict[str, Any]:
    """Wall and CPU seconds of ``grep -F -c needle path``, and its count."""
    grep = shutil.which("grep")
    if grep is None:
        raise RuntimeError("grep is not installed: the benchmark compares against grep -F -c")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([grep, "-F", "-c", needle, str(path)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": elapsed, "cpu_seconds": cpu, "count": int(out.stdout.strip() or 0)}


def best_of(n: int, fn: Any) -> dict[str, Any]:
    """The fastest of ``n`` runs (by CPU time: other processes on the machine add wall time)."""
    return min((fn() for _ in range(n)), key=lambda r: r["cpu_seconds"])


def run() -> dict[str, Any]:
    megabytes = float(os.environ.get("OBSKIT_BENCH_QUERY_MB", "1024"))
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="obskit-bench-query-") as tmp:
        sizes = {"full": megabytes, "quarter": megabytes / 4}
        corpora = {name: generate(Path(tmp) / f"{name}.jsonl", mb) for name, mb in sizes.items()}
        for name, info in corpora.items():
            path = Path(tmp) / f"{name}.jsonl"
            target = info["target"]
            selective = f'filter correlation_id = "{target}" | fields @timestamp, service, message'
            grep = best_of(3, lambda p=path, t=target: grep_count(t, p))
            fast = best_of(3, lambda p=path, q=selective: engine(q, p))
            if fast["rows"] != grep["count"]:
                raise AssertionError(f"engine found {fast['rows']} lines, grep {grep['count']}")
            stats = best_of(2, lambda p=path: engine("stats count(*) by service, level", p))
            row: dict[str, Any] = {
                "corpus": f"{name}: {info['bytes'] / 2**20:,.0f} MB, {info['lines']:,} lines",
                "grep -F -c s": round(grep["seconds"], 3),
                "filter s": round(fast["seconds"], 3),
                "filter/grep wall": round(fast["seconds"] / grep["seconds"], 2),
                "filter/grep cpu": round(fast["cpu_seconds"] / max(grep["cpu_seconds"], 1e-3), 2),
                "filter RSS MB": round(fast["rss_mb"], 1),
                "stats lines/s (cpu)": round(info["lines"] / stats["cpu_seconds"]),
                "stats lines/s (wall)": round(info["lines"] / stats["seconds"]),
                "stats RSS MB": round(stats["rss_mb"], 1),
            }
            if name == "full":
                slow = engine(selective, path, mode="no-prefilter")
                row["filter w/o prefilter s"] = round(slow["seconds"], 2)
            rows.append(row)
        full, quarter = rows
        notes.append(
            f"(a) selective filter vs grep -F -c: {full['filter/grep wall']}x wall, "
            f"{full['filter/grep cpu']}x CPU (target <= 3x); without the byte prefilter it takes "
            f"{full['filter w/o prefilter s']} s"
        )
        notes.append(
            f"(b) stats count(*) by service, level: {full['stats lines/s (cpu)']:,} lines per CPU "
            f"second, {full['stats lines/s (wall)']:,} per wall second (target >= 300,000)"
        )
        notes.append(
            "memory: peak RSS full vs quarter corpus: filter "
            f"{full['filter RSS MB']} vs {quarter['filter RSS MB']} MB, stats "
            f"{full['stats RSS MB']} vs {quarter['stats RSS MB']} MB"
        )
        notes.append(
            "CPU time is reported beside wall time because other processes share this machine; "
            "each figure is the best of several runs in fresh processes."
        )
    return {"title": "local Logs Insights engine vs grep -F -c", "rows": rows, "notes": notes}
