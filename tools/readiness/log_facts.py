"""Facts about the given log lines that several checklist items need.

Which workflows ran to their end (by correlation ID, in time order), whether the logs hold
Lambda cold starts (``REPORT`` with an init duration) or the catalog's event age field, and the
EMF documents the services wrote. Computed once from :attr:`Evidence.log_records`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.models import Catalog
from insights_queries.timestamps import event_timestamp


@dataclass
class LogFacts:
    finished: dict[str, list[str]] = field(default_factory=dict)
    """workflow name -> correlation IDs that reached its success or a failure event, by time."""
    correlation_ids: list[str] = field(default_factory=list)
    services: set[str] = field(default_factory=set)
    has_cold_starts: bool = False
    has_event_age: bool = False
    emf: list[dict[str, Any]] = field(default_factory=list)

    def latest_finished(self) -> tuple[str, str] | None:
        """(workflow, correlation ID) of the latest finished workflow, if any."""
        best: tuple[str, str] | None = None
        for workflow in sorted(self.finished):
            ids = self.finished[workflow]
            if ids:
                best = (workflow, ids[-1])
        return best


def log_facts(catalog: Catalog, records: list[dict[str, Any]]) -> LogFacts:
    facts = LogFacts()
    age_field = catalog.log_conventions.event_age_field
    first_seen: dict[str, float] = {}
    ends: dict[str, str] = {}
    for record in records:
        if record.get("@type") == "REPORT" and record.get("@initDuration") is not None:
            facts.has_cold_starts = True
        if record.get(age_field) is not None:
            facts.has_event_age = True
        if isinstance(record.get("_aws"), dict):
            facts.emf.append(record)
        service = record.get("service")
        if isinstance(service, str):
            facts.services.add(service)
        cid = record.get("correlation_id")
        if not isinstance(cid, str) or not cid:
            continue
        at = event_timestamp(record)
        stamp = float(at) if at is not None else 0.0
        if cid not in first_seen or stamp < first_seen[cid]:
            first_seen[cid] = stamp
        event_type = record.get("event_type")
        for workflow in catalog.workflows:
            if event_type in (workflow.success_event, *workflow.failure_events):
                ends[cid] = workflow.name
    facts.correlation_ids = sorted(first_seen, key=lambda c: (first_seen[c], c))
    for cid in facts.correlation_ids:
        if cid in ends:
            facts.finished.setdefault(ends[cid], []).append(cid)
    return facts
