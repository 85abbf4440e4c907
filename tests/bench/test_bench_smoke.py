"""The benchmark harness runs: ``python -m bench peers`` on a tiny corpus, as ``make bench``
runs it, so a change to the harness (its tables, the peers' answers, a corpus too small for
its target) breaks here rather than in the next hand-run 1 GiB measurement. Times are not
judged (bench/ measures them, never the suite)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import main as bench_main

ROOT = Path(__file__).resolve().parents[2]
JOBS = [
    "one correlation ID",
    "filter level=ERROR | stats count by service",
    "stats count by service, level",
    "stats avg, pct95 by service",
    "regex filter | sort | limit 20",
    "trace one ID (lines in time order)",
]


def test_the_peers_benchmark_runs_on_a_tiny_corpus_and_every_peer_agrees(
    tmp_path: Path,
) -> None:
    env = dict(
        os.environ,
        OBSKIT_BENCH_PEERS_MB="0.2",  # two workflows' lines: fewer than the 12 it targets at size
        OBSKIT_BENCH_PEERS_RUNS="1",
        OBSKIT_BENCH_RESULTS=str(tmp_path),
        COLUMNS="60",  # a narrow log: the table must still print whole cells
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench", "peers"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for job in JOBS:
        assert job in done.stdout, done.stdout  # whole, not folded into "…"
    result = json.loads((tmp_path / "peers.json").read_text(encoding="utf-8"))
    rows = {row["job"]: row for row in result["rows"]}
    assert list(rows) == JOBS
    for row in rows.values():
        assert row["obskit CPU s"] >= 0 and row["obskit MB"] > 0
        # a peer that answered otherwise is marked "differs" instead of timed
        assert "differs" not in row.values(), (row, result["notes"])
    if shutil.which("grep"):  # grep answered the same, and was timed
        assert isinstance(rows["one correlation ID"]["grep s"], float)
    assert result["notes"][0].startswith("corpus: 0.3 MB, 600 lines")  # whole workflows


def test_an_unknown_benchmark_is_named_with_the_ones_there_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench_main(["no-such-bench"]) == 2
    out = capsys.readouterr().out
    assert "unknown benchmark(s): no-such-bench" in out and "peers" in out
