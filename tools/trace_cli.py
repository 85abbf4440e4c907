"""``obskit trace``: one workflow by correlation ID, from local files or from CloudWatch.

The command is thin: it resolves the options, asks a source (``tools.tracing.sources`` for files,
``tools.tracing.cloudwatch`` for AWS) for the workflow's lines, analyses them against the catalog
and prints one of four renderings. Exit codes: 0 found and completed, 1 found but failed or
incomplete, 2 not found or bad input (the message says what was searched).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tools.options import (
    catalog_option,
    endpoint_url_option,
    profile_option,
    region_option,
    stage_option,
)
from tools.tracing.analysis import analyse
from tools.tracing.matching import Matcher
from tools.tracing.model import Found, Trace
from tools.tracing.timespec import DEFAULT_LOOKBACK_MS, TimeSpecError, now_ms, parse_time
from tools.tracing.workflow_pick import distinctive_events

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status

    from catalog import Catalog
    from tools.tracing.cloudwatch import CloudWatchSource

FORMATS = ("text", "json", "mermaid", "html")
EXIT_OK, EXIT_FAILED, EXIT_NOT_FOUND = 0, 1, 2


class TraceInputError(click.ClickException):
    """Bad input or nothing found: printed as one line, exit code 2."""

    exit_code = EXIT_NOT_FOUND


@click.command()
@click.argument("correlation_id", required=False)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@catalog_option
@stage_option
@click.option(
    "--workflow", default=None, help="Catalog workflow to check against (default: guessed)."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the rendering to this file instead of standard output.",
)
@click.option("--since", default=None, help="Start of the window: ISO time, epoch ms or age (2h).")
@click.option("--until", default=None, help="End of the window (default: now).")
@click.option(
    "--last",
    "last_workflow",
    default=None,
    metavar="WORKFLOW",
    help="Trace the most recent run of this catalog workflow (no ID needed).",
)
@click.option(
    "--via",
    type=click.Choice(["insights", "filter"]),
    default="insights",
    show_default=True,
    help="CloudWatch: Logs Insights (falls back to FilterLogEvents).",
)
@endpoint_url_option
@profile_option
@region_option
@click.option("--max-lines", default=3, show_default=True, help="Log lines shown under each event.")
def trace(
    correlation_id: str | None,
    files: tuple[Path, ...],
    catalog_path: Path | None,
    stage: str | None,
    workflow: str | None,
    fmt: str,
    output: Path | None,
    since: str | None,
    until: str | None,
    last_workflow: str | None,
    via: str,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
    max_lines: int,
) -> None:
    """Trace one workflow by CORRELATION_ID across every log group, from FILES or CloudWatch.

    With FILES (any format the local Logs Insights engine reads) they are searched; without, the catalog's log
    groups are searched in CloudWatch. Exit code 0: completed; 1: failed or incomplete; 2: not
    found or bad input.
    """
    catalog = _catalog(catalog_path, stage)
    if correlation_id is not None and last_workflow is None and _looks_like_file(correlation_id):
        raise TraceInputError(
            f"{correlation_id!r} looks like a file: give the correlation ID first"
        )
    if last_workflow is not None and correlation_id is not None:
        files = (Path(correlation_id), *files)  # with --last, every argument is a file
        correlation_id = None
    start, end = _window(since, until, bool(files))
    if last_workflow is not None:
        correlation_id = _latest(
            catalog, last_workflow, files, start, end, endpoint_url, profile, region
        )
        workflow = workflow or last_workflow
    if not correlation_id:
        raise TraceInputError("give a CORRELATION_ID (or --last WORKFLOW)")
    if files:
        found = _from_files(correlation_id, files, catalog, start, end)
    else:
        found = _from_cloudwatch(
            correlation_id, catalog, start, end, via, endpoint_url, profile, region
        )
    if not found.lines:
        raise TraceInputError(f"no line of {correlation_id} found; searched {found.searched}")
    try:
        result = analyse(found, catalog, workflow)
    except KeyError as error:
        raise TraceInputError(str(error.args[0]) if error.args else str(error)) from None
    _emit(result, fmt, output, max_lines)
    sys.exit(EXIT_OK if result.status == "completed" else EXIT_FAILED)


def _catalog(path: Path | None, stage: str | None) -> Catalog:
    """The catalog, from its compiled cache when current (``tools.tracing.catalog_cache``):
    pydantic and the YAML loader cost most of a short run."""
    from tools.tracing.catalog_cache import load_for_trace

    try:
        return load_for_trace(path, stage)
    except Exception as error:
        # CatalogError comes from the catalog package, imported only when the file was loaded
        problems = sys.modules.get("catalog.problems")
        catalog_error = getattr(problems, "CatalogError", OSError)
        if not isinstance(error, catalog_error | OSError | ValueError):
            raise
        raise TraceInputError(f"cannot load the catalog {path or '(embedded)'}: {error}") from None


def _looks_like_file(text: str) -> bool:
    return Path(text).is_file() and text.endswith((".json", ".jsonl", ".log", ".gz", ".txt"))


def _window(since: str | None, until: str | None, local: bool) -> tuple[int | None, int | None]:
    try:
        start = parse_time(since) if since else None
        end = parse_time(until) if until else None
    except TimeSpecError as error:
        raise TraceInputError(str(error)) from None
    if start is not None and end is not None and start > end:
        raise TraceInputError(f"--since ({since}) is after --until ({until})")
    if not local:
        end = end if end is not None else now_ms()
        start = start if start is not None else end - DEFAULT_LOOKBACK_MS
    return start, end


def _from_files(
    cid: str, files: tuple[Path, ...], catalog: Catalog, start: int | None, end: int | None
) -> Found:
    # The file readers (and their decoders) load only when files are given, never for CloudWatch.
    from insights_queries.sources import SourceError
    from tools.tracing.sources import read_files

    notices: list[str] = []
    try:
        return read_files(cid, list(files), catalog, since=start, until=end, notices=notices)
    except SourceError as error:
        raise TraceInputError(str(error)) from None
    finally:
        _print_notices(notices)


def _print_notices(notices: list[str]) -> None:
    """The reader's notices (lines cut, damaged gzip), on standard error."""
    for notice in notices:
        click.echo(f"notice: {notice}", err=True)


def _cloudwatch(
    catalog: Catalog, endpoint_url: str | None, profile: str | None, region: str | None
) -> tuple[CloudWatchSource, Status]:
    """A source over the catalog's log groups, reporting progress on a spinner (stderr)."""
    # botocore's session, as boto3's would be made (profile, region, endpoint), without boto3's
    # own imports (s3transfer and its multiprocessing: a tenth of a short trace's start-up).
    import botocore.session
    from botocore.exceptions import BotoCoreError

    from tools.tracing.cloudwatch import CloudWatchSource

    try:
        session = botocore.session.Session(profile=profile)
        session.set_config_variable("region", region or catalog.region)
        client = session.create_client("logs", endpoint_url=endpoint_url)
    except (BotoCoreError, ValueError) as error:
        raise TraceInputError(f"cannot reach CloudWatch: {error}") from None
    from rich.console import Console

    status = Console(stderr=True).status("Searching CloudWatch…")
    return CloudWatchSource(client, catalog.log_groups(), progress=status.update), status


def _from_cloudwatch(
    cid: str,
    catalog: Catalog,
    start: int | None,
    end: int | None,
    via: str,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
) -> Found:
    from tools.tracing.cloudwatch import CloudWatchError, Window

    source, status = _cloudwatch(catalog, endpoint_url, profile, region)
    window = Window(start or 0, end if end is not None else now_ms())
    try:
        with status:
            return source.trace(Matcher(cid, catalog), window, via)
    except CloudWatchError as error:
        raise TraceInputError(f"CloudWatch: {error}") from None


def _latest(
    catalog: Catalog,
    name: str,
    files: tuple[Path, ...],
    start: int | None,
    end: int | None,
    endpoint_url: str | None,
    profile: str | None,
    region: str | None,
) -> str:
    try:
        workflow = catalog.workflow(name)
    except KeyError as error:
        raise TraceInputError(str(error.args[0])) from None
    start_event = workflow.start_event
    own_events, other_events = distinctive_events(catalog, workflow)
    if files:
        from insights_queries.sources import SourceError
        from tools.tracing.sources import describe_files, latest_workflow_in_files

        notices: list[str] = []
        try:
            found = latest_workflow_in_files(
                start_event, list(files), own_events, other_events, notices
            )
        except SourceError as error:
            raise TraceInputError(str(error)) from None
        finally:
            _print_notices(notices)
        searched = describe_files(list(files), start, end)
    else:
        from tools.tracing.cloudwatch import CloudWatchError, Window

        source, status = _cloudwatch(catalog, endpoint_url, profile, region)
        window = Window(start or 0, end if end is not None else now_ms())
        try:
            with status:
                handlers = [s.log_group for s in catalog.consumers_of(start_event) if s.log_group]
                found = source.latest_correlation_id(
                    start_event, window, handlers, own_events, other_events
                )
        except CloudWatchError as error:
            raise TraceInputError(f"CloudWatch: {error}") from None
        # "3 log group(s) (3 not found)": a search of groups that do not exist (another region)
        # must not read like one that found no run in them
        absent = f" ({len(source.missing)} not found)" if source.missing else ""
        count = len(source.filtered or source.groups)
        searched = f"{count} log group(s){absent} from {window.describe()}"
    if found is None:
        raise TraceInputError(f"no {start_event} of workflow {name} found; searched {searched}")
    return found


def _emit(result: Trace, fmt: str, output: Path | None, max_lines: int) -> None:
    if fmt == "text":
        from rich.console import Console

        if output is None:
            render_to_console(
                result, Console(highlight=False, width=max(Console().width, 120)), max_lines
            )
            return
        console = Console(file=output.open("w", encoding="utf-8"), width=140, no_color=True)
        render_to_console(result, console, max_lines)
        console.file.close()
        return
    if fmt == "json":
        from tools.tracing.render_json import render_json

        text = render_json(result)
    elif fmt == "mermaid":
        from tools.tracing.render_mermaid import render_mermaid

        text = render_mermaid(result)
    else:
        from tools.tracing.render_html import render_html

        text = render_html(result)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def render_to_console(result: Trace, console: Console, max_lines: int) -> None:
    from tools.tracing.render_text import render_text

    render_text(result, console, max_lines=max_lines)
