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

from catalog import Catalog
from insights_queries.ast import Binary, Field, Filter, Query, String
from insights_queries.prefilter import required_needles
from insights_queries.sources import LogFiles
from tools.tracing.matching import Matcher, timestamp_of
from tools.tracing.model import Found, Line, iso


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
    start_event: str, paths: Sequence[Path], notices: list[str] | None = None
) -> str | None:
    """The correlation ID of the most recent line about ``start_event`` (for ``--last``)."""
    best: tuple[int, str] | None = None
    files = LogFiles(list(paths), needles=needles_for(start_event))
    for event in files:
        if event.get("event_type") != start_event:
            continue
        cid = event.get("correlation_id")
        at = timestamp_of(event)
        if isinstance(cid, str) and at is not None and (best is None or at > best[0]):
            best = (at, cid)
    if notices is not None:
        notices.extend(files.notices)
    return best[1] if best else None


def describe_files(paths: Sequence[Path], since: int | None, until: int | None) -> str:
    """``3 file(s): a.jsonl, b.json`` plus the window when one was given."""
    names = ", ".join(str(p) for p in paths)
    text = f"{len(paths)} file(s): {names}"
    if since is not None or until is not None:
        text += f" between {iso(since) or 'the start'} and {iso(until) or 'the end'}"
    return text


__all__ = ["describe_files", "latest_workflow_in_files", "needles_for", "read_files"]
