"""What the drill checks after the runbook ran, read from the sandbox itself.

Workflows are counted by ``event_id`` and ``correlation_id`` from what was really published: an
SQS redrive gives a message a new MessageId, so counting messages would count a replayed event
twice. A workflow is *lost* when it started and ended neither with its success event nor with one
of its failure events (a run that published WorkflowFailed ended: the system reported its
business outcome, nothing was dropped); *duplicated* when its success
event was published with more than one distinct event_id (the work was done twice, not merely
delivered twice — a repeated event_id is at-least-once delivery, which consumers must absorb).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from runbooks.drills.model import WorkflowTally
from sandbox.session import Sandbox
from sandbox.workload import SCHEDULED_EVENT


def tally_workflows(sandbox: Sandbox) -> WorkflowTally:
    flows = sandbox.catalog.workflows
    starts = {f.start_event for f in flows}
    successes = {f.success_event for f in flows}
    failures = {event for f in flows for event in f.failure_events}
    started: set[str] = set()
    failed: set[str] = set()
    completions: dict[str, set[str]] = {}
    for event in sandbox.transport.published:
        correlation = str(event.detail.get("correlation_id"))
        if event.detail_type in starts:
            started.add(correlation)
        elif event.detail_type in successes:
            event_id = str(event.detail.get("event_id"))
            completions.setdefault(correlation, set()).add(event_id)
        elif event.detail_type in failures:
            failed.add(correlation)
    completed = {c for c in started if completions.get(c)}
    duplicated = {c for c in completed if len(completions[c]) > 1}
    return WorkflowTally(
        started=len(started),
        completed=len(completed),
        lost=len(started - completed - failed),
        duplicated=len(duplicated),
    )


def fired_since(sandbox: Sandbox, since: float) -> dict[str, float]:
    """Alarm → epoch seconds of its first transition into ALARM at or after ``since``."""
    out: dict[str, float] = {}
    for name in sandbox.alarm_states():
        for change in sandbox.alarm_history(name):
            at = change.timestamp.timestamp()
            if change.new_state == "ALARM" and at >= since:
                out[name] = at
                break
    return out


def alarms_in_alarm(sandbox: Sandbox) -> list[str]:
    return sorted(name for name, state in sandbox.alarm_states().items() if state == "ALARM")


def empty_dlqs(sandbox: Sandbox) -> dict[str, int]:
    """DLQ name → messages still in it (visible, in flight or delayed)."""
    depths = sandbox.queue_depths()
    return {q.name: depths[q.name].total for q in sandbox.catalog.dlqs() if q.name in depths}


def ends_no_workflow(sandbox: Sandbox, service: str) -> bool:
    """Whether ``service`` emits no event of any workflow (e.g. a metrics consumer): the
    workflow tally cannot see the events it lost, so :func:`unhandled_events` counts them."""
    events = {e for flow in sandbox.catalog.workflows for e in flow.events}
    return not events & set(sandbox.runner.service(service).emits)


def _event_key(event: object, consumes: set[str]) -> str | None:
    """A catalog event's identity across retries and replays: its ``detail.event_id`` (a
    replay from an archive keeps the detail), else its ``id``; None for anything else (a
    schedule's payload: its lost runs are :func:`lost_scheduled_runs`)."""
    if not isinstance(event, dict) or not isinstance(event.get("detail"), dict):
        return None
    if event.get("detail-type") not in consumes:
        return None
    key = event["detail"].get("event_id") or event.get("id")
    return None if key is None else str(key)


def _scheduled_key(event: object) -> str | None:
    """A scheduled event's identity across Lambda's retries (its ``id``); None for any other."""
    if not isinstance(event, dict) or event.get("detail-type") != SCHEDULED_EVENT:
        return None
    return str(event.get("id"))


def _never_handled(
    sandbox: Sandbox, service: str, since: float, key_of: Callable[[object], str | None]
) -> tuple[int, int]:
    """(events ``service`` failed or was throttled on since ``since`` and never handled
    afterwards, events it failed or was throttled on since then), each event known by
    ``key_of`` (None: not one of those counted)."""
    failed: set[str] = set()
    handled: set[str] = set()
    for invocation in sandbox.runner.invocations:
        if invocation.service != service:
            continue
        key = key_of(invocation.event)
        if key is None:
            continue
        if invocation.failed or invocation.throttled:
            if invocation.started >= since:
                failed.add(key)
        else:
            handled.add(key)
    return len(failed - handled), len(failed)


def unhandled_events(sandbox: Sandbox, service: str, since: float) -> tuple[int, int]:
    """:func:`_never_handled` among the catalog events ``service`` consumes: a consumer whose
    events were dropped during the incident must get them back (an archive replay, a DLQ
    replay)."""
    consumes = set(sandbox.runner.service(service).consumes)
    return _never_handled(sandbox, service, since, lambda event: _event_key(event, consumes))


@dataclass(frozen=True)
class RunbookInvoke:
    """An asynchronous Invoke a runbook command made (through the drill's gateway)."""

    service: str
    payload: str
    at: float
    """Simulated seconds when Lambda accepted it (202)."""


def unhandled_invokes(sandbox: Sandbox, invokes: Sequence[RunbookInvoke]) -> list[str]:
    """What the runbook's asynchronous Invokes did not do, one line per (function, payload).

    Lambda answers 202 to an asynchronous Invoke before the function runs ("Lambda places the
    event in a queue and returns a success response without additional information",
    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html), so the command succeeds
    even when the event is then dropped (reserved concurrency 0) or fails (the fault is still
    on): the output cannot tell, the invocations can. Each Invoke must be handled, at its
    first attempt that got concurrency: a re-run that only works because Lambda's retry came
    after the fix ran before it (lambda/latest/dg/invocation-async-error-handling.html: two
    retries, 1 and 2 minutes apart).
    """
    groups: dict[tuple[str, str], list[RunbookInvoke]] = {}
    for invoke in invokes:
        groups.setdefault((invoke.service, invoke.payload), []).append(invoke)
    found: list[str] = []
    for (service, payload), sent in groups.items():
        try:
            event = json.loads(payload)
        except ValueError:
            continue  # the function gets no event it could be matched by; its errors show
        first = min(i.at for i in sent)
        attempts = [
            inv
            for inv in sandbox.runner.invocations
            if inv.service == service and inv.started >= first and inv.event == event
        ]
        handled = sum(1 for inv in attempts if not inv.failed and not inv.throttled)
        ran = [inv for inv in attempts if not inv.throttled]
        label = f"the runbook's asynchronous invoke of {service} ({_short(payload)})"
        if handled < len(sent):
            how = "throttled" if not ran else "failed"
            found.append(
                f"{label} was never handled ({len(sent) - handled} of {len(sent)}; Lambda "
                f"accepted it, then it was {how} and dropped): it ran before the fix"
            )
        elif ran and ran[0].failed:
            found.append(
                f"{label} failed at its first attempt and only a retry of Lambda's ran it: it "
                "ran before the fix"
            )
    return found


def lost_scheduled_runs(sandbox: Sandbox, service: str, since: float) -> int:
    """Scheduled events of ``service`` that failed or were throttled since ``since`` and never
    ran: each is a run the schedule lost (a job's, or a workflow start that never happened,
    which no workflow tally can count)."""
    return _never_handled(sandbox, service, since, _scheduled_key)[0]


def _short(payload: str, limit: int = 60) -> str:
    return payload if len(payload) <= limit else payload[: limit - 3] + "..."
