"""SNS topic: notifications that could not be delivered.

AWS's recommended alarm on NumberOfNotificationsFailed (Sum, 5 of 5 minutes, notBreaching) with
threshold 0 (AWS leaves it to the user). The alerts topic differs: it only carries alarm
notifications, a few a day, so its deliveries never fail five minutes in a row even when every
one fails (a drill proved the recommended 5 of 5 blind there). Each failed delivery on it is a
page nobody got, so one failed minute out of five alarms.
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
        row = recommended(NAMESPACE, "NumberOfNotificationsFailed")
        sparse = self.topic.purpose == "alerts"
        return [
            self.ctx.alarm(
                resource=self.topic.name,
                what="notifications-failed",
                fault=f"SNS topic {self.topic.name} ({self.topic.purpose}) failed to deliver "
                "notifications to its subscribers.",
                namespace=NAMESPACE,
                metric_name=row.metric,
                dimensions={"TopicName": self.topic.name},
                statistic=row.statistic,
                period=row.period,
                threshold=0,
                comparison_operator=row.comparison_operator,
                evaluation_periods=row.evaluation_periods,
                datapoints_to_alarm=1 if sparse else row.datapoints_to_alarm,
                treat_missing_data=row.treat_missing_data,
            )
        ]

    def widgets(self) -> list[Widget]:
        dims = (("TopicName", self.topic.name),)
        return [
            MetricWidget(
                f"topic {self.topic.name}",
                tuple(
                    MetricLine(NAMESPACE, metric, dims, "Sum", label)
                    for metric, label in (
                        ("NumberOfMessagesPublished", "published"),
                        ("NumberOfNotificationsDelivered", "delivered"),
                        ("NumberOfNotificationsFailed", "failed"),
                    )
                ),
            )
        ]
