"""Start-up: a query or a trace over plain files imports neither pydantic nor the catalog.

Importing pydantic and loading the catalog cost most of a short run (hundreds of milliseconds);
``obskit query`` on files never needs them, and ``obskit trace`` loads them only to analyse the
workflow. Each check runs in a fresh interpreter, where ``sys.modules`` tells what was imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("pydantic", "catalog", "yaml", "boto3", "botocore")

_REPORT = """
import sys
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1].split(",")))
print("HEAVY=" + ",".join(heavy))
"""


def _heavy_modules(code: str, tmp_path: Path) -> list[str]:
    script = tmp_path / "probe.py"
    script.write_text(code + _REPORT)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(script), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    marker = [line for line in done.stdout.splitlines() if line.startswith("HEAVY=")]
    assert marker, done.stderr
    return [m for m in marker[-1].removeprefix("HEAVY=").split(",") if m]


def _log(tmp_path: Path) -> Path:
    path = tmp_path / "app.jsonl"
    lines = [
        {
            "timestamp": "2025-12-17T20:38:58.084Z",
            "level": "ERROR",
            "correlation_id": "wf-1",
            "message": "boom",
        }
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def test_a_file_query_imports_no_pydantic_catalog_or_boto(tmp_path: Path) -> None:
    log = _log(tmp_path)
    code = f"""
import sys
from tools.cli import main
sys.argv = ["obskit", "query", 'filter level = "ERROR" | stats count(*)', {str(log)!r}]
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
"""
    assert _heavy_modules(code, tmp_path) == []


def test_the_trace_command_and_its_file_reader_import_no_pydantic(tmp_path: Path) -> None:
    log = _log(tmp_path)
    code = f"""
from pathlib import Path
import tools.trace_cli
from tools.tracing.analysis import analyse
from tools.tracing.sources import read_files
found = read_files("wf-1", [Path({str(log)!r})], None)
assert len(found.lines) == 1, found
analyse(found, None)
"""
    assert _heavy_modules(code, tmp_path) == []
