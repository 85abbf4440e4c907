"""SQS queue (and dead-letter queue): backlog age on sources, "not empty" on DLQs.

- Source queue, age of oldest message: AWS's recommended alarm (Maximum, 15 of 15 minutes,
  >=). AWS leaves the threshold to the user; ours is one visibility timeout (at least 300 s): a
  message older than that has already been received and failed once, or nobody is reading.
  Missing data is *not breaching*, where AWS's table says "missing": SQS reports
  ApproximateAgeOfOldestMessage only "if the queue contains at least one active message"
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html),
  so no datapoint means an empty queue, which is healthy. With "missing", a queue idle for the
  15 minutes evaluated (a quiet FIFO queue, a queue between bursts) goes to INSUFFICIENT_DATA,
  and its alarm says nothing an operator can use.
- Dead-letter queue, not empty: ApproximateNumberOfMessagesVisible Maximum > 0 over 1 of 1 minute,
  missing data not breaching. AWS's backlog row (Average, 15 of 15) fits a work queue, not a DLQ:
  one message in a DLQ is a lost event and an incident now. SQS stops publishing metrics for an
  idle queue after six hours, so missing data means "nothing arrived": not breaching.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Queue
from dashboards.alarm_model import Alarm
from dashboards.facades.base import Context
from dashboards.recommended_alarms import recommended
from dashboards.widgets import HorizontalAnnotation, MetricLine, MetricWidget, Widget

NAMESPACE = "AWS/SQS"
MIN_AGE_THRESHOLD_S = 300


@dataclass(frozen=True)
class QueueMonitoring:
    ctx: Context
    queue: Queue
    is_dlq: bool
    source: str | None = None
    """For a DLQ: the queue (or rule) whose failures land here, named in the alarm description."""

    @property
    def _dims(self) -> dict[str, str]:
        return {"QueueName": self.queue.name}

    @property
    def age_threshold_s(self) -> int:
        return max(MIN_AGE_THRESHOLD_S, self.queue.visibility_timeout_s)

    def alarms(self) -> list[Alarm]:
        name = self.queue.name
        if self.is_dlq:
            origin = f" from {self.source}" if self.source else ""
            return [
                self.ctx.alarm(
                    resource=name,
                    what="not-empty",
                    fault=f"Dead-letter queue {name} holds messages: events{origin} failed every "
                    "retry and wait to be inspected and replayed.",
                    namespace=NAMESPACE,
                    metric_name="ApproximateNumberOfMessagesVisible",
                    dimensions=self._dims,
                    statistic="Maximum",
                    period=60,
                    threshold=0,
                    comparison_operator="GreaterThanThreshold",
                    evaluation_periods=1,
                    datapoints_to_alarm=1,
                    treat_missing_data="notBreaching",
                )
            ]
        row = recommended(NAMESPACE, "ApproximateAgeOfOldestMessage")
        return [
            self.ctx.alarm(
                resource=name,
                what="age-of-oldest",
                fault=f"Queue {name} holds old messages (age in seconds): its consumer is "
                "failing, throttled or not reading.",
                namespace=NAMESPACE,
                metric_name=row.metric,
                dimensions=self._dims,
                statistic=row.statistic,
                period=row.period,
                threshold=self.age_threshold_s,
                comparison_operator=row.comparison_operator,
                evaluation_periods=row.evaluation_periods,
                datapoints_to_alarm=row.datapoints_to_alarm,
                treat_missing_data="notBreaching",  # no age datapoint = an empty queue
            )
        ]

    def _line(self, metric: str, stat: str, label: str) -> MetricLine:
        return MetricLine(NAMESPACE, metric, (("QueueName", self.queue.name),), stat, label)

    def widgets(self) -> list[Widget]:
        kind = "DLQ" if self.is_dlq else "queue"
        name = self.queue.name
        depth = MetricWidget(
            f"{kind} {name}: messages",
            (
                self._line("ApproximateNumberOfMessagesVisible", "Maximum", "visible"),
                self._line("ApproximateNumberOfMessagesNotVisible", "Maximum", "in flight"),
            ),
            stat="Maximum",
        )
        age = MetricWidget(
            f"{kind} {name}: age of oldest message",
            (self._line("ApproximateAgeOfOldestMessage", "Maximum", "age of oldest"),),
            stat="Maximum",
            annotations=(
                ()
                if self.is_dlq
                else (
                    HorizontalAnnotation(
                        "alarm",
                        self.age_threshold_s,
                        "#ff7f0e",
                        alarm=self.ctx.name(self.queue.name, "age-of-oldest"),
                    ),
                )
            ),
            y_label="seconds",
        )
        return [depth, age]
