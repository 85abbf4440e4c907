"""Where Lambda puts an asynchronous event it gives up on, and the metrics it sends, without an
endpoint: the SQS client is a stand-in that accepts or refuses each write."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from catalog.models import Service
from dashboards.alarm_eval_store import InMemoryMetricStore
from sandbox.async_give_up import AsyncGiveUp
from sandbox.clock import SimClock
from sandbox.lambda_semantics import GiveUp
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.resources import QueueInfo, Resources

DIMS = {"FunctionName": "f"}
WHY = GiveUp("RetriesExhausted", "200", "ValueError: boom", "Unhandled")


@dataclass
class _Sqs:
    refuse: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send_message(self, **request: Any) -> dict[str, Any]:
        if request["QueueUrl"] in self.refuse:
            raise ClientError(
                {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue"}}, "SendMessage"
            )
        self.sent.append(request)
        return {"MessageId": str(len(self.sent))}


@dataclass
class _Clients:
    sqs: _Sqs


class _Transport:
    def __init__(self) -> None:
        self.queued: list[str] = []

    def sent_to_queue(self, queue: str, key: str, at: float) -> None:
        self.queued.append(queue)


def _give_up(service: Service, sqs: _Sqs) -> tuple[AsyncGiveUp, MetricsPublisher]:
    resources = Resources(account_id="123456789012", region="us-east-1")
    for name in ("dlq", "records", "records.fifo"):
        resources.queues[name] = QueueInfo(
            name=name,
            url=f"url:{name}",
            arn=f"arn:{name}",
            kind="catalog",
            fifo=name.endswith(".fifo"),
        )
    metrics = MetricsPublisher(InMemoryMetricStore(), None)
    writer = AsyncGiveUp(
        service,
        clients=_Clients(sqs),  # type: ignore[arg-type]
        clock=SimClock(1_800_000_000.0),
        metrics=metrics,
        transport=_Transport(),  # type: ignore[arg-type]
        resources=resources,
    )
    return writer, metrics


def test_a_dlq_write_that_fails_is_a_dead_letter_error_and_the_event_is_lost() -> None:
    service = Service(name="s", function_name="f", on_failure_dlq="dlq")
    writer, metrics = _give_up(service, _Sqs(refuse={"url:dlq"}))
    writer.give_up('{"event_id": "e"}', "m-1", "r-1", WHY, 3)
    assert metrics.total("AWS/Lambda", "DeadLetterErrors", DIMS) == 1
    assert metrics.total("AWS/Lambda", "AsyncEventsDropped", DIMS) == 1
    assert (writer.counts.dead_lettered, writer.counts.discarded) == (0, 1)


def test_dlq_and_destination_both_get_the_event_each_in_its_shape() -> None:
    service = Service(
        name="s", function_name="f", on_failure_dlq="dlq", on_failure_destination="records"
    )
    sqs = _Sqs()
    writer, metrics = _give_up(service, sqs)
    writer.give_up('{"event_id": "e"}', "m-1", "r-1", WHY, 3)
    dlq, record = sqs.sent
    assert dlq["MessageBody"] == '{"event_id": "e"}'
    assert dlq["MessageAttributes"]["ErrorCode"]["StringValue"] == "200"
    assert '"requestPayload":{"event_id":"e"}' in record["MessageBody"]
    assert metrics.total("AWS/Lambda", "DeadLetterErrors", DIMS) == 0
    assert metrics.total("AWS/Lambda", "DestinationDeliveryFailures", DIMS) == 0
    assert (writer.counts.dead_lettered, writer.counts.recorded) == (1, 1)


def test_nowhere_to_keep_it_drops_the_event_and_counts_it() -> None:
    writer, metrics = _give_up(Service(name="s", function_name="f"), _Sqs())
    writer.give_up("{}", "m-1", "", WHY, 1)
    assert metrics.total("AWS/Lambda", "AsyncEventsDropped", DIMS) == 1
    assert writer.counts.discarded == 1
