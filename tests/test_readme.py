"""The README is the front door: its links resolve and every command it names exists."""

from __future__ import annotations

import re
from pathlib import Path

from tools.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_starts_with_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()[1:]] == [
        "make demo",
        "make test",
    ]


def test_every_linked_file_exists() -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)\)", text)
    assert links, "the README links no documentation"
    missing = [link for link in links if not (README.parent / link).exists()]
    assert not missing, f"README links to missing files: {missing}"


def test_every_obskit_command_named_is_a_real_subcommand() -> None:
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"`obskit ([a-z]+)", text))
    assert {"demo", "generate", "trace", "query"} <= named
    known = set(cli.list_commands(None))  # type: ignore[arg-type]
    assert named <= known, f"README names unknown commands: {sorted(named - known)}"
