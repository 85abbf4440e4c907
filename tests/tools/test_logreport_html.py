"""`--format html`: one self-contained page whose chart renders in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tools.cli import cli

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("headless Chromium is needed for the HTML tests (Debian package 'chromium')")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="module")
def page(alchemiser_capture: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("html") / "report.html"
    runner = CliRunner()
    args = ["logs", "report", str(alchemiser_capture)]
    html = runner.invoke(cli, [*args, "--format", "html", "--out", str(out)])
    assert html.exit_code == 0, html.output
    report = json.loads(runner.invoke(cli, [*args, "--format", "json"]).stdout)
    return {"path": out, "report": report}


def test_page_is_self_contained(page: dict[str, Any]) -> None:
    text = page["path"].read_text(encoding="utf-8")
    assert "<script" not in text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)
    assert "<svg" in text and "<style>" in text


def test_chart_renders_in_chromium(page: dict[str, Any]) -> None:
    shot = page["path"].with_suffix(".png")
    result = _chromium(f"--screenshot={shot}", "--window-size=1200,900", page["path"].as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    dom = _chromium("--dump-dom", page["path"].as_uri()).stdout
    bars = re.findall(
        r'<rect class="bar"[^>]*data-service="([^"]+)" data-level="([^"]+)" data-bytes="(\d+)"',
        dom,
    )
    report = page["report"]
    expected = {(r["service"], r["level"]): r["bytes"] for r in report["by_service_level"]}
    assert {(s, lvl): int(b) for s, lvl, b in bars} == expected
    assert len(bars) == len(expected)
    # the longest bar is the service writing the most
    widths: dict[str, float] = {}
    for match in re.finditer(
        r'<rect class="bar"[^>]*width="([\d.]+)"[^>]*data-service="([^"]+)"', dom
    ):
        widths[match[2]] = widths.get(match[2], 0.0) + float(match[1])
    assert max(widths, key=lambda name: widths[name]) == report["by_service"][0]["service"]
