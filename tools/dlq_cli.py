"""``obskit dlq``: inspect a dead-letter queue, and replay it safely.

The logic lives in ``tools.dlq``; this module parses options, draws the table / progress bar and
chooses exit codes: 0 done, 1 something needs a person (poison, unroutable or failed messages),
2 bad input (unknown queue, bad --to), 130 stopped with Ctrl-C (re-run to continue).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
import orjson
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from tools.dlq.aws import AwsOptions, queue_arn, queue_url
from tools.dlq.inspect import report
from tools.dlq.journal import Journal, default_journal_path
from tools.dlq.messages import DlqMessage, queue_name_of_arn
from tools.dlq.move_task import MoveTaskUnsupported, start_move_task, wait_move_task
from tools.dlq.peek import peek_all
from tools.dlq.rate import RateLimiter
from tools.dlq.replay import DEFAULT_VISIBILITY_S, Replayer, ReplayResult
from tools.dlq.targets import Sender, Target, parse_target
from tools.options import aws_options

EXIT_ATTENTION = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    Console(stderr=True, highlight=False).print(f"[red]{escape(message)}[/red]", soft_wrap=True)
    raise SystemExit(code)


def _resolve_queue(sqs: Any, queue: str, option: str | None = None) -> str:
    """The queue's URL, or exit 2 naming the queue (and the option that named it)."""
    where = f"{option}: queue {queue!r}" if option else f"queue {queue!r}"
    try:
        return queue_url(sqs, queue)
    except ClientError as error:
        _fail(f"{where}: {error.response.get('Error', {}).get('Message') or error}")
    except BotoCoreError as error:
        _fail(f"{where}: {error}")
    raise AssertionError("unreachable")


@click.group()
def dlq() -> None:
    """Inspect and replay dead-letter queues (SQS redrive, EventBridge and Lambda DLQs)."""


@dlq.command("inspect")
@click.argument("queue")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.option(
    "--max",
    "max_messages",
    type=click.IntRange(min=1),
    default=None,
    help="Read at most N messages.",
)
@aws_options
def inspect_command(
    queue: str,
    fmt: str,
    max_messages: int | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
) -> None:
    """Show what waits in QUEUE (name or URL), grouped by event type and error, without deleting.

    Reads EventBridge's ERROR_CODE / ERROR_MESSAGE / RULE_ARN / TARGET_ARN attributes, Lambda's
    ErrorCode / ErrorMessage and SQS's DeadLetterQueueSourceArn. Messages are made visible again.
    """
    sqs = AwsOptions(endpoint_url, region, profile).client("sqs")
    url = _resolve_queue(sqs, queue)
    messages = peek_all(sqs, url, limit=max_messages)
    data = report(queue, messages, int(time.time() * 1000), _sources(sqs, url))
    out = Console(highlight=False)
    if fmt == "json":
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(
        title=f"{queue}: {data['messages']} message(s), {data['distinct_events']} distinct event(s)"
    )
    for column in (
        "count",
        "event type",
        "error",
        "origin",
        "oldest age",
        "sample event_ids",
        "sample correlation_ids",
    ):
        table.add_column(column, overflow="fold")
    for group in data["groups"]:
        age = group["oldest_age_s"]
        table.add_row(
            str(group["count"]),
            escape(group["event_type"]),
            escape(group["error"]),
            group["origin"],
            "-" if age is None else f"{age:.0f} s",
            escape(", ".join(group["sample_event_ids"]) or ", ".join(group["sample_message_ids"])),
            escape(", ".join(group["sample_correlation_ids"])),
        )
    out.print(table)


def _sources(sqs: Any, url: str) -> list[str]:
    try:
        found = sqs.list_dead_letter_source_queues(QueueUrl=url).get("queueUrls", [])
    except ClientError:
        return []
    return sorted(u.rstrip("/").rsplit("/", 1)[-1] for u in found)


def _try_move_task(
    sqs: Any, url: str, mode: Target | str, sources: list[str], rate: float | None, out: Console
) -> bool:
    """Redrive with StartMessageMoveTask when it applies and the endpoint supports it."""
    if not sources:
        return False
    if isinstance(mode, Target) and not (mode.kind == "sqs" and mode.name in sources):
        return False
    if isinstance(mode, str) and mode != "auto":
        return False
    source_arn = queue_arn(sqs, url)
    destination = None
    if isinstance(mode, Target):
        destination = queue_arn(sqs, queue_url(sqs, mode.name))
    try:
        start_move_task(sqs, source_arn, destination, int(rate) if rate else None)
    except MoveTaskUnsupported as note:
        out.print(f"[yellow]{escape(str(note))}: replaying message by message[/yellow]")
        return False
    with Progress(TextColumn("moving"), BarColumn(), MofNCompleteColumn(), console=out) as bar:
        task = bar.add_task("move", total=None)

        def show(status: Any) -> None:
            bar.update(task, completed=status.moved, total=status.to_move)

        final = wait_move_task(sqs, source_arn, show)
    if final.status != "COMPLETED":
        _fail(f"message move task {final.status}: {final.failure_reason or '-'}", EXIT_ATTENTION)
    out.print(f"moved {final.moved} message(s) with StartMessageMoveTask")
    return True


@dlq.command("replay")
@click.argument("queue")
@click.option(
    "--to",
    "to",
    default=None,
    help="sqs:<queue>, events:<bus>, lambda:<function>, sns:<topic> (republish what a "
    "subscription's DLQ kept), bus (RULE_ARN's bus) or target (TARGET_ARN). Default: from each "
    "message's attributes.",
)
@click.option(
    "--lambda",
    "lambda_function",
    default=None,
    metavar="FUNCTION",
    help="Re-invoke messages a function's asynchronous invocations left (Lambda's "
    "on-failure DLQ messages do not name the function).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be sent; change nothing.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="At most N messages per second.",
)
@click.option(
    "--max",
    "max_messages",
    type=click.IntRange(min=1),
    default=None,
    help="Replay at most N messages this run.",
)
@click.option(
    "--park-poison",
    "park",
    default=None,
    help="Queue to move poison messages to (default: leave them in the DLQ).",
)
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Journal file (default .obskit/dlq-journal/<queue>.jsonl).",
)
@click.option(
    "--visibility-timeout",
    type=click.IntRange(min=1, max=43200),
    default=DEFAULT_VISIBILITY_S,
    show_default=True,
    help="Seconds a received message stays hidden while it is replayed.",
)
@click.option(
    "--move-task/--no-move-task",
    default=True,
    show_default=True,
    help="Use SQS StartMessageMoveTask for a DLQ of SQS queues when supported.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@aws_options
def replay_command(
    queue: str,
    to: str | None,
    lambda_function: str | None,
    dry_run: bool,
    rate: float | None,
    max_messages: int | None,
    park: str | None,
    journal_path: Path | None,
    visibility_timeout: int,
    move_task: bool,
    fmt: str,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
) -> None:
    """Put QUEUE's messages back where they were going, at most once each, safely re-runnable.

    EventBridge rule DLQ messages go back on their bus (PutEvents with the original source,
    detail-type and detail); SQS redrive DLQs go back to their source queue (StartMessageMoveTask
    when supported, else receive → send → delete); --to overrides. A message that came back to
    the DLQ after an earlier replay is reported as poison, another DLQ copy of an event already
    sent as a duplicate; neither is sent again (both are moved with --park-poison).
    """
    try:
        mode = parse_target(to)
    except ValueError as error:
        _fail(str(error))
        return
    aws = AwsOptions(endpoint_url, region, profile)
    sqs = aws.client("sqs")
    url = _resolve_queue(sqs, queue)
    if isinstance(mode, Target) and mode.kind == "sqs":
        _resolve_queue(sqs, mode.name, f"--to {mode}")
    if park is not None:
        _resolve_queue(sqs, park, "--park-poison")
    out = Console(highlight=False, stderr=fmt == "json")
    sources = _sources(sqs, url)
    if (
        move_task
        and not dry_run
        and max_messages is None
        and park is None
        and lambda_function is None
        and _try_move_task(aws.client("sqs", attempts=1), url, mode, sources, rate, out)
    ):
        if fmt == "json":
            click.echo(orjson.dumps({"move_task": True}).decode())
        return
    journal = Journal(journal_path or default_journal_path(queue))
    sender = Sender(sqs, aws.client)
    depth = int(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ].get("ApproximateNumberOfMessages", 0)
    )
    total = min(depth, max_messages) if max_messages else depth
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=out,
        transient=fmt == "json",
    ) as bar:
        task = bar.add_task("dry run" if dry_run else "replaying", total=total or None)

        def progress(action: str, message: DlqMessage) -> None:
            bar.advance(task)

        result = Replayer(
            sqs=sqs,
            sender=sender,
            journal=journal,
            url=url,
            mode=mode,
            sources=sources,
            limiter=RateLimiter(rate),
            max_messages=max_messages,
            dry_run=dry_run,
            park=park,
            visibility_s=visibility_timeout,
            lambda_function=lambda_function,
            on_progress=progress,
        ).run()
    _print_result(queue, result, fmt, dry_run, out)
    if result.interrupted:
        raise SystemExit(EXIT_INTERRUPTED)
    set_aside = len(result.poison) + len(result.duplicates)
    if result.failed or (set_aside and not dry_run and len(result.parked) < set_aside):
        raise SystemExit(EXIT_ATTENTION)


def _print_result(queue: str, result: ReplayResult, fmt: str, dry_run: bool, out: Console) -> None:
    if fmt == "json":
        click.echo(orjson.dumps({"queue": queue, **result.as_json()}).decode())
        return
    if dry_run:
        table = Table(title=f"dry run: {queue} (nothing changed)")
        for column in ("event", "action", "target"):
            table.add_column(column, overflow="fold")
        for key, action, target in result.planned:
            table.add_row(escape(key), escape(action), escape(target))
        out.print(table)
    else:
        out.print(
            f"{queue}: sent {len(result.sent)}, finished from an earlier run "
            f"{len(result.finished)}, poison {len(result.poison)}, duplicates "
            f"{len(result.duplicates)}, parked "
            f"{len(result.parked)}, failed {len(result.failed)}"
        )
    for key in result.poison:
        out.print(f"[yellow]poison (came back after a replay): {escape(key)}[/yellow]")
    for key in result.duplicates:
        out.print(
            f"[yellow]duplicate within the DLQ (never replayed; its event was already sent from "
            f"another message, so it is not sent again): {escape(key)}[/yellow]",
            soft_wrap=True,
        )
    for message_id, error in result.failed:
        out.print(f"[red]not replayed {escape(message_id)}: {escape(error)}[/red]", soft_wrap=True)
    if result.interrupted:
        out.print(
            "[yellow]stopped: in-flight messages are visible again; run the same command "
            "to continue[/yellow]"
        )


__all__ = ["dlq", "queue_name_of_arn"]
