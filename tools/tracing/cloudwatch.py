"""CloudWatch as a trace source: Logs Insights first, FilterLogEvents per group as the fallback.

Logs Insights is the distributed engine, so it does the searching: one query per batch of at most
50 log groups (the StartQuery limit). The window narrows itself: a ``stats`` query finds the
workflow's first and last line and how many there are, then the lines are fetched over just that
span, split further wherever a query hits the 10,000-row result limit. Queries are polled with a
progress callback. If Insights is refused or fails, ``FilterLogEvents`` runs per group in parallel
with a quoted-term filter pattern (the correlation ID), which narrows the transfer in AWS; every
line is re-checked on this side (moto ignores filter patterns it does not understand and Insights
``filter``), and the groups' lines are merged in time order.
"""

from __future__ import annotations

import contextlib
import heapq
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from insights_queries.lambda_lines import text_line_fields
from insights_queries.timestamps import parse_timestamp
from tools.tracing.matching import Matcher
from tools.tracing.model import Found, Line, iso
from tools.tracing.workflow_pick import pick_latest

GROUPS_PER_QUERY = 50  # StartQuery accepts at most 50 log groups
ROW_LIMIT = 10_000  # the most rows one Logs Insights query returns
MAX_POLL_INTERVAL_S = 5.0
DONE = frozenset({"Complete", "Failed", "Cancelled", "Timeout", "Unknown"})

Progress = Callable[[str], None]
Event = dict[str, Any]


class CloudWatchError(RuntimeError):
    """CloudWatch refused or failed a request (the message says which and why)."""


@dataclass
class Window:
    """A time window in epoch milliseconds (both ends included)."""

    start: int
    end: int

    def describe(self) -> str:
        return f"{iso(self.start)} to {iso(self.end)}"

    def split(self, parts: int) -> list[Window]:
        """``parts`` adjacent windows covering this one (fewer when it is too short)."""
        parts = max(1, min(parts, self.end - self.start + 1))
        step = (self.end - self.start + 1) / parts
        edges = [self.start + round(i * step) for i in range(parts)] + [self.end + 1]
        return [Window(a, b - 1) for a, b in zip(edges, edges[1:], strict=False)]


@dataclass
class CloudWatchSource:
    """Where and how to search: a boto3 ``logs`` client and the catalog's log groups."""

    client: Any
    groups: list[str]
    poll_interval_s: float = 0.5
    timeout_s: float = 600.0
    workers: int = 8
    progress: Progress = field(default=lambda _msg: None)
    filtered: set[str] = field(default_factory=set)
    """Groups FilterLogEvents was asked about (a latest run is looked for in its start event's
    handlers' groups only)."""
    missing: set[str] = field(default_factory=set)
    """Of those, the ones that do not exist (Lambda creates a function's group at its first
    invocation; none of them exists in another region)."""

    # ------------------------------------------------------------------ entry points

    def trace(self, matcher: Matcher, window: Window, via: str = "insights") -> Found:
        """The workflow's lines: Logs Insights, or FilterLogEvents when asked or as fallback."""
        notes: list[str] = []
        if via == "insights":
            try:
                return self.trace_insights(matcher, window)
            except CloudWatchError as error:
                notes.append(f"Logs Insights failed ({error}); fell back to FilterLogEvents")
                self.progress(notes[-1])
        found = self.trace_filter(matcher, window)
        found.notes[:0] = notes
        return found

    def trace_insights(self, matcher: Matcher, window: Window) -> Found:
        """Find the span with one ``stats`` query per batch, then fetch the lines in it."""
        cid = matcher.correlation_id
        needle = _insights_string(cid)
        events: list[Event] = []
        for batch in batches(self.groups):
            span_query = (
                f"filter @message like {needle}"
                " | stats min(@timestamp) as first_at, max(@timestamp) as last_at,"
                " count(*) as lines"
            )
            rows = self.run_query(batch, window, span_query)
            span, count = _span_of(rows, window)
            if count == 0:
                continue
            events.extend(self._fetch(batch, span.split(_parts_for(count)), needle))
        found = self._found(matcher, events, self._describe("Logs Insights", window))
        return found

    def trace_filter(self, matcher: Matcher, window: Window) -> Found:
        """FilterLogEvents per log group in parallel, merged in time order."""
        pattern = f'"{matcher.correlation_id}"'
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(self.groups)))) as pool:
            per_group = list(pool.map(lambda g: self.filter_group(g, window, pattern), self.groups))
        merged = heapq.merge(*per_group, key=lambda e: int(e.get("@timestamp") or 0))
        return self._found(matcher, merged, self._describe("FilterLogEvents", window))

    def latest_correlation_id(
        self,
        start_event: str,
        window: Window,
        groups: Sequence[str] | None = None,
        own_events: set[str] | None = None,
        other_events: set[str] | None = None,
    ) -> str | None:
        """The correlation ID of the newest line about ``start_event`` (for ``--last``), searched
        in ``groups`` (the services that handle it) or every group. When other workflows share the
        start, ``own_events`` / ``other_events`` pick the newest start that is this workflow's
        (:func:`tools.tracing.workflow_pick.pick_latest`), searched in every group."""
        starts: dict[str, int] = {}
        for cid, at in self._about(start_event, window, groups or self.groups):
            starts[cid] = max(at, starts.get(cid, at))
        if not own_events and not other_events:
            return max(starts, key=lambda cid: starts[cid]) if starts else None
        own = {c for t in sorted(own_events or ()) for c, _ in self._about(t, window, self.groups)}
        other = {
            c for t in sorted(other_events or ()) for c, _ in self._about(t, window, self.groups)
        }
        return pick_latest(starts, own, other)

    def _about(
        self, event_type: str, window: Window, groups: Sequence[str]
    ) -> Iterator[tuple[str, int]]:
        """(correlation ID, time) of every line about ``event_type`` in ``groups``."""
        for group in groups:
            for event in self.filter_group(group, window, f'"{event_type}"'):
                cid = event.get("correlation_id")
                at = event.get("@timestamp")
                matches = event.get("event_type") == event_type
                if matches and isinstance(cid, str) and isinstance(at, int):
                    yield cid, at

    # ------------------------------------------------------------------ Logs Insights

    def _fetch(self, groups: list[str], spans: list[Window], needle: str) -> Iterator[Event]:
        """The matching lines in ``spans``, bisecting wherever a query returns the row limit.

        StartQuery counts whole seconds, so neighbouring windows overlap at their edges: a row
        is kept only by the window whose milliseconds contain it.
        """
        query = (
            "fields @timestamp, @message, @log, @logStream"
            f" | filter @message like {needle}"
            f" | sort @timestamp asc | limit {ROW_LIMIT}"
        )
        pending = list(spans)
        while pending:
            window = pending.pop(0)
            rows = self.run_query(groups, window, query)
            if len(rows) >= ROW_LIMIT and window.end - window.start > 1000:
                middle = (window.start + window.end) // 2
                self.progress(f"{ROW_LIMIT:,} rows in {window.describe()}: splitting the window")
                pending[:0] = [Window(window.start, middle), Window(middle + 1, window.end)]
                continue
            if len(rows) >= ROW_LIMIT:
                self.progress(f"over {ROW_LIMIT:,} lines within one second: some may be missing")
            for row in rows:
                event = _row_event(row)
                if window.start <= int(event.get("@timestamp", window.start)) <= window.end:
                    yield event

    def run_query(self, groups: list[str], window: Window, query: str) -> list[dict[str, str]]:
        """Start one query and poll it to the end; the rows as ``{field: value}``."""
        try:
            started = self.client.start_query(
                logGroupNames=groups,
                startTime=window.start // 1000,
                endTime=-(-window.end // 1000),
                queryString=query,
                limit=ROW_LIMIT,
            )
        except (ClientError, BotoCoreError) as error:
            raise CloudWatchError(f"StartQuery on {len(groups)} group(s): {error}") from None
        query_id = started["queryId"]
        deadline = time.monotonic() + self.timeout_s
        wait = self.poll_interval_s
        while True:
            try:
                result = self.client.get_query_results(queryId=query_id)
            except (ClientError, BotoCoreError) as error:
                raise CloudWatchError(f"GetQueryResults {query_id}: {error}") from None
            status = result.get("status", "Unknown")
            stats = result.get("statistics", {})
            self.progress(
                f"Logs Insights {status}: {int(stats.get('recordsScanned', 0)):,} records "
                f"scanned, {int(stats.get('recordsMatched', 0)):,} matched "
                f"({len(groups)} group(s), {window.describe()})"
            )
            if status in DONE:
                break
            if time.monotonic() > deadline:
                self._stop(query_id)
                raise CloudWatchError(f"query {query_id} still {status} after {self.timeout_s} s")
            time.sleep(wait)
            wait = min(wait * 1.5, MAX_POLL_INTERVAL_S)  # long queries: fewer polls
        if status != "Complete":
            raise CloudWatchError(f"query {query_id} ended {status}")
        return [{c["field"]: c.get("value", "") for c in row} for row in result.get("results", [])]

    def _stop(self, query_id: str) -> None:
        with contextlib.suppress(ClientError, BotoCoreError):
            self.client.stop_query(queryId=query_id)

    # ------------------------------------------------------------------ FilterLogEvents

    def filter_group(self, group: str, window: Window, pattern: str) -> list[Event]:
        """Every event of ``group`` in ``window`` matching ``pattern``, in time order."""
        events: list[Event] = []
        self.filtered.add(group)
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "startTime": window.start,
            "endTime": window.end,
            "filterPattern": pattern,
        }
        while True:
            try:
                page = self.client.filter_log_events(**kwargs)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    self.progress(f"{group}: no such log group")
                    self.missing.add(group)
                    return events
                raise CloudWatchError(f"FilterLogEvents on {group}: {error}") from None
            except BotoCoreError as error:
                raise CloudWatchError(f"FilterLogEvents on {group}: {error}") from None
            for item in page.get("events", []):
                event = message_event(item.get("message", ""))
                event["@timestamp"] = int(item.get("timestamp", 0))
                event["@log"] = group
                event["@logStream"] = item.get("logStreamName")
                events.append(event)
            self.progress(f"{group}: {len(events):,} line(s)")
            token = page.get("nextToken")
            if not token:
                break
            kwargs["nextToken"] = token
        events.sort(key=lambda e: int(e["@timestamp"]))
        return events

    # ------------------------------------------------------------------ shared

    def _found(self, matcher: Matcher, events: Iterator[Event] | list[Event], how: str) -> Found:
        lines: list[Line] = []
        malformed = 0
        for event in events:
            malformed += int(event.pop("_malformed", 0))
            if not matcher.belongs(event):
                continue
            line = matcher.line(event)
            if line is not None:
                lines.append(line)
        lines.sort(key=lambda ln: ln.at)
        return Found(matcher.correlation_id, lines, malformed, how)

    def _describe(self, how: str, window: Window) -> str:
        shown = ", ".join(self.groups[:3]) + (", …" if len(self.groups) > 3 else "")
        return f"{how} over {len(self.groups)} log group(s) ({shown}) from {window.describe()}"


def batches(groups: Sequence[str], size: int = GROUPS_PER_QUERY) -> list[list[str]]:
    """``groups`` in batches of at most ``size`` (one Insights query each)."""
    return [list(groups[i : i + size]) for i in range(0, len(groups), size)]


def message_event(message: str) -> Event:
    """The fields of one CloudWatch message, as the local engine's reader would give them."""
    text = message.rstrip("\n")
    event: Event
    if text.startswith("{"):
        try:
            parsed = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {"@message": text, "_malformed": 1}
        event = parsed if isinstance(parsed, dict) else {"_malformed": 1}
    else:
        event = text_line_fields(text) or {}
    event["@message"] = text
    return event


def _row_event(row: dict[str, str]) -> Event:
    event = message_event(row.get("@message", ""))
    stamp = parse_timestamp(row.get("@timestamp"))
    if stamp is not None:
        event["@timestamp"] = int(stamp)
    log = row.get("@log", "")
    event["@log"] = log.split(":", 1)[1] if ":" in log and not log.startswith("/") else log
    if row.get("@logStream"):
        event["@logStream"] = row["@logStream"]
    return event


def _span_of(rows: list[dict[str, str]], window: Window) -> tuple[Window, int | None]:
    """The span a ``stats`` query found (or the whole window when it returned no statistics)."""
    if not rows:
        return window, 0  # no matching record at all: Insights returns no stats row
    if len(rows) != 1 or "lines" not in rows[0]:
        return window, None
    row = rows[0]
    try:
        count = int(float(row["lines"]))
    except ValueError:
        return window, None
    first = parse_timestamp(row.get("first_at"))
    last = parse_timestamp(row.get("last_at"))
    if count == 0 or first is None or last is None:
        return window, count
    return Window(max(window.start, int(first)), min(window.end, int(last))), count


def _parts_for(count: int | None) -> int:
    """How many windows a span of ``count`` lines needs so each stays under the row limit."""
    if not count:
        return 1
    return -(-count // int(ROW_LIMIT * 0.8))


def _insights_string(text: str) -> str:
    """``text`` as a Logs Insights string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
