"""Logs Insights queries answered by obskit's engine: StartQuery, GetQueryResults, StopQuery and
DescribeQueries over the log events moto stores.

moto parses a little of the query language and ignores ``filter`` and ``stats``, so a diagnosis
query against it returns no real evidence. Here the query runs on :func:`insights_queries.engine.run`
over the groups' events (:mod:`sandbox.insights_events`) with the API's documented behaviour:

- StartQuery (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html):
  the query, groups and time range checked by :mod:`sandbox.insights_requests`; ``queryString`` at
  most 10,000 characters, ``limit`` 1 to 100,000 rows; more than 100 queries in progress at once
  is ``LimitExceededException`` (the concurrency quota,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html).
- GetQueryResults (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetQueryResults.html):
  ``status`` Scheduled, Running, Complete, Failed or Cancelled; ``results`` as lists of
  ``{field, value}`` (values as text, missing fields left out), each row of log events with its
  ``@ptr`` (rows of ``stats`` have none); ``statistics`` recordsMatched, recordsScanned,
  bytesScanned.
- StopQuery (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StopQuery.html):
  a query in progress becomes Cancelled; one that has ended is an error.

The engine answers at once; AWS answers asynchronously. ``polls_to_finish`` models that: a query
reports Scheduled on its first GetQueryResults, Running on the next ones, and Complete on poll
number ``polls_to_finish + 1`` (0, the default: Complete on the first poll). Until then it counts
as in progress (StopQuery cancels it, the concurrency quota counts it) and shows no rows.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from insights_queries import Display, Field, Query, Stats
from insights_queries.engine import Plan, run
from insights_queries.evaluate import QueryError
from insights_queries.prefilter import required_needles
from insights_queries.values import to_text
from sandbox.insights_events import PTR, scan, window_ms
from sandbox.insights_requests import compile_query, epoch_seconds, resolve_groups
from sandbox.logs_api import (
    InsightsState,
    LogsApiError,
    integer,
    invalid,
    not_found,
    text,
)

MAX_QUERY_CHARS = 10_000
MAX_LIMIT = 100_000  # rows a query may ask for; one GetQueryResults page holds at most 10,000
MAX_CONCURRENT_QUERIES = 100
IN_PROGRESS = ("Scheduled", "Running")


@dataclass
class QueryRun:
    """One query started: what was asked, and its answer once the engine ran it."""

    query_id: str
    query_string: str
    log_groups: list[str]
    create_ms: int
    polls_left: int
    status: str = "Scheduled"
    final: str = "Complete"
    """The status the query ends in: Complete, or Failed when the engine could not run it."""
    results: list[list[dict[str, str]]] = field(default_factory=list)
    statistics: dict[str, float] = field(default_factory=dict)
    polls: int = 0

    def poll(self) -> str:
        """The status this GetQueryResults reports (Scheduled, then Running, then the end)."""
        self.polls += 1
        if self.status in IN_PROGRESS:
            if self.polls_left <= 0:
                self.status = self.final
            else:
                self.polls_left -= 1
                self.status = "Scheduled" if self.polls == 1 else "Running"
        return self.status

    def describe(self) -> dict[str, Any]:
        """The entry DescribeQueries lists."""
        return {
            "queryId": self.query_id,
            "queryString": self.query_string,
            "status": self.status,
            "createTime": self.create_ms,
            "logGroupName": self.log_groups[0] if self.log_groups else "",
        }


@dataclass
class Outcome:
    """What the engine answered: rows, statistics, or why the run failed."""

    results: list[list[dict[str, str]]]
    statistics: dict[str, float]
    failed: str | None = None


def execute(
    model: Query, groups: list[Any], account_id: str, start_ms: int, end_ms: int
) -> Outcome:
    """Run ``model`` on the groups' events in the window, rows shaped as GetQueryResults has them."""
    source = scan(groups, account_id, start_ms, end_ms, needles=required_needles(model))
    aggregated = any(isinstance(command, Stats) for command in model.commands)
    runnable = model
    if not aggregated:
        columns = [*Plan(model).columns, PTR]
        runnable = Query((*model.commands, Display(tuple(Field(c) for c in columns))))
    try:
        result = run(runnable, source.events)
    except (QueryError, ValueError, TypeError, ArithmeticError) as error:
        statistics = _statistics(source.records_scanned, 0, source.bytes_scanned)
        return Outcome([], statistics, failed=f"{type(error).__name__}: {error}")
    rows = [
        [
            {"field": name, "value": to_text(row[name])}
            for name in result.columns
            if row.get(name) is not None
        ]
        for row in result.rows
    ]
    matched = result.statistics.records_matched
    return Outcome(rows, _statistics(source.records_scanned, matched, source.bytes_scanned))


def _statistics(scanned: int, matched: int, scanned_bytes: int) -> dict[str, float]:
    return {
        "recordsMatched": float(matched),
        "recordsScanned": float(scanned),
        "bytesScanned": float(scanned_bytes),
    }


def start_query(
    state: InsightsState,
    params: dict[str, Any],
    backend: Any,
    account_id: str,
    region: str,
    polls_to_finish: int,
) -> dict[str, Any]:
    """StartQuery: validate, run the engine, keep the answer for GetQueryResults."""
    query_string = text(params, "queryString", 0, MAX_QUERY_CHARS)
    start_s = epoch_seconds(params, "startTime")
    end_s = epoch_seconds(params, "endTime")
    if end_s < start_s:
        raise invalid(f"endTime {end_s} is before startTime {start_s}")
    limit = integer(params, "limit", 1, MAX_LIMIT)
    groups = resolve_groups(params, backend, account_id, region)
    model = compile_query(query_string)
    in_progress = sum(1 for q in state.queries.values() if q.status in IN_PROGRESS)
    if in_progress >= MAX_CONCURRENT_QUERIES:
        raise LogsApiError(
            "LimitExceededException",
            f"{in_progress} queries are in progress: at most {MAX_CONCURRENT_QUERIES} may run "
            "at once",
        )
    outcome = execute(model, groups, account_id, *window_ms(start_s, end_s))
    final = "Complete" if outcome.failed is None else "Failed"
    run_ = QueryRun(
        query_id=str(uuid.uuid4()),
        query_string=query_string,
        log_groups=[str(g.name) for g in groups],
        create_ms=int(time.time() * 1000),
        polls_left=polls_to_finish,
        status="Scheduled" if polls_to_finish > 0 else final,
        final=final,
        results=outcome.results[:limit] if limit is not None else outcome.results,
        statistics=outcome.statistics,
    )
    state.queries[run_.query_id] = run_
    return {"queryId": run_.query_id}


def _find(state: InsightsState, params: dict[str, Any]) -> QueryRun:
    query_id = text(params, "queryId", 1, 256)
    found: QueryRun | None = state.queries.get(query_id)
    if found is None:
        raise not_found(f"Query {query_id} does not exist")
    return found


def get_query_results(state: InsightsState, params: dict[str, Any]) -> dict[str, Any]:
    """GetQueryResults: the status, and the rows and statistics once Complete."""
    query = _find(state, params)
    status = query.poll()
    if status in IN_PROGRESS or status == "Cancelled":
        empty = _statistics(0, 0, 0)
        return {"results": [], "statistics": empty, "status": status}
    results = query.results if status == "Complete" else []
    return {"results": results, "statistics": query.statistics, "status": status}


def stop_query(state: InsightsState, params: dict[str, Any]) -> dict[str, Any]:
    """StopQuery: cancel a query in progress; one that has ended is an error."""
    query = _find(state, params)
    if query.status not in IN_PROGRESS:
        raise invalid(f"Query {query.query_id} is not running (status {query.status})")
    query.status = "Cancelled"
    query.results = []
    return {"success": True}


def describe_queries(state: InsightsState, params: dict[str, Any]) -> dict[str, Any]:
    """DescribeQueries: the queries started, newest first, filtered by group and status."""
    group = params.get("logGroupName")
    status = params.get("status")
    limit = integer(params, "maxResults", 1, 1000) or 1000
    start = _token(params)
    chosen = [
        q
        for q in reversed(list(state.queries.values()))
        if (group is None or group in q.log_groups) and (status is None or q.status == status)
    ]
    page = chosen[start : start + limit]
    answer: dict[str, Any] = {"queries": [q.describe() for q in page]}
    if start + limit < len(chosen):
        answer["nextToken"] = str(start + limit)
    return answer


def _token(params: dict[str, Any]) -> int:
    token = params.get("nextToken")
    if token is None:
        return 0
    if not isinstance(token, str) or not token.isdigit():
        raise invalid(f"nextToken {token!r} was not returned by this operation")
    return int(token)
