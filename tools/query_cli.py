"""``obskit query``: run a Logs Insights query on local log files, or on CloudWatch itself.

One command, two engines: with FILES the query runs in this process on the logs given (any
format :mod:`insights_queries.sources` reads); without, it runs on CloudWatch Logs Insights
(StartQuery / GetQueryResults) over the catalog's log groups or the ``--log-group`` ones.
The same text, or a generated saved query picked by ``--query-name``, works in both places.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from insights_queries import Query, QuerySyntaxError, UnboundParameterError, bind, parse, render
from insights_queries.cloudwatch import AwsQueryError, AwsTarget, parse_time, run_on_cloudwatch
from insights_queries.engine import Result, Statistics
from insights_queries.evaluate import QueryError
from insights_queries.timestamps import Millis, format_millis
from insights_queries.values import to_text
from tools.options import (
    catalog_option,
    endpoint_url_option,
    profile_option,
    region_option,
    stage_option,
)

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_AWS = 3
# Characters of one value the table shows: rich wraps every character of a cell, so one 50 MB
# value would keep the table busy for minutes; json and csv print values whole.
MAX_CELL_CHARS = 2_000


class _Failure(Exception):
    """A user-facing failure: a message and the exit code it stands for."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    raise _Failure(message, code)


# ------------------------------------------------------------------ the query to run


def _parse_params(pairs: Sequence[str]) -> dict[str, str | int | float]:
    params: dict[str, str | int | float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            _fail(f"--param {pair!r}: expected NAME=VALUE")
        params[name.strip()] = value
    return params


def _syntax_message(error: QuerySyntaxError) -> str:
    pointer = "\n".join("  " + line for line in error.pointer().split("\n"))
    return f"query syntax error at {error}\n{pointer}"


def _from_text(text: str) -> Query:
    try:
        return parse(text)
    except QuerySyntaxError as error:
        _fail(_syntax_message(error))


def _saved_query(name: str, catalog_path: Path | None, stage: str | None) -> Any:
    """The generated query ``name`` (or its tail), from the saved-query cache when current."""
    from tools.saved_queries import CatalogUnavailable, named_queries

    try:
        queries = named_queries(catalog_path, stage)
    except CatalogUnavailable as error:
        _fail(f"cannot load the catalog: {error}")
    for saved in queries:
        if saved.name == name or saved.name.split("/", 1)[-1] == name:
            return saved
    names = [q.name for q in queries] + [q.name.split("/", 1)[-1] for q in queries]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    _fail(
        f"no generated query named {name!r}{hint}\n"
        f"  (`obskit query --list` shows the {len(queries)} queries of this catalog)"
    )


# ------------------------------------------------------------------ output


def _json_value(value: Any) -> Any:
    if isinstance(value, Millis):
        return format_millis(value)
    return value


def _statistics_line(stats: Statistics, rows: int) -> str:
    return (
        f"{rows:,} row(s); records scanned {stats.records_scanned:,}, matched "
        f"{stats.records_matched:,}, bytes scanned {stats.bytes_scanned:,}"
        + (f", malformed lines {stats.malformed_lines:,}" if stats.malformed_lines else "")
    )


def _emit(result: Result, fmt: str, out: Console, err: Console) -> None:
    if fmt == "json":
        document = {
            "columns": result.columns,
            "rows": [{k: _json_value(v) for k, v in row.items()} for row in result.rows],
            "statistics": vars(result.statistics),
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([to_text(row.get(c)) for c in result.columns])
        click.echo(buffer.getvalue(), nl=False)
        return
    table = Table(show_lines=False)
    for column in result.columns:
        table.add_column(escape(column), overflow="fold")
    cut = 0
    for row in result.rows:
        cells = []
        for column in result.columns:
            text = to_text(row.get(column))
            if len(text) > MAX_CELL_CHARS:
                cut += 1
                text = f"{text[:MAX_CELL_CHARS]}… ({len(text):,} characters)"
            cells.append(escape(text))
        table.add_row(*cells)
    out.print(table)
    err.print(_statistics_line(result.statistics, len(result.rows)), style="dim")
    if cut:
        _notice(
            err,
            f"{cut:,} value(s) over the table's {MAX_CELL_CHARS:,}-character cell limit were cut; "
            "--format json or csv prints them whole",
        )


def _notice(err: Console, text: str) -> None:
    err.print(f"[yellow]notice:[/yellow] {escape(text)}", soft_wrap=True)


# ------------------------------------------------------------------ the command


@click.command()
@click.argument("query_text", required=False, metavar="QUERY")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="How to print the results.",
)
@click.option("--query-name", help="Run a generated saved query (name or its tail) instead.")
@click.option("--list", "list_queries", is_flag=True, help="List the generated queries and exit.")
@catalog_option
@stage_option
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Query parameter.")
@click.option("--log-group", "log_groups", multiple=True, help="CloudWatch log group (repeat).")
@click.option(
    "--since", default="1h", show_default=True, help="Start: ISO time or age (15m, 2h, 3d)."
)
@click.option("--until", default=None, help="End: ISO time or age (default: now).")
@endpoint_url_option
@region_option
@profile_option
@click.option(
    "--timeout",
    default=900.0,
    show_default=True,
    help="Seconds to wait for CloudWatch to finish a query.",
)
def query(
    query_text: str | None,
    files: tuple[Path, ...],
    fmt: str,
    query_name: str | None,
    list_queries: bool,
    catalog_path: Path | None,
    stage: str | None,
    params: tuple[str, ...],
    log_groups: tuple[str, ...],
    since: str,
    until: str | None,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
    timeout: float,
) -> None:
    """Run a Logs Insights QUERY on log FILES, or on CloudWatch when no file is given.

    FILES may be JSON lines, plain text, Lambda stdout, the JSON of `aws logs
    filter-log-events` / `get-log-events`, or a JSON array capture; gzip is read as is.
    With --query-name, every argument is a file and the query comes from the catalog.

    \b
    Examples:
      obskit query 'stats count(*) by level' logs/*.jsonl
      obskit query 'filter correlation_id = "wf-1" | sort @timestamp' app.log.gz --format json
      obskit query --query-name errors/errors-by-service capture.json
      obskit query --query-name trace/trace-correlation-id --param correlation_id=wf-1
      obskit query 'fields @timestamp, @message | limit 20' --log-group /aws/lambda/x --since 2h

    \b
    Exit codes:
      0  the query ran (whatever it found)
      2  bad input: query syntax error, missing file, unknown query name or parameter
      3  CloudWatch failed: API error, or the query failed, was cancelled or timed out
    """
    out = Console()
    err = Console(stderr=True)
    try:
        _run(
            query_text=query_text,
            files=files,
            fmt=fmt,
            query_name=query_name,
            list_queries=list_queries,
            catalog_path=catalog_path,
            stage=stage,
            params=params,
            log_groups=log_groups,
            since=since,
            until=until,
            target=AwsTarget(endpoint_url=endpoint_url, region=region, profile=profile),
            timeout=timeout,
            out=out,
            err=err,
        )
    except _Failure as failure:
        err.print(f"[red]error:[/red] {escape(str(failure))}", soft_wrap=True)
        sys.exit(failure.code)


def _run(
    *,
    query_text: str | None,
    files: tuple[Path, ...],
    fmt: str,
    query_name: str | None,
    list_queries: bool,
    catalog_path: Path | None,
    stage: str | None,
    params: tuple[str, ...],
    log_groups: tuple[str, ...],
    since: str,
    until: str | None,
    target: AwsTarget,
    timeout: float,
    out: Console,
    err: Console,
) -> None:
    if list_queries:
        _list(catalog_path, stage)
        return
    values = _parse_params(params)
    groups = list(log_groups)
    if query_name is not None:
        saved = _saved_query(query_name, catalog_path, stage)
        if query_text is not None:
            files = (Path(query_text), *files)
        model = saved.query
        groups = groups or list(saved.log_groups)
    elif query_text is None:
        _fail("give a QUERY (or --query-name NAME); see `obskit query --help`")
    else:
        model = _from_text(query_text)
    try:
        model = bind(model, values)
    except UnboundParameterError as error:
        names = ", ".join(f"--param {n}=VALUE" for n in error.missing)
        _fail(f"{error}; give {names}")
    notices: list[str] = []
    if files:
        result = _run_local(model, files, notices)
    else:
        if not groups:
            groups = _catalog_groups(catalog_path, stage)
        result = _run_cloudwatch(model, groups, since, until, target, timeout, err)
    _emit(result, fmt, out, err)
    for notice in notices:
        _notice(err, notice)


def _run_local(model: Query, files: Sequence[Path], notices: list[str]) -> Result:
    """The query run on ``files``; the reader checks each path (missing, a directory, a FIFO)."""
    # The local engine and its readers: only for FILES (a CloudWatch run never loads them).
    from insights_queries.local import query_files
    from insights_queries.sources import SourceError

    try:
        return query_files(model, list(files), notices=notices)
    except (SourceError, QueryError) as error:
        _fail(str(error))


def _catalog_groups(catalog_path: Path | None, stage: str | None) -> list[str]:
    from catalog import CatalogError, load_catalog

    try:
        return list(load_catalog(catalog_path, stage=stage).log_groups())
    except CatalogError as error:
        _fail(f"no --log-group given and cannot load the catalog: {error}")


def _run_cloudwatch(
    model: Query,
    groups: list[str],
    since: str,
    until: str | None,
    target: AwsTarget,
    timeout: float,
    err: Console,
) -> Result:
    try:
        start = parse_time(since)
        end = parse_time(until) if until else None
    except ValueError as error:
        _fail(str(error))
    try:
        with err.status("starting query", spinner="dots") as status:
            return run_on_cloudwatch(
                render(model),
                groups,
                start=start,
                end=end,
                target=target,
                timeout=timeout,
                progress=lambda text: status.update(escape(text)),
            )
    except AwsQueryError as error:
        _fail(str(error), EXIT_AWS)


def _list(catalog_path: Path | None, stage: str | None) -> None:
    from catalog import CatalogError, load_catalog
    from insights_queries.library import build_queries

    try:
        catalog = load_catalog(catalog_path, stage=stage)
    except CatalogError as error:
        _fail(f"cannot load the catalog: {error}")
    # plain lines, not a table: names must stay whole to be copied into --query-name
    for saved in build_queries(catalog):
        params = " ".join(f"--param {p}=…" for p in saved.parameters)
        click.echo(f"{saved.name}{'  ' + params if params else ''}\n    {saved.description}")
