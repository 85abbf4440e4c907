"""Benchmark ``obskit query`` / ``obskit trace`` against the tools a user would pick instead.

Run: ``python -m bench peers`` (part of ``make bench``). The corpus is generated JSON lines in the
logger's shape (Powertools keys, correlation and causation ids, a nested ``extra``, 8 services);
``OBSKIT_BENCH_PEERS_MB`` sets its size (default 300 MB; the issue's figures are for 1024).
Each job runs on the same file, in fresh processes (start-up included, as a user sees it), and
every contender's answer is checked against obskit's before its time is reported:

- DuckDB (``read_json_auto`` + SQL), when the ``duckdb`` package is installed (``bench`` extra);
- ``grep -F`` / ``grep -E`` and ripgrep (``rg``), when they are on ``PATH``.

``obskit trace`` loads the default catalog: its first run fills the compiled-catalog cache, so
the best of two runs is a cached start, as every run after a user's first. ``total MB`` of a
parallel job adds the parent's peak RSS and the largest worker's times the cores (an upper
bound: pages the forked workers share with the parent count twice).

A contender that is not installed is skipped with a note. Ratios (obskit ÷ peer) are computed
within this one run: numbers from a shared machine are only comparable side by side. Beside wall
time, obskit and DuckDB report CPU-seconds (user + system of the whole process tree, the least of
the runs): on a loaded machine wall time is mostly waiting for a core, CPU time is steadier.
"""

from __future__ import annotations

import functools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench.bench_query import LEVELS, MESSAGES  # the same line mix as the query benchmark

ROOT = Path(__file__).resolve().parent.parent
SERVICES = [
    "orchestrator",
    "strategy-worker",
    "signal-aggregator",
    "portfolio",
    "execution",
    "metrics",
    "notifications",
    "data-feed",
]
LINES_PER_WORKFLOW = 300
RUNS = int(os.environ.get("OBSKIT_BENCH_PEERS_RUNS", "2"))
"""Best of this many runs, per job and contender."""


def generate(path: Path, megabytes: float, seed: int = 7) -> dict[str, Any]:
    """~``megabytes`` of JSON lines; return the line count and one workflow's correlation id.

    One line in about 300 says ``upstream timeout after N ms`` (the regex job's target).
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
            if workflow in (0, 11):  # the 12th, or the first of a corpus too small for 12
                target = cid
            chunk = []
            for i in range(LINES_PER_WORKFLOW):
                t += rng.randint(1, 40)
                seconds, ms = divmod(t, 1000)
                timeout = rng.random() < 1 / 300
                record = {
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
                    + f".{ms:03d}Z",
                    "level": "ERROR" if timeout else rng.choice(LEVELS),
                    "service": rng.choice(SERVICES),
                    "message": f"upstream timeout after {rng.randint(1000, 30000)} ms"
                    if timeout
                    else rng.choice(MESSAGES),
                    "correlation_id": cid,
                    "causation_id": cid,
                    "event_id": f"{rng.getrandbits(128):032x}",
                    "duration_ms": rng.randint(1, 900),
                    "function_request_id": f"{rng.getrandbits(64):016x}",
                    "xray_trace_id": f"1-{seconds:08x}-{rng.getrandbits(96):024x}",
                    "extra": {"attempt": i % 3, "symbol": "SPY", "cold_start": i == 0},
                }
                chunk.append(orjson.dumps(record))
            text = b"\n".join(chunk) + b"\n"
            out.write(text)
            written += len(text)
            lines += LINES_PER_WORKFLOW
            workflow += 1
    return {"lines": lines, "bytes": path.stat().st_size, "target": target}


# ------------------------------------------------------------------ contenders (child processes)

_OBSKIT = """
import json, resource, sys
from insights_queries.local import query_files
result = query_files(sys.argv[1], [sys.argv[2]])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest worker
from insights_queries.parallel import workers as cores
print(json.dumps({"rows": result.rows, "rss_mb": own / 1024, "worker_mb": workers / 1024,
    "cores": cores()}, default=str))
"""

_TRACE = """
import contextlib, io, json, resource, sys
from tools.cli import main
out = io.StringIO()
sys.argv = ["obskit", "trace", sys.argv[1], sys.argv[2], "--format", "json"]
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit:
        pass
doc = json.loads(out.getvalue())
print(json.dumps({"rows": sum(s["lines"] for s in doc["services"]),
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_DUCKDB = """
import json, resource, sys
import duckdb
rows = duckdb.sql(sys.argv[1].replace("FILE", repr(sys.argv[2]))).fetchall()
print(json.dumps({"rows": rows,
    "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, default=str))
"""


def _children_cpu() -> float:
    """CPU-seconds (user + system) of every finished child process and of their own children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(code: str, *args: str) -> dict[str, Any]:
    started = time.perf_counter()
    cpu = _children_cpu()
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu  # the whole tree: obskit's workers are reaped by the child
    if done.returncode != 0:
        raise RuntimeError(f"child failed: {done.stderr.strip().splitlines()[-1:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = seconds
    result["cpu"] = cpu
    return result


def _shell(command: str) -> dict[str, Any]:
    started = time.perf_counter()
    cpu = _children_cpu()
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu  # the whole pipeline (bash and its commands, reaped by bash)
    return {"seconds": seconds, "rows": done.stdout.strip(), "rss_mb": None, "cpu": cpu}


def _best(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The fastest of ``RUNS`` runs (wall), with the least CPU time any of them took."""
    runs = [run() for _ in range(RUNS)]
    best = min(runs, key=lambda r: float(r["seconds"]))
    if all(r.get("cpu") is not None for r in runs):
        best["cpu"] = min(float(r["cpu"]) for r in runs)
    return best


# ------------------------------------------------------------------ the jobs


def _jobs(target: str) -> list[dict[str, Any]]:
    """Each job: obskit's query (or trace), and each peer's command with how to read its answer."""
    by_service = "group by service order by service"
    return [
        {
            "job": "one correlation ID",
            "obskit": f'filter correlation_id = "{target}" | fields @timestamp, message',
            "answer": lambda rows: len(rows),
            "duckdb": f"select count(*) from read_json_auto(FILE) where correlation_id = '{target}'",
            "duckdb_answer": lambda rows: rows[0][0],
            "grep": f"grep -F -c -- {target} FILE",
            "rg": f"rg -F -c -- {target} FILE",
            "shell_answer": int,
        },
        {
            "job": "filter level=ERROR | stats count by service",
            "obskit": 'filter level = "ERROR" | stats count(*) as n by service | sort service',
            "answer": lambda rows: [[r["service"], r["n"]] for r in rows],
            "duckdb": "select service, count(*) from read_json_auto(FILE) "
            f"where level = 'ERROR' {by_service}",
            "duckdb_answer": lambda rows: [list(r) for r in rows],
            "grep": 'grep -F \'"level":"ERROR"\' FILE | grep -o \'"service":"[^"]*"\' '
            "| sort | uniq -c",
            "rg": 'rg -F \'"level":"ERROR"\' FILE | rg -o \'"service":"[^"]*"\' | sort | uniq -c',
            "shell_answer": _uniq_counts,
        },
        {
            "job": "stats count by service, level",
            "obskit": "stats count(*) as n by service, level | sort service, level",
            "answer": lambda rows: [[r["service"], r["level"], r["n"]] for r in rows],
            "duckdb": "select service, level, count(*) from read_json_auto(FILE) "
            "group by service, level order by service, level",
            "duckdb_answer": lambda rows: [list(r) for r in rows],
        },
        {
            "job": "stats avg, pct95 by service",
            "obskit": "stats avg(duration_ms) as a, pct(duration_ms, 95) as p by service "
            "| sort service",
            "answer": lambda rows: [[r["service"], round(r["a"], 6), r["p"]] for r in rows],
            # quantile_disc is a nearest-rank percentile, as Logs Insights' pct
            "duckdb": "select service, round(avg(duration_ms), 6), "
            f"quantile_disc(duration_ms, 0.95) from read_json_auto(FILE) {by_service}",
            "duckdb_answer": lambda rows: [list(r) for r in rows],
        },
        {
            "job": "regex filter | sort | limit 20",
            "obskit": "filter message like /timeout after \\d+ ms/ | fields @timestamp, message "
            "| sort @timestamp desc | limit 20",
            "answer": lambda rows: [r["message"] for r in rows],
            "duckdb": "select message from read_json_auto(FILE) where "
            "regexp_matches(message, 'timeout after \\d+ ms') order by timestamp desc limit 20",
            "duckdb_answer": lambda rows: [r[0] for r in rows],
            "grep": "grep -E 'timeout after [0-9]+ ms' FILE | sort -r | head -20 | "
            "grep -o 'upstream timeout after [0-9]* ms'",
            "rg": "rg 'timeout after [0-9]+ ms' FILE | sort -r | head -20 | "
            "rg -o 'upstream timeout after [0-9]* ms'",
            "shell_answer": lambda text: [
                "upstream " + x.split("upstream ", 1)[1] for x in text.splitlines()
            ],
        },
        {
            "job": "trace one ID (lines in time order)",
            "trace": target,
            "answer": lambda rows: rows,
            "duckdb": "select count(*) from (select * from read_json_auto(FILE) "
            f"where correlation_id = '{target}' order by timestamp)",
            "duckdb_answer": lambda rows: rows[0][0],
            "grep": f"grep -F -- {target} FILE | sort | wc -l",
            "rg": f"rg -F -- {target} FILE | sort | wc -l",
            "shell_answer": int,
        },
    ]


def _uniq_counts(text: str) -> list[list[Any]]:
    out = []
    for line in text.splitlines():
        count, _, key = line.strip().partition(" ")
        out.append([key.split(":", 1)[1].strip('"'), int(count)])
    return sorted(out)


def _contenders() -> tuple[dict[str, bool], list[str]]:
    notes = []
    present = {"grep": shutil.which("grep") is not None, "rg": shutil.which("rg") is not None}
    try:
        import duckdb  # noqa: F401

        present["duckdb"] = True
    except ImportError:
        present["duckdb"] = False
        notes.append("DuckDB skipped: the duckdb package is not installed (pip install '.[bench]')")
    for tool in ("grep", "rg"):
        if not present[tool]:
            notes.append(f"{tool} skipped: not installed")
    return present, notes


def run() -> dict[str, Any]:
    megabytes = float(os.environ.get("OBSKIT_BENCH_PEERS_MB", "300"))
    present, notes = _contenders()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="obskit-bench-peers-") as tmp:
        path = Path(tmp) / "corpus.jsonl"
        info = generate(path, megabytes)
        for job in _jobs(info["target"]):
            rows.append(_run_job(job, path, present, notes))
    notes.insert(
        0,
        f"corpus: {info['bytes'] / 2**20:,.1f} MB, {info['lines']:,} lines, {len(SERVICES)} "
        f"services; best of {RUNS} runs, start-up included; x = obskit / peer (wall)",
    )
    return {
        "title": "obskit vs DuckDB, grep and ripgrep (same answers)",
        "rows": rows,
        "notes": notes,
    }


def _run_job(
    job: dict[str, Any], path: Path, present: dict[str, bool], notes: list[str]
) -> dict[str, Any]:
    if "trace" in job:
        ours = _best(lambda: _child(_TRACE, job["trace"], str(path)))
    else:
        ours = _best(lambda: _child(_OBSKIT, job["obskit"], str(path)))
    expected = job["answer"](ours["rows"])
    row: dict[str, Any] = {"job": job["job"], "obskit s": round(ours["seconds"], 2)}
    row["obskit CPU s"] = round(ours["cpu"], 2)
    row["obskit MB"] = round(ours["rss_mb"], 0)
    if ours.get("worker_mb"):  # the parallel runner's largest worker process (one per core)
        row["worker MB"] = round(ours["worker_mb"], 0)
        # an upper bound: the workers' pages shared with the parent (forked) count twice
        row["total MB"] = round(ours["rss_mb"] + ours["worker_mb"] * ours["cores"], 0)
    for peer in ("duckdb", "grep", "rg"):
        if peer not in job or not present[peer]:
            continue
        if peer == "duckdb":
            theirs = _best(lambda: _child(_DUCKDB, job["duckdb"], str(path)))
            answer = job["duckdb_answer"](theirs["rows"])
        else:
            command: str = job[peer].replace("FILE", str(path))
            theirs = _best(functools.partial(_shell, command))
            answer = job["shell_answer"](theirs["rows"])
        if answer != expected:
            notes.append(
                f"{job['job']}: {peer} answered differently: {answer!r:.200} vs {expected!r:.200}"
            )
            row[f"{peer} s"] = "differs"
            continue
        row[f"{peer} s"] = round(theirs["seconds"], 2)
        row[f"x {peer}"] = round(ours["seconds"] / theirs["seconds"], 2)
        if theirs.get("cpu"):  # CPU time: steadier than wall time on a shared machine
            row[f"{peer} CPU s"] = round(theirs["cpu"], 2)
            row[f"x {peer} CPU"] = round(ours["cpu"] / theirs["cpu"], 2)
        if theirs["rss_mb"] is not None:
            row[f"{peer} MB"] = round(theirs["rss_mb"], 0)
    return row
