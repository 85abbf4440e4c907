"""Log widgets: recent errors and workflow lines, across every service's log group.

The field names are the log-line contract of DESIGN.md (Powertools spelling: ``level``,
``service``, ``correlation_id``...), so these tables work on what ``logging_config`` writes.
A Logs Insights query reads at most 50 log groups, so larger systems get one widget per 50.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dashboards.widgets import LogWidget, Widget

MAX_LOG_GROUPS_PER_QUERY = 50

RECENT_ERRORS = (
    "fields @timestamp, service, level, message, correlation_id, exception_name"
    ' | filter level = "ERROR" or level = "CRITICAL"'
    " | sort @timestamp desc"
    " | limit 100"
)
RECENT_WORKFLOW_LINES = (
    "fields @timestamp, correlation_id, event_type, service, message"
    " | filter ispresent(correlation_id)"
    " | sort @timestamp desc"
    " | limit 200"
)


def _chunks(items: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


DEFAULT_QUERIES = (
    ("recent errors", RECENT_ERRORS),
    ("recent workflow lines (by correlation_id)", RECENT_WORKFLOW_LINES),
)


@dataclass(frozen=True)
class LogsMonitoring:
    """Log widgets over ``log_groups``; ``queries`` are (title, Logs Insights text) pairs, by
    default the two above, normally the saved queries of ``insights_queries.library``."""

    log_groups: tuple[str, ...]
    queries: tuple[tuple[str, str], ...] = DEFAULT_QUERIES

    def widgets(self) -> list[Widget]:
        groups = sorted(set(self.log_groups))
        chunks = _chunks(groups, MAX_LOG_GROUPS_PER_QUERY)
        out: list[Widget] = []
        for title, query in self.queries:
            for index, chunk in enumerate(chunks, start=1):
                suffix = f" ({index}/{len(chunks)})" if len(chunks) > 1 else ""
                out.append(LogWidget(f"{title}{suffix}", chunk, query))
        return out
