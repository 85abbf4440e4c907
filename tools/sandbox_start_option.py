"""``--start``: pin where the sandbox's simulated clock starts, for every command that starts one.

Unpinned, a sandbox starts about 12 hours before the wall clock, on a day the catalog's schedules
run, so what a run shows can depend on the date it happens on. A pin makes it exact: tests and CI
pin it, and an operator can replay a drill on the same simulated day. The option writes the
pinned value to ``OBSKIT_SANDBOX_START`` so the sandboxes of worker processes (parallel drills)
start at the same instant.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

START_ENV = "OBSKIT_SANDBOX_START"
"""The sandbox's own name for it (``sandbox.clock.START_ENV``), repeated here so that
``--help`` does not import the sandbox; a test holds the two equal."""


def _pin(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if not value:
        return None
    from sandbox.clock import StartError, check_start, iso, parse_start

    try:
        start = parse_start(value)
        check_start(start, time.time())
    except StartError as error:
        raise click.BadParameter(str(error), ctx=ctx, param=param) from None
    os.environ[START_ENV] = iso(start)
    return iso(start)


def start_option(command: F) -> F:
    """Add ``--start INSTANT`` (also ``$OBSKIT_SANDBOX_START``) to a command that starts sandboxes."""
    return click.option(
        "--start",
        "sandbox_start",
        envvar=START_ENV,
        default=None,
        metavar="INSTANT",
        expose_value=False,
        is_eager=True,
        callback=_pin,
        help="Pin the sandbox's simulated clock start: an ISO 8601 UTC instant (or epoch "
        "seconds) 6 hours to 13 days ago, e.g. 2026-12-01T06:55:00Z. Default: about 12 h ago, "
        "on a day the catalog's schedules run. Also $OBSKIT_SANDBOX_START.",
    )(command)
