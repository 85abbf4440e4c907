"""``obskit replay archive``: replay a window of a bus's archive (optionally to some rules only).

Exit codes: 0 completed, 1 the replay failed or was cancelled, 2 bad input (also when
EventBridge refuses the request as written: a window ending in the future, an unknown archive).
"""

from __future__ import annotations

from datetime import UTC

import click
import orjson
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from tools.dlq.archive_replay import (
    ArchiveReplayError,
    ReplayStatus,
    start_archive_replay,
    to_datetime,
    wait_replay,
)
from tools.dlq.aws import AwsOptions
from tools.options import endpoint_url_option, profile_option, region_option
from tools.tracing.timespec import TimeSpecError, parse_time

BAD_INPUT = frozenset(
    {"ValidationException", "ResourceNotFoundException", "ResourceAlreadyExistsException"}
)
"""EventBridge's answers to a request that is wrong as written (a window in the future, a name
taken): exit 2, like the other bad input."""


@click.group()
def replay() -> None:
    """Replay events from an EventBridge archive."""


@replay.command("archive")
@click.option("--bus", required=True, help="Event bus whose archive to replay (and replay to).")
@click.option("--archive", default=None, help="Archive name (default: the bus's only archive).")
@click.option("--since", required=True, help="Window start: ISO time, epoch ms or age (2h).")
@click.option("--until", "until", required=True, help="Window end: ISO time, epoch ms or age.")
@click.option("--rule", "rules", multiple=True, help="Replay only to this rule (repeat).")
@click.option("--name", default=None, help="Replay name (default: derived from bus and window).")
@click.option(
    "--wait/--no-wait", default=True, show_default=True, help="Follow the replay until it ends."
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Seconds between DescribeReplay calls.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@endpoint_url_option
@region_option
@profile_option
def archive(
    bus: str,
    archive: str | None,
    since: str,
    until: str,
    rules: tuple[str, ...],
    name: str | None,
    wait: bool,
    poll: float,
    fmt: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
) -> None:
    """Replay bus BUS's archived events of [--since, --until) back to the bus (StartReplay).

    Consumers see the original detail (same event_id), so idempotent handlers skip what they
    already handled. Events reach the archive up to 10 minutes late: end the window at least
    10 minutes ago, or wait that long after it ends. The replay runs a minute of events at a
    time; --wait follows it (DescribeReplay) to COMPLETED. Example: obskit replay archive --bus orders-staging --since 2h --until 1h
    --rule orders-staging-shipping
    """
    err = Console(stderr=True, highlight=False)
    try:
        start, end = to_datetime(parse_time(since)), to_datetime(parse_time(until))
    except TimeSpecError as error:
        err.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    events = AwsOptions(endpoint_url, region, profile).client("events")
    try:
        replay_name = start_archive_replay(
            events, bus=bus, archive=archive, start=start, end=end, rules=rules, name=name
        )
        status = _follow(events, replay_name, poll, fmt) if wait else None
    except ArchiveReplayError as error:
        err.print(f"[red]{escape(str(error))}[/red]", soft_wrap=True)
        raise SystemExit(2) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        err.print(f"[red]EventBridge: {escape(str(error))}[/red]", soft_wrap=True)
        raise SystemExit(2 if code in BAD_INPUT else 1) from None
    except BotoCoreError as error:
        err.print(f"[red]EventBridge: {escape(str(error))}[/red]", soft_wrap=True)
        raise SystemExit(1) from None
    if fmt == "json":
        click.echo(
            orjson.dumps(
                {
                    "replay": replay_name,
                    "state": status.state if status else "STARTED",
                    "reason": status.reason if status else None,
                }
            ).decode()
        )
    else:
        Console(highlight=False).print(
            f"replay {escape(replay_name)}: {status.state if status else 'started'}"
            + (f" ({escape(status.reason)})" if status and status.reason else "")
        )
    if status is not None and status.state != "COMPLETED":
        raise SystemExit(1)


def _follow(events: object, name: str, poll: float, fmt: str) -> ReplayStatus:
    console = Console(stderr=True, highlight=False)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=fmt == "json",
    ) as bar:
        task = bar.add_task(f"replay {name}", total=1.0)

        def show(status: ReplayStatus) -> None:
            reached = (
                f" (events up to {status.last_replayed.astimezone(UTC):%Y-%m-%d %H:%M:%SZ})"
                if status.last_replayed is not None
                else ""
            )
            bar.update(
                task,
                completed=status.fraction or 0.0,
                description=f"replay {escape(name)} {status.state}{reached}",
            )

        return wait_replay(events, name, show, poll_s=poll)
