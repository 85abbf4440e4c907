"""The options every command spells the same way are declared once (tools/options.py): each
command that takes one has the same name, environment variable and help as every other."""

from __future__ import annotations

import click
import pytest

from tools.cli import SUBCOMMANDS, cli
from tools.options import CATALOG_HELP, ENDPOINT_HELP, PROFILE_HELP, REGION_HELP, STAGE_HELP

SHARED = {
    "--catalog": CATALOG_HELP,
    "--stage": STAGE_HELP,
    "--endpoint-url": ENDPOINT_HELP,
    "--profile": PROFILE_HELP,
    "--region": REGION_HELP,
}


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    found: list[tuple[str, click.Command]] = []
    pending = [(name, cli.get_command(ctx, name)) for name in SUBCOMMANDS]
    while pending:
        name, command = pending.pop()
        assert command is not None, name
        found.append((name, command))
        if isinstance(command, click.Group):
            pending += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
    return found


@pytest.mark.parametrize("option", sorted(SHARED))
def test_a_shared_option_is_the_same_wherever_it_appears(option: str) -> None:
    seen = []
    for name, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option) and option in param.opts:
                seen.append(name)
                assert param.help == SHARED[option], f"{name} {option}: {param.help!r}"
                assert param.default is None, name
                if option == "--endpoint-url":
                    assert param.envvar == "AWS_ENDPOINT_URL", name
    assert len(seen) >= 3, f"{option} is shared by {seen}"
