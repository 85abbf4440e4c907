"""AWS/SQS gauges, sampled once a minute as SQS reports them for an active queue.

ApproximateNumberOfMessagesVisible, ApproximateNumberOfMessagesNotVisible and
ApproximateNumberOfMessagesDelayed come from the queue's real attributes on the endpoint (moto
counts them; the pollers keep in-flight messages invisible there). ApproximateAgeOfOldestMessage
comes from the :class:`~sandbox.ledger.QueueLedger` on the simulated clock, reported only
when the queue holds a message ("reported if the queue contains at least one active message").
Each sample is stamped just before the minute it closes, so the period it describes holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.activity import Activity
from sandbox.aws import Clients
from sandbox.ledger import QueueLedger
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.resources import Resources
from sandbox.transport import SQS_NAMESPACE

SAMPLE_PERIOD_S = 60.0


@dataclass(frozen=True)
class QueueDepth:
    visible: int
    not_visible: int
    delayed: int

    @property
    def total(self) -> int:
        return self.visible + self.not_visible + self.delayed


EMPTY = QueueDepth(0, 0, 0)


def queue_depth(clients: Clients, url: str) -> QueueDepth:
    # "All", not the three names: moto recomputes every attribute, a pass over the queue's
    # messages, for each name asked (twice); for "All" once. Same numbers, a fraction of the work.
    attributes = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    return QueueDepth(
        int(attributes.get("ApproximateNumberOfMessages", 0)),
        int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
    )


def sample_queues(
    clients: Clients,
    resources: Resources,
    ledger: QueueLedger,
    metrics: MetricsPublisher,
    boundary: float,
    *,
    activity: Activity,
    last: dict[str, QueueDepth],
) -> dict[str, QueueDepth]:
    """Publish one sample per queue for the minute ending at ``boundary``.

    Queues ``activity`` says nobody touched keep their depth in ``last`` (updated in place);
    queues it says are drained are empty, without a call.
    """
    at = boundary - 1.0
    fresh = activity.to_sample(resources.queues)
    for queue in resources.queues.values():
        if activity.is_drained(queue.name):
            last[queue.name] = EMPTY
        elif queue.name in fresh or queue.name not in last:
            last[queue.name] = queue_depth(clients, queue.url)
        depth = last[queue.name]
        ledger.reconcile(queue.name, depth.total, at)
        dims = {"QueueName": queue.name}
        metrics.put(SQS_NAMESPACE, "ApproximateNumberOfMessagesVisible", dims, depth.visible, at=at)
        metrics.put(
            SQS_NAMESPACE, "ApproximateNumberOfMessagesNotVisible", dims, depth.not_visible, at=at
        )
        metrics.put(SQS_NAMESPACE, "ApproximateNumberOfMessagesDelayed", dims, depth.delayed, at=at)
        age = ledger.oldest_age(queue.name, at)
        if age is not None:
            metrics.put(
                SQS_NAMESPACE, "ApproximateAgeOfOldestMessage", dims, age, at=at, unit="Seconds"
            )
    return last
