"""``import logging_config`` stays light: no boto3/pydantic/jinja2, fronts' libraries only on use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ["boto3", "botocore", "pydantic", "jinja2", "structlog", "pythonjsonlogger", "yaml"]


def _modules_after(code: str, repo_root: Path) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_import_pulls_in_nothing_heavy(repo_root: Path) -> None:
    loaded = _modules_after(
        "import logging_config\n"
        "logging_config.configure('svc')\n"
        "with logging_config.start_workflow():\n"
        "    logging_config.get_logger('x').info('m', a=1)",
        repo_root,
    )
    assert "logging_config" in loaded
    assert sorted(name for name in HEAVY if name in loaded) == []


@pytest.mark.parametrize(
    ("front", "library"),
    [("structlog_front", "structlog"), ("stdlib_bridge", "pythonjsonlogger")],
)
def test_front_libraries_load_only_with_their_front(
    repo_root: Path, front: str, library: str
) -> None:
    loaded = _modules_after(f"import logging_config.{front}", repo_root)
    assert library in loaded
    assert "boto3" not in loaded and "pydantic" not in loaded
