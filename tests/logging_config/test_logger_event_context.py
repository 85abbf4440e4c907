"""event_context / start_workflow / child_event: every envelope shape, causation, no leaks."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

import logging_config
from logging_config import current_ids

DETAIL = {
    "event_id": "ev-1",
    "event_type": "SignalGenerated",
    "correlation_id": "workflow-abc",
    "causation_id": "ev-0",
    "timestamp": "2025-12-17T20:39:00.000Z",
    "schema_version": "1.0",
    "signals": 11,
}
EVENTBRIDGE = {
    "version": "0",
    "id": "eb-envelope-id",
    "detail-type": "SignalGenerated",
    "source": "alchemiser.strategy",
    "detail": DETAIL,
}
SNS_NOTIFICATION = {
    "Type": "Notification",
    "MessageId": "sns-1",
    "Message": json.dumps(EVENTBRIDGE),
}


def sqs_record(body: Any) -> dict[str, Any]:
    return {
        "messageId": "sqs-message-id",
        "eventSource": "aws:sqs",
        "body": body if isinstance(body, str) else json.dumps(body),
    }


SHAPES = {
    "eventbridge": EVENTBRIDGE,
    "sqs_eventbridge": sqs_record(EVENTBRIDGE),
    "sqs_bare_detail": sqs_record(DETAIL),
    "sqs_sns_notification": sqs_record(SNS_NOTIFICATION),
    "sns_record": {"EventSource": "aws:sns", "Sns": {"Message": json.dumps(EVENTBRIDGE)}},
    "detail": DETAIL,
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_envelope_shape_binds_the_detail_ids(shape: str, capture_logs: Any) -> None:
    with logging_config.event_context(SHAPES[shape]) as ctx:
        assert current_ids() == {
            "correlation_id": "workflow-abc",
            "causation_id": "ev-0",
            "event_id": "ev-1",
            "event_type": "SignalGenerated",
        }
        logging_config.get_logger("x").info("handled")
        assert not ctx.generated
    assert capture_logs[0]["event_id"] == "ev-1"
    assert "correlation_generated" not in capture_logs[0]
    assert current_ids()["correlation_id"] is None


def test_child_event_continues_the_correlation() -> None:
    with logging_config.event_context(EVENTBRIDGE) as ctx:
        child = ctx.child_event("RebalancePlanned", {"orders": 3})
        second = ctx.child_event("RebalancePlanned", {"orders": 4})
    assert list(child)[:6] == [
        "event_id",
        "event_type",
        "correlation_id",
        "causation_id",
        "timestamp",
        "schema_version",
    ]
    assert child["correlation_id"] == "workflow-abc"
    assert child["causation_id"] == "ev-1"
    assert child["event_type"] == "RebalancePlanned"
    assert child["orders"] == 3
    assert child["event_id"] not in ("ev-1", second["event_id"])
    assert child["timestamp"].endswith("Z")


def test_child_of_a_child_chains_causation() -> None:
    with logging_config.start_workflow() as root:
        first = root.child_event("WorkflowStarted", {})
    assert first["causation_id"] == first["correlation_id"] == root.correlation_id
    with logging_config.event_context({"detail-type": "x", "source": "s", "detail": first}) as c:
        second = c.child_event("PartialSignalGenerated")
    assert second["causation_id"] == first["event_id"]
    assert second["correlation_id"] == first["correlation_id"]


def test_child_event_rejects_bad_input_clearly() -> None:
    with logging_config.start_workflow() as ctx:
        with pytest.raises(ValueError, match="event_id"):
            ctx.child_event("T", {"event_id": "spoof", "x": 1})
        with pytest.raises(TypeError, match="payload must be a mapping"):
            ctx.child_event("T", ["not", "a", "mapping"])  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="event_type"):
            ctx.child_event("")


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"detail-type": "Scheduled Event", "source": "aws.events", "id": "sched-1", "detail": {}},
        sqs_record("not json at all"),
        None,
        "a string event",
    ],
)
def test_an_event_without_ids_starts_a_generated_correlation(event: Any) -> None:
    with logging_config.event_context(event) as ctx:
        assert ctx.generated
        assert ctx.correlation_id.startswith("workflow-")
        assert ctx.causation_id == ctx.correlation_id
        assert ctx.event_id
        child = ctx.child_event("WorkflowStarted")
    assert child["correlation_id"] == ctx.correlation_id
    if isinstance(event, dict) and event.get("id") == "sched-1":
        assert ctx.event_id == "sched-1"
        assert ctx.event_type == "Scheduled Event"


def test_start_workflow_uses_a_given_id_and_validates_it() -> None:
    with logging_config.start_workflow("workflow-given") as ctx:
        assert current_ids()["correlation_id"] == "workflow-given"
        assert ctx.event_id is None
    with pytest.raises(ValueError, match="correlation_id"), logging_config.start_workflow(""):
        pass


def test_contexts_nest_and_restore() -> None:
    with logging_config.start_workflow("outer"):
        with logging_config.event_context(DETAIL):
            assert current_ids()["correlation_id"] == "workflow-abc"
        assert current_ids()["correlation_id"] == "outer"
    assert current_ids()["correlation_id"] is None


def test_context_is_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), logging_config.start_workflow("boom"):
        raise RuntimeError("x")
    assert current_ids()["correlation_id"] is None


def test_no_leak_between_many_threads(capture_logs: Any) -> None:
    log = logging_config.get_logger("threads")
    barrier = threading.Barrier(16)
    errors: list[str] = []

    def work(n: int) -> None:
        with logging_config.start_workflow(f"wf-{n}"):
            barrier.wait()
            for i in range(50):
                log.info("step", worker=n, i=i)
                if current_ids()["correlation_id"] != f"wf-{n}":
                    errors.append(f"thread {n} saw {current_ids()}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(capture_logs) == 16 * 50
    assert all(line["correlation_id"] == f"wf-{line['worker']}" for line in capture_logs)


def test_no_leak_between_many_asyncio_tasks(capture_logs: Any) -> None:
    log = logging_config.get_logger("tasks")

    async def handle(n: int) -> None:
        detail = {"correlation_id": f"wf-{n}", "event_id": f"ev-{n}", "event_type": "T"}
        with logging_config.event_context(detail):
            for i in range(10):
                await asyncio.sleep(0)
                log.info("step", task=n, i=i)

    async def main() -> None:
        await asyncio.gather(*(handle(n) for n in range(200)))

    asyncio.run(main())
    assert len(capture_logs) == 2000
    assert all(line["correlation_id"] == f"wf-{line['task']}" for line in capture_logs)
    assert all(line["event_id"] == f"ev-{line['task']}" for line in capture_logs)
