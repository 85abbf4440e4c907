"""Run the benchmarks: every ``bench/bench_<name>.py`` module exposing ``run() -> dict``.

Each ``run()`` returns ``{"title": str, "rows": [dict, ...], "notes": [str, ...]}`` (the rows share
their keys). This runner prints one rich table per benchmark and writes the whole result, with the
machine it ran on, to ``bench/results/<name>.json``: numbers from noisy machines are compared as
ratios within one run, never across runs.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_ENV = "OBSKIT_BENCH_RESULTS"
"""Where the JSON results go instead of ``bench/results`` (the suite's smoke test uses it)."""


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(name: str, result: dict[str, Any], console: Console) -> None:
    rows: list[dict[str, Any]] = result.get("rows", [])
    table = Table(title=f"{name}: {result.get('title', '')}")
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    for column in columns:
        table.add_column(column, justify="left" if column == columns[0] else "right")
    for row in rows:
        table.add_row(*(_format(row.get(c, "")) for c in columns))
    # a wide table at its natural width (a log file or a narrow terminal would fold every cell
    # into a column of ellipses): results are read back from logs, so whole numbers matter more
    natural = Measurement.get(console, console.options.update_width(1000), table).maximum
    wide = console if natural <= console.width else Console(width=natural, file=console.file)
    wide.print(table)
    for note in result.get("notes", []):
        console.print(f"  {note}")


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    console = Console()
    results_dir = Path(os.environ.get(RESULTS_ENV) or BENCH_DIR / "results")
    results_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        result: dict[str, Any] = module.run()
        result["elapsed_s"] = round(time.perf_counter() - started, 3)
        result["machine"] = {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        }
        render(name, result, console)
        out = results_dir / f"{name}.json"
        out.write_text(json.dumps(result, indent=2, sort_keys=True, default=str) + "\n")
        shown = out.relative_to(BENCH_DIR.parent) if out.is_relative_to(BENCH_DIR.parent) else out
        console.print(f"  → {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
