"""A function's own asynchronous-invocation settings in the sandbox: retry attempts, maximum event
age, the on-failure destination's invocation records (on a catalog changed in the test)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog import load_catalog
from catalog.models import Catalog, Queue
from sandbox import Sandbox

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alchemiser" / "catalog.yaml"
WORKER = "strategy-worker"
FUNCTION = "alchemiser-dev-strategy-worker"
RECORDS = "alchemiser-dev-worker-failures"
DIMS = {"FunctionName": FUNCTION}


def _catalog(**worker: Any) -> Catalog:
    """The example with the worker's settings changed and a queue for its failure records."""
    catalog = load_catalog(EXAMPLE)
    services = [s.model_copy(update=worker) if s.name == WORKER else s for s in catalog.services]
    return catalog.model_copy(
        update={"services": services, "queues": [*catalog.queues, Queue(name=RECORDS)]}
    )


@pytest.fixture
def box(aws_endpoint: str, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with Sandbox.start(_catalog(**request.param), endpoint_url=aws_endpoint, seed=0) as started:
        yield started


def _records(box: Sandbox) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in box.read_queue(RECORDS, delete=False)]


@pytest.mark.parametrize(
    "box", [{"maximum_retry_attempts": 0, "on_failure_destination": RECORDS}], indirect=True
)
def test_no_retries_one_attempt_then_dlq_and_a_destination_record(box: Sandbox) -> None:
    box.inject_fault(WORKER, "crash")
    box.run_workflows(1)
    assert box.runner.stats[WORKER].invocations == 4  # four strategies, one attempt each
    assert len(box.read_queue("alchemiser-dev-event-dlq", delete=False)) == 4
    records = _records(box)
    assert len(records) == 4
    first = records[0]
    assert set(first) == {
        "version",
        "timestamp",
        "requestContext",
        "requestPayload",
        "responseContext",
        "responsePayload",
    }
    assert first["requestContext"]["condition"] == "RetriesExhausted"
    assert first["requestContext"]["approximateInvokeCount"] == 1
    assert first["requestContext"]["functionArn"].endswith(f":function:{FUNCTION}:$LATEST")
    assert first["responseContext"]["functionError"] == "Unhandled"
    assert "InjectedFault" in first["responsePayload"]["errorMessage"]
    assert len({r["requestPayload"]["strategy"] for r in records}) == 4  # each its own event
    assert box.metrics.total("AWS/Lambda", "AsyncEventsDropped", DIMS) == 4


@pytest.mark.parametrize(
    "box", [{"maximum_event_age_s": 60, "on_failure_destination": RECORDS}], indirect=True
)
def test_an_event_past_its_maximum_age_is_given_up_without_running(box: Sandbox) -> None:
    box.inject_fault(WORKER, "crash")
    box.run_workflows(1)
    # the first retry comes 60 s after the first attempt: the event is older than 60 s by then
    assert box.runner.stats[WORKER].invocations == 4
    assert {r["requestContext"]["condition"] for r in _records(box)} == {"EventAgeExceeded"}
    assert box.metrics.total("AWS/Lambda", "AsyncEventsDropped", DIMS) == 4


@pytest.mark.parametrize(
    "box",
    [{"on_failure_destination": "alchemiser-dev-execution-dlq.fifo", "on_failure_dlq": None}],
    indirect=True,
)
def test_a_fifo_destination_is_a_delivery_failure_and_its_alarm_fires(box: Sandbox) -> None:
    box.inject_fault(WORKER, "crash")
    box.run_workflows(1)
    assert box.metrics.total("AWS/Lambda", "DestinationDeliveryFailures", DIMS) == 4
    assert box.read_queue("alchemiser-dev-execution-dlq.fifo", delete=False) == []
    box.advance(120)
    states = box.alarm_states()
    assert states["alchemiser-dev-strategy-worker-destination-failures"] == "ALARM"
    assert states["alchemiser-dev-strategy-worker-events-dropped"] == "ALARM"
