"""Which workflow a correlation ID belongs to, judged by the events its lines actually show.

Two workflows may start with the same event (an order and a re-order both start at
``OrderPlaced``); then the start event says nothing, and only the later events tell them apart.
``trace ID`` names the workflow whose events the trace saw most of, and ``trace --last W`` takes
the newest start whose later events are W's (or, when it stopped before any, that are no other
workflow's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the catalog (pydantic) is loaded only by commands that use it
    from catalog.models import Catalog, Workflow


def workflow_events(workflow: Workflow) -> set[str]:
    """Every event type that belongs to ``workflow``: its steps, start, success and failures."""
    return {
        workflow.start_event,
        workflow.success_event,
        *workflow.failure_events,
        *workflow.steps,
    }


def sharing_start(catalog: Catalog, workflow: Workflow) -> list[Workflow]:
    """The other workflows that start with ``workflow``'s start event."""
    return [
        w
        for w in catalog.workflows
        if w.name != workflow.name and w.start_event == workflow.start_event
    ]


def distinctive_events(catalog: Catalog, workflow: Workflow) -> tuple[set[str], set[str]]:
    """(event types only ``workflow`` has, event types only the workflows sharing its start
    have), both empty when no other workflow starts the same way."""
    others = sharing_start(catalog, workflow)
    if not others:
        return set(), set()
    own = workflow_events(workflow)
    theirs: set[str] = set()
    for other in others:
        theirs |= workflow_events(other)
    return own - theirs, theirs - own


def best_match(catalog: Catalog, seen_types: Iterable[str | None]) -> Workflow | None:
    """The workflow whose events the trace saw most of (its start counts, but less than any
    later event); ties go to the one whose end (success or failure) was seen, then to the
    catalog's order. None when the trace saw nothing of any workflow."""
    types = {t for t in seen_types if t}
    best: tuple[tuple[int, int, int], Workflow] | None = None
    for index, workflow in enumerate(catalog.workflows):
        later = workflow_events(workflow) - {workflow.start_event}
        ends = {workflow.success_event, *workflow.failure_events}
        score = (len(types & later), int(bool(types & ends)), int(workflow.start_event in types))
        if score == (0, 0, 0):
            continue
        key = (score[0] * 2 + score[2], score[1], -index)
        if best is None or key > best[0]:
            best = (key, workflow)
    return best[1] if best else None


def pick_latest(
    starts: Mapping[str, int], own_evidence: set[str], other_evidence: set[str]
) -> str | None:
    """The newest correlation ID in ``starts`` (ID → time of its start line) that shows the
    workflow's own later events, else the newest that shows none of the others', else None."""
    ranked = sorted(starts.items(), key=lambda item: item[1], reverse=True)
    for cid, _at in ranked:
        if cid in own_evidence:
            return cid
    for cid, _at in ranked:
        if cid not in other_evidence:
            return cid
    return None
