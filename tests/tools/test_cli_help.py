"""``obskit --help`` lists every command with its own one-line help, without importing any."""

from __future__ import annotations

import importlib
import subprocess
import sys

from click.testing import CliRunner

from tools.cli import SUBCOMMANDS, SUMMARIES, cli


def test_every_command_has_the_summary_its_own_help_starts_with() -> None:
    assert set(SUMMARIES) == set(SUBCOMMANDS)
    for name, (module, attribute) in SUBCOMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        assert SUMMARIES[name] == command.get_short_help_str(limit=200), name


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for name, summary in SUMMARIES.items():
        assert f"  {name}  " in result.output or f"  {name} " in result.output
        assert summary in result.output


def test_help_imports_no_subcommand() -> None:
    probe = (
        "import sys\n"
        "from tools.cli import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('tools.') and m != 'tools.cli'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "drill" in done.stdout and "Incident drills" in done.stdout
