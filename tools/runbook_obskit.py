"""Parse an ``obskit ...`` command line with click's own parser, on the real command objects.

Used by ``obskit runbook check``: a runbook step naming an option or subcommand that does not
exist fails here exactly as it would fail for the operator. Parameters are converted too (choices,
integers, paths that must exist), but no command callback runs.
"""

from __future__ import annotations

import click

from runbooks.runbook_check import ParsedObskit


def parse_obskit(words: list[str]) -> ParsedObskit:
    """Parse the words after ``obskit``; ValueError with click's message when they do not parse."""
    from tools.cli import cli  # imported late: tools.cli imports subcommands lazily

    command: click.Command = cli
    parent = click.Context(cli, info_name="obskit")
    path: list[str] = []
    rest = list(words)
    while isinstance(command, click.Group):
        sub = command.get_command(parent, rest[0]) if rest and not rest[0].startswith("-") else None
        if sub is not None:
            path.append(rest.pop(0))
            if isinstance(sub, click.Group):
                parent = click.Context(sub, info_name=path[-1], parent=parent)
            command = sub
            continue
        if rest and not rest[0].startswith("-"):
            raise ValueError(f"no such command 'obskit {' '.join([*path, rest[0]])}'")
        if command is cli or not command.invoke_without_command:
            raise ValueError(f"'{' '.join(['obskit', *path])}' needs a subcommand")
        break
    outer = parent.parent if parent.command is command else parent
    try:
        leaf = command.make_context(path[-1], rest, parent=outer)
    except click.exceptions.Exit:
        return ParsedObskit(tuple(path), {})
    except click.ClickException as error:
        raise ValueError(error.format_message()) from None
    return ParsedObskit(tuple(path), dict(leaf.params))
