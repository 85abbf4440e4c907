"""``obskit sandbox up / run / status / down`` through click, on a moto_server it starts itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from runbooks.sandbox import state_file
from tools.cli import cli

pytestmark = pytest.mark.slow


def test_up_run_status_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "sandbox.json"
    monkeypatch.setenv(state_file.ENV_VAR, str(state))
    runner = CliRunner()
    assert "sandbox" in runner.invoke(cli, ["--help"]).output

    up = runner.invoke(cli, ["sandbox", "up"])
    assert up.exit_code == 0, up.output
    saved = state_file.load()
    assert saved.endpoint_url in up.output and saved.pid is not None
    try:
        run = runner.invoke(cli, ["sandbox", "run", "--workflows", "1"])
        assert run.exit_code == 0, run.output
        assert "alchemiser-dev-event-dlq-not-empty" in run.output
        assert state_file.load().clock > saved.clock  # the next run continues the timeline

        status = runner.invoke(cli, ["sandbox", "status"])
        assert status.exit_code == 0, status.output
        assert "running" in status.output and "alchemiser-dev-execution.fifo" in status.output
    finally:
        down = runner.invoke(cli, ["sandbox", "down"])
    assert down.exit_code == 0 and "stopped" in down.output
    assert not state.exists()
    again = runner.invoke(cli, ["sandbox", "down"])
    assert again.exit_code == 1 and "no sandbox is up" in again.output


def test_run_without_up_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(state_file.ENV_VAR, str(tmp_path / "none.json"))
    result = CliRunner().invoke(cli, ["sandbox", "run"])
    assert result.exit_code == 2
    assert "obskit sandbox up" in result.output
