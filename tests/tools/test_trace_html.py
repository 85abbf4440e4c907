"""The HTML waterfall, loaded in headless Chromium: what the page's script draws is read back from
the rendered DOM, and a screenshot is written to ``out/trace/`` for a person to look at."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tools.demo_cli import local_demo as demo
from tools.trace_cli import trace

CID = "workflow-2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def chromium(*args: str) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("headless Chromium is needed for the HTML tests (Debian package 'chromium')")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", *args],
            capture_output=True, timeout=120, check=False,
        )  # fmt: skip


def drawn(page: Path) -> str:
    """The DOM after the page's script ran."""
    result = chromium("--dump-dom", page.resolve().as_uri())
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout.decode()


def screenshot(page: Path, target: Path) -> bytes:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    result = chromium(f"--screenshot={target}", "--window-size=1200,900", page.resolve().as_uri())
    assert result.returncode == 0 and target.is_file(), result.stderr.decode(errors="replace")
    return target.read_bytes()


def render(tmp_path: Path, cid: str, source: Path) -> tuple[Path, dict[str, object]]:
    page = tmp_path / "trace.html"
    out = CliRunner().invoke(trace, [cid, str(source), "--format", "html", "-o", str(page)])
    assert out.exit_code in (0, 1), out.output
    doc = json.loads(CliRunner().invoke(trace, [cid, str(source), "--format", "json"]).stdout)
    return page, doc


def bars(dom: str) -> list[tuple[str, float]]:
    """(service, x) of every service bar drawn, in drawing order."""
    found = []
    for tag in re.findall(r"<rect [^>]*class=\"bar[^\"]*\"[^>]*>", dom):
        service = re.search(r'data-service="([^"]+)"', tag)
        x = re.search(r' x="([\d.]+)"', tag)
        assert service and x, tag
        found.append((service.group(1), float(x.group(1))))
    return found


def test_the_capture_waterfall_draws_every_service_and_marks_the_errors(
    tmp_path: Path, alchemiser_capture: Path, repo_root: Path
) -> None:
    page, doc = render(tmp_path, CID, alchemiser_capture)
    html = page.read_text()
    assert "<script src" not in html and "<link" not in html  # self-contained
    dom = drawn(page)
    services = doc["services"]
    assert isinstance(services, list)
    drawn_bars = bars(dom)
    assert [name for name, _ in drawn_bars] == [s["name"] for s in services]
    xs = [x for _, x in drawn_bars]
    assert xs == sorted(xs)  # in the order they ran, left to right
    errors = doc["errors"]
    assert isinstance(errors, list)
    marks = re.findall(r'class="error-mark" data-service="([^"]+)"', dom)
    assert marks == [e["service"] for e in errors]
    with_errors = {s["name"] for s in services if s["errors"]}
    assert set(re.findall(r'class="bar has-errors" data-service="([^"]+)"', dom)) == with_errors
    png = screenshot(page, repo_root / "out" / "trace" / "capture-waterfall.png")
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000


def test_an_example_workflow_waterfall_has_a_tick_per_event(
    tmp_path: Path, repo_root: Path
) -> None:
    result = CliRunner().invoke(demo, ["--json"])
    source = tmp_path / "workflow.jsonl"
    source.write_text(result.stdout)
    cid = json.loads(result.stdout.splitlines()[0])["correlation_id"]
    page, doc = render(tmp_path, cid, source)
    dom = drawn(page)
    events = doc["events"]
    assert isinstance(events, list)
    ticks = re.findall(r'class="event-mark" data-event="([^"]+)"', dom)
    assert ticks == [e["event_id"] for e in events]
    rows = re.findall(r'class="event-bar[^"]*" data-event="([^"]+)"', dom)
    assert rows == [e["event_id"] for e in events]  # one waterfall row per event
    assert 'class="status completed"' in dom
    screenshot(page, repo_root / "out" / "trace" / "example-waterfall.png")
