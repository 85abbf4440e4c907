"""A handler that raises on import, or a handler path with a typo: `sandbox up`, `drill run` and
`demo` say so in one line with exit 2, print no traceback, and leave no moto_server or Lambda
gateway running (the process table is checked)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox import state_file
from tools.cli import cli

pytestmark = pytest.mark.slow

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "alchemiser"


def _children() -> set[int]:
    """Our own child processes that are a moto_server or a Lambda gateway."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and (
            b"sandbox.moto_server" in cmdline or b"sandbox.lambda_gateway" in cmdline
        ):
            found.add(int(entry.name))
    return found


@pytest.fixture
def fresh_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The example's ``services`` package forgotten for one test (so the broken copy is really
    imported), and ``sys.path`` and ``sys.modules`` as they were afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    saved = {k: v for k, v in sys.modules.items() if k == "services" or k.startswith("services.")}
    for name in saved:
        monkeypatch.delitem(sys.modules, name)
    yield
    for name in [k for k in sys.modules if k == "services" or k.startswith("services.")]:
        del sys.modules[name]
    sys.modules.update(saved)


def _broken_example(tmp_path: Path, *, typo: bool) -> Path:
    """A copy of the example with the portfolio handler broken: raising at import, or named
    with a typo."""
    shutil.copytree(EXAMPLE_DIR / "services", tmp_path / "services")
    text = (EXAMPLE_DIR / "catalog.yaml").read_text(encoding="utf-8")
    if typo:
        text = text.replace("services.portfolio:handler", "services.portfolo:handler")
    else:
        module = tmp_path / "services" / "portfolio.py"
        module.write_text(module.read_text() + '\nraise RuntimeError("boom at import")\n')
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text, encoding="utf-8")
    return catalog


@pytest.mark.parametrize("typo", [False, True], ids=["raises-on-import", "path-typo"])
@pytest.mark.parametrize(
    "command",
    [["sandbox", "up"], ["drill", "run", "lambda-portfolio-failing"], ["demo", "--no-drills"]],
    ids=["sandbox-up", "drill-run", "demo"],
)
def test_a_broken_handler_is_one_line_exit_2_and_nothing_left_running(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_services: None,
    command: list[str],
    typo: bool,
) -> None:
    monkeypatch.setenv(state_file.ENV_VAR, str(tmp_path / "state.json"))
    catalog = _broken_example(tmp_path, typo=typo)
    before = _children()

    result = CliRunner().invoke(cli, [*command, "--catalog", str(catalog)])

    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "portfolio" in result.output
    assert ("portfolo" if typo else "RuntimeError: boom at import") in result.output
    assert isinstance(result.exception, SystemExit)  # not an exception escaping the command
    assert _children() <= before, "a moto_server or gateway outlived the failed start"
    assert not (tmp_path / "state.json").exists()
