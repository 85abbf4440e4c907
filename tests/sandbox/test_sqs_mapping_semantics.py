"""The SQS event source mapping as AWS runs it: batchItemFailures only with
ReportBatchItemFailures, the batching window, and a throttled mapping that still receives (on the
ingest example, its parser's mapping changed in each test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog import load_catalog
from catalog.models import Catalog
from sandbox import Sandbox

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"
PARSER = "parser"
QUEUE = "ingest-dev-parse"
DLQ = "ingest-dev-parse-dlq"
FUNCTION_DIMS = {"FunctionName": "ingest-dev-parser"}
RECEIVES_TO_DLQ_S = 3 * 360 + 400  # maxReceiveCount x visibility timeout, and some


def _catalog(**parser: Any) -> Catalog:
    catalog = load_catalog(EXAMPLE)
    services = [s.model_copy(update=parser) if s.name == PARSER else s for s in catalog.services]
    return catalog.model_copy(update={"services": services})


@pytest.fixture
def box(aws_endpoint: str, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with Sandbox.start(_catalog(**request.param), endpoint_url=aws_endpoint, seed=0) as started:
        yield started


def _parser_batches(box: Sandbox) -> list[int]:
    """Records per invocation of the parser (throttled attempts excluded)."""
    return [
        len(i.event["Records"])
        for i in box.runner.invocations
        if i.service == PARSER and not i.throttled
    ]


@pytest.mark.parametrize("box", [{"report_batch_item_failures": False}], indirect=True)
def test_without_report_batch_item_failures_a_listed_record_is_deleted_not_retried(
    box: Sandbox,
) -> None:
    """The handler reports its crashing record in batchItemFailures; without the mapping's
    ReportBatchItemFailures AWS ignores the list: the invocation succeeded, the batch is deleted
    (the old sandbox retried the record three times and dead-lettered it)."""
    box.inject_fault(PARSER, "crash")
    box.run_workflows(1)
    box.settle(RECEIVES_TO_DLQ_S)
    assert _parser_batches(box) == [1]
    assert box.metrics.total("AWS/Lambda", "Errors", FUNCTION_DIMS) == 0
    assert box.read_queue(DLQ, delete=False) == []
    assert box.read_queue(QUEUE, delete=False) == []


@pytest.mark.parametrize("box", [{"report_batch_item_failures": True}], indirect=True)
def test_with_report_batch_item_failures_the_listed_record_returns_until_the_dlq(
    box: Sandbox,
) -> None:
    box.inject_fault(PARSER, "crash")
    box.run_workflows(1)
    box.settle(RECEIVES_TO_DLQ_S)
    assert _parser_batches(box) == [1, 1, 1]  # maxReceiveCount 3
    assert len(box.read_queue(DLQ, delete=False)) == 1


@pytest.mark.parametrize("box", [{}], indirect=True)
def test_a_throttled_mapping_receives_and_its_messages_reach_the_dlq(box: Sandbox) -> None:
    """Reserved concurrency 0: Lambda still receives the batch, the invoke is throttled and the
    message comes back after each visibility timeout, so its receive count rises to
    maxReceiveCount and SQS moves it to the DLQ (the old poller never received: the message
    waited in the queue for ever)."""
    box.inject_fault(PARSER, "throttle")
    box.run_workflows(1)
    box.settle(RECEIVES_TO_DLQ_S)
    assert _parser_batches(box) == []
    assert box.metrics.total("AWS/Lambda", "Throttles", FUNCTION_DIMS) > 3
    assert box.metrics.total("AWS/SQS", "NumberOfMessagesReceived", {"QueueName": QUEUE}) == 3
    dead = box.read_queue(DLQ, delete=False)
    assert len(dead) == 1
    assert box.read_queue(QUEUE, delete=False) == []


@pytest.mark.parametrize("box", [{"batching_window_s": 30}], indirect=True)
def test_the_batching_window_gathers_records_until_it_ends(box: Sandbox) -> None:
    """Three documents 5 s apart: with a 30 s window (batch size 5) one invocation of three
    records, at the end of the window (the old poller invoked once per record)."""
    box.run_workflows(3, spacing_s=5, workflow="ingest")
    assert _parser_batches(box) == [3]
    first = next(i for i in box.runner.invocations if i.service == PARSER)
    intake = next(i for i in box.runner.invocations if i.service == "intake-api")
    assert first.started - intake.started >= 30


@pytest.mark.parametrize("box", [{"batching_window_s": 300, "batch_size": 2}], indirect=True)
def test_a_full_batch_does_not_wait_for_the_window(box: Sandbox) -> None:
    box.run_workflows(3, spacing_s=5, workflow="ingest")
    assert _parser_batches(box) == [2, 1]


@pytest.mark.parametrize("box", [{}], indirect=True)
def test_without_a_window_each_record_is_invoked_as_it_arrives(box: Sandbox) -> None:
    box.run_workflows(3, spacing_s=5, workflow="ingest")
    assert _parser_batches(box) == [1, 1, 1]


@pytest.mark.parametrize("box", [{}], indirect=True)
def test_the_first_retry_after_a_throttle_ends_runs_the_batch_still_in_flight(
    box: Sandbox,
) -> None:
    """Lambda retries a throttled batch until its visibility timeout (360 s here) passes: once
    the concurrency is back, the next retry runs it, without waiting for the message to
    return."""
    box.inject_fault(PARSER, "throttle")
    box.run_workflows(1, workflow="ingest", settle_s=30)
    assert _parser_batches(box) == []
    box.clear_faults()
    box.advance(20)
    assert _parser_batches(box) == [1]
    assert box.metrics.total("AWS/SQS", "NumberOfMessagesReceived", {"QueueName": QUEUE}) == 1
