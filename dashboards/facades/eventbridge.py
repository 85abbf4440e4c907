"""EventBridge rules: failed deliveries and deliveries sent to the rule's DLQ.

AWS publishes no recommended alarms for EventBridge rules; these are ours:
- FailedInvocations > 0, 1 of 1 minute: a failed invocation is an event that reached no target
  after every retry, i.e. a lost step of a workflow; waiting longer only delays the page.
- InvocationsSentToDlq > 0, 1 of 1 minute: the target failed and the event is parked in the
  rule's DLQ; someone has to replay it.
EventBridge sends both metrics only when they are non-zero, so missing data is the healthy case:
treat missing data as notBreaching (with "missing" the alarm would sit in INSUFFICIENT_DATA).
Rules on a custom bus publish with dimensions EventBusName and RuleName; on the default bus with
RuleName alone (EventBridge user guide, "Monitoring Amazon EventBridge").
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Bus, Rule
from dashboards.alarm_model import Alarm
from dashboards.facades.base import Context
from dashboards.widgets import MetricLine, MetricWidget, Widget

NAMESPACE = "AWS/Events"


@dataclass(frozen=True)
class EventBridgeRuleMonitoring:
    ctx: Context
    bus: Bus
    rule: Rule

    @property
    def _dims(self) -> dict[str, str]:
        if self.bus.name == "default":
            return {"RuleName": self.rule.name}
        return {"EventBusName": self.bus.name, "RuleName": self.rule.name}

    def _alarm(self, metric: str, what: str, fault: str) -> Alarm:
        return self.ctx.alarm(
            resource=self.rule.name,
            what=what,
            fault=fault,
            namespace=NAMESPACE,
            metric_name=metric,
            dimensions=self._dims,
            statistic="Sum",
            period=60,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
        )

    def alarms(self) -> list[Alarm]:
        rule = self.rule.name
        events = ", ".join(self.rule.event_types)
        return [
            self._alarm(
                "FailedInvocations",
                "failed-invocations",
                f"EventBridge rule {rule} on bus {self.bus.name} could not deliver events "
                f"({events}) to its target after every retry.",
            ),
            self._alarm(
                "InvocationsSentToDlq",
                "sent-to-dlq",
                f"EventBridge rule {rule} on bus {self.bus.name} sent events ({events}) to its "
                "dead-letter queue.",
            ),
        ]

    def widgets(self) -> list[Widget]:
        dims = tuple(sorted(self._dims.items()))
        lines = tuple(
            MetricLine(NAMESPACE, metric, dims, "Sum", metric)
            for metric in (
                "MatchedEvents",
                "Invocations",
                "FailedInvocations",
                "InvocationsSentToDlq",
                "ThrottledRules",
            )
        )
        return [MetricWidget(f"rule {self.rule.name}", lines)]
