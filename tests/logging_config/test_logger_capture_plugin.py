"""The pytest plugin: registered by entry point, ``capture_logs`` parses lines and restores the sink."""

from __future__ import annotations

import io
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import logging_config
from logging_config import sink
from logging_config.pytest_plugin import CapturedLogs


def test_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("obskit") == "logging_config.pytest_plugin"


def test_capture_sees_lines_even_after_configure_sets_a_stream(capture_logs: Any) -> None:
    elsewhere = io.StringIO()
    logging_config.configure("svc", stream=elsewhere, env={})
    with logging_config.start_workflow("wf-p"):
        logging_config.get_logger("x").info("captured", n=1)
    assert elsewhere.getvalue() == ""
    assert capture_logs.messages() == ["captured"]
    assert capture_logs.where(n=1)[0]["correlation_id"] == "wf-p"


def test_captured_logs_parse_split_writes_and_flag_bad_lines() -> None:
    captured = CapturedLogs()
    captured.write(b'{"a":1}\n{"b"')
    captured.write(b":2}\nnot json\n[1]\n")
    assert list(captured) == [{"a": 1}, {"b": 2}]
    assert len(captured.errors) == 2
    assert captured.raw == [b'{"a":1}', b'{"b":2}', b"not json", b"[1]"]


def test_capture_is_removed_after_the_test(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(
        "from logging_config import sink\n"
        "def test_inside(capture_logs):\n"
        "    assert sink._override is capture_logs\n"
        "def test_after():\n"
        "    assert sink._override is None\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_no_capture_is_left_behind_here() -> None:
    assert sink._override is None
