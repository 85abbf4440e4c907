"""Local files as a trace source: the query engine's readers do the reading.

Whatever format the local Logs Insights engine reads (JSON lines, ``filter-log-events`` output,
Lambda stdout, a capture's JSON array, gzip of any of them) the trace reads too, through
:class:`insights_queries.sources.LogFiles`. The correlation ID is handed to the reader as a needle,
so lines that do not contain it are skipped by a byte search before any JSON is decoded: that is
what keeps a trace over a large file close to ``grep -F`` speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from insights_queries.ast import Binary, Field, Filter, Query, String
from insights_queries.prefilter import required_needles
from insights_queries.sources import LogFiles
from tools.tracing.matching import Matcher, timestamp_of
from tools.tracing.model import Found, Line, iso
from tools.tracing.workflow_pick import pick_latest

if TYPE_CHECKING:  # the catalog (pydantic) is loaded only by commands that use it
    from catalog import Catalog


def needles_for(text: str) -> list[bytes] | None:
    """Byte strings of which every line mentioning ``text`` contains one (JSON escapes too).

    Derived by the engine's own prefilter from ``filter @message like "<text>"``, so the trace
    skips exactly the lines a Logs Insights query for the ID would skip.
    """
    query = Query((Filter(Binary("like", Field("@message"), String(text))),))
    return required_needles(query)


def read_files(
    correlation_id: str,
    paths: Sequence[Path],
    catalog: Catalog | None,
    *,
    since: int | None = None,
    until: int | None = None,
    notices: list[str] | None = None,
) -> Found:
    """The workflow's lines in ``paths``, in time order, with the malformed ones counted.

    ``notices``, when given, receives the reader's notices (a line cut to the line limit, a
    damaged gzip file), which the command prints.
    """
    matcher = Matcher(correlation_id, catalog)
    files = LogFiles(list(paths), needles=needles_for(correlation_id))
    lines: list[Line] = []
    untimed = 0
    counted = 0  # the reader's malformed count when the previous event came out
    for event in files:
        already_malformed = files.malformed_lines > counted
        counted = files.malformed_lines
        if not matcher.belongs(event):
            continue
        line = matcher.line(event)
        if line is None:
            untimed += not already_malformed  # a readable line with no time is malformed too
            continue
        if (since is not None and line.at < since) or (until is not None and line.at > until):
            continue
        lines.append(line)
    lines.sort(key=lambda ln: ln.at)
    if notices is not None:
        notices.extend(files.notices)
    return Found(
        correlation_id=correlation_id,
        lines=lines,
        malformed_lines=files.malformed_lines + untimed,
        searched=describe_files(paths, since, until),
    )


def latest_workflow_in_files(
    start_event: str,
    paths: Sequence[Path],
    own_events: set[str] | None = None,
    other_events: set[str] | None = None,
    notices: list[str] | None = None,
) -> str | None:
    """The correlation ID of the most recent ``start_event`` (for ``--last``). When other
    workflows share that start, ``own_events`` / ``other_events`` (see
    :func:`tools.tracing.workflow_pick.distinctive_events`) pick the newest start that is this
    workflow's by its later events. What the readers noticed (a damaged gzip, a cut line) is
    added to ``notices``."""
    starts: dict[str, int] = {}
    files = LogFiles(list(paths), needles=needles_for(start_event))
    for event in files:
        if event.get("event_type") != start_event:
            continue
        cid = event.get("correlation_id")
        at = timestamp_of(event)
        if isinstance(cid, str) and at is not None and at > starts.get(cid, -(2**63)):
            starts[cid] = at
    if notices is not None:
        notices.extend(files.notices)
    if not own_events and not other_events:
        return max(starts, key=lambda cid: starts[cid]) if starts else None
    own, other = _correlations_with(paths, own_events or set()), set[str]()
    if other_events:
        other = _correlations_with(paths, other_events)
    return pick_latest(starts, own, other)


def _correlations_with(paths: Sequence[Path], event_types: set[str]) -> set[str]:
    """The correlation IDs of every line about one of ``event_types``."""
    found: set[str] = set()
    for event_type in sorted(event_types):
        for event in LogFiles(list(paths), needles=needles_for(event_type)):
            cid = event.get("correlation_id")
            if event.get("event_type") == event_type and isinstance(cid, str):
                found.add(cid)
    return found


def describe_files(paths: Sequence[Path], since: int | None, until: int | None) -> str:
    """``3 file(s): a.jsonl, b.json`` plus the window when one was given."""
    names = ", ".join(str(p) for p in paths)
    text = f"{len(paths)} file(s): {names}"
    if since is not None or until is not None:
        text += f" between {iso(since) or 'the start'} and {iso(until) or 'the end'}"
    return text


__all__ = ["describe_files", "latest_workflow_in_files", "needles_for", "read_files"]
