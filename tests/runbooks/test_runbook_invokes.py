"""A runbook's asynchronous Invokes must run after the fix, and a schedule's lost runs must be
made up: Lambda answers 202 before the function runs, so neither the command's exit code nor
its output can tell a re-run that was dropped from one that worked."""

from __future__ import annotations

import json
from types import SimpleNamespace

from runbooks.drills.verify import RunbookInvoke, lost_scheduled_runs, unhandled_invokes
from sandbox.function_runner import Invocation
from sandbox.workload import SCHEDULED_EVENT


def _box(invocations: list[Invocation]) -> SimpleNamespace:
    return SimpleNamespace(runner=SimpleNamespace(invocations=invocations))


def _scheduled(event_id: str) -> dict[str, object]:
    return {"id": event_id, "detail-type": SCHEDULED_EVENT, "detail": {}}


def test_an_invoke_handled_after_it_was_sent_is_enough() -> None:
    invoke = RunbookInvoke("orchestrator", "{}", 300.0)
    ran = Invocation("orchestrator", "r1", "schedule", 301.0, event={})
    assert unhandled_invokes(_box([ran]), [invoke]) == []  # type: ignore[arg-type]


def test_an_invoke_dropped_while_throttled_is_reported() -> None:
    """The swapped runbook: the re-run before the concurrency is restored."""
    invoke = RunbookInvoke("orchestrator", "{}", 300.0)
    refused = Invocation("orchestrator", "", "schedule", 300.5, event={}, throttled=True)
    # a run of the same payload before the invoke proves nothing about it
    earlier = Invocation("orchestrator", "r0", "schedule", 10.0, event={})
    found = unhandled_invokes(_box([earlier, refused]), [invoke])  # type: ignore[arg-type]
    assert len(found) == 1
    assert "orchestrator" in found[0] and "throttled" in found[0]


def test_an_invoke_that_only_a_retry_rescued_ran_before_the_fix() -> None:
    invoke = RunbookInvoke("orchestrator", "{}", 300.0)
    failed = Invocation("orchestrator", "r1", "schedule", 300.5, event={}, error="boom")
    retried = Invocation("orchestrator", "r2", "schedule", 360.5, event={})
    found = unhandled_invokes(_box([failed, retried]), [invoke])  # type: ignore[arg-type]
    assert len(found) == 1 and "first attempt" in found[0]
    # a throttle for want of free concurrency before the first real attempt is Lambda's retry,
    # not the runbook's fault
    waited = Invocation("orchestrator", "", "schedule", 300.5, event={}, throttled=True)
    ran = Invocation("orchestrator", "r3", "schedule", 301.5, event={})
    assert unhandled_invokes(_box([waited, ran]), [invoke]) == []  # type: ignore[arg-type]


def test_each_invoke_of_the_same_payload_needs_its_own_run() -> None:
    event = {"detail": {"event_id": "e1"}}
    payload = json.dumps(event)
    invokes = [RunbookInvoke("worker", payload, 100.0), RunbookInvoke("worker", payload, 200.0)]
    one = Invocation("worker", "r1", "async", 100.5, event=event)
    found = unhandled_invokes(_box([one]), invokes)  # type: ignore[arg-type]
    assert len(found) == 1 and "1 of 2" in found[0]
    two = Invocation("worker", "r2", "async", 200.5, event=event)
    assert unhandled_invokes(_box([one, two]), invokes) == []  # type: ignore[arg-type]


def test_lost_scheduled_runs_are_the_refused_ones_never_run_again() -> None:
    before = Invocation("job", "", "schedule", 10.0, event=_scheduled("s0"), throttled=True)
    refused = Invocation("job", "", "schedule", 100.0, event=_scheduled("s1"), throttled=True)
    failed = Invocation("job", "r2", "schedule", 110.0, event=_scheduled("s2"), error="boom")
    replayed = Invocation("job", "r3", "schedule", 500.0, event=_scheduled("s2"))
    other = Invocation("other", "", "schedule", 100.0, event=_scheduled("s9"), throttled=True)
    not_scheduled = Invocation("job", "", "async", 100.0, event={"id": "x"}, throttled=True)
    box = _box([before, refused, failed, replayed, other, not_scheduled])
    # s1 is lost; s2 came back (a DLQ replay); s0 was before the incident
    assert lost_scheduled_runs(box, "job", 100.0) == 1  # type: ignore[arg-type]
