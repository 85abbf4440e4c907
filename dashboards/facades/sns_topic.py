"""SNS topic: notifications that could not be delivered.

AWS's recommended alarm on NumberOfNotificationsFailed (Sum, 5 of 5 minutes, notBreaching) with
threshold 0 (AWS leaves it to the user). The alerts topic differs: it only carries alarm
notifications, a few a day, so its deliveries never fail five minutes in a row even when every
one fails (a drill proved the recommended 5 of 5 blind there). Each failed delivery on it is a
page nobody got, so one failed minute out of five alarms.

A topic with a subscription DLQ also gets AWS's recommended alarm on
NumberOfNotificationsFailedToRedriveToDlq, one failed minute out of five: each count is a message
lost although a DLQ was meant to keep it. The DLQ's depth is alarmed by the queue facade.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Topic
from dashboards.alarm_model import Alarm
from dashboards.facades.base import Context
from dashboards.recommended_alarms import recommended
from dashboards.widgets import MetricLine, MetricWidget, Widget

NAMESPACE = "AWS/SNS"


@dataclass(frozen=True)
class SnsTopicMonitoring:
    ctx: Context
    topic: Topic

    def alarms(self) -> list[Alarm]:
        sparse = self.topic.purpose == "alerts"
        alarms = [
            self._recommended(
                "NumberOfNotificationsFailed",
                what="notifications-failed",
                fault=f"SNS topic {self.topic.name} ({self.topic.purpose}) failed to deliver "
                "notifications to its subscribers.",
                datapoints_to_alarm=1 if sparse else None,
            )
        ]
        if any(s.dlq for s in self.topic.subscriptions):
            # A subscription's DLQ refused a message (missing queue policy, deleted queue, KMS):
            # it is lost. One datapoint is enough: nothing else says so.
            alarms.append(
                self._recommended(
                    "NumberOfNotificationsFailedToRedriveToDlq",
                    what="redrive-to-dlq-failed",
                    fault=f"SNS could not move undeliverable messages of {self.topic.name} to a "
                    "subscription's dead-letter queue: they are lost (check the DLQ's queue "
                    "policy).",
                    datapoints_to_alarm=1,
                )
            )
        return alarms

    def _recommended(
        self, metric: str, *, what: str, fault: str, datapoints_to_alarm: int | None
    ) -> Alarm:
        """AWS's recommended alarm on ``metric`` for this topic, threshold 0 (any failure);
        ``datapoints_to_alarm``: instead of the row's (None keeps it)."""
        row = recommended(NAMESPACE, metric)
        return self.ctx.alarm(
            resource=self.topic.name,
            what=what,
            fault=fault,
            namespace=NAMESPACE,
            metric_name=row.metric,
            dimensions={"TopicName": self.topic.name},
            statistic=row.statistic,
            period=row.period,
            threshold=0,
            comparison_operator=row.comparison_operator,
            evaluation_periods=row.evaluation_periods,
            datapoints_to_alarm=row.datapoints_to_alarm
            if datapoints_to_alarm is None
            else datapoints_to_alarm,
            treat_missing_data=row.treat_missing_data,
        )

    def widgets(self) -> list[Widget]:
        dims = (("TopicName", self.topic.name),)
        redriven = (
            [("NumberOfNotificationsRedrivenToDlq", "to DLQ")]
            if any(s.dlq for s in self.topic.subscriptions)
            else []
        )
        return [
            MetricWidget(
                f"topic {self.topic.name}",
                tuple(
                    MetricLine(NAMESPACE, metric, dims, "Sum", label)
                    for metric, label in (
                        ("NumberOfMessagesPublished", "published"),
                        ("NumberOfNotificationsDelivered", "delivered"),
                        ("NumberOfNotificationsFailed", "failed"),
                        *redriven,
                    )
                ),
            )
        ]
