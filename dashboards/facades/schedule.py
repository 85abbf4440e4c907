"""Schedule heartbeat: the scheduled workflow did not complete when it should have.

A schedule that silently stops firing (disabled rule, broken target, expired credentials) raises
no error anywhere; only the absence of completions shows it. The heartbeat is a metric-math alarm:
``FILL(m1, 0)`` over hourly sums of WorkflowsCompleted, LessThanThreshold 1 for 24 of 24 hours,
i.e. "no completion in the last 24 hours". FILL turns the hours without a completion into zeros,
so the alarm sees real values whenever the metric has any data in its range; when it has none at
all (nothing completed for longer than the range), missing data is treated as breaching.
24 × 3600 s is the longest evaluation range CloudWatch allows (86,400 s). A schedule that skips
days (e.g. weekdays only) trips this alarm on the day after each skipped day, because CloudWatch
cannot look back further than one day; such catalogs override the alarm in ``alarm_overrides``
(e.g. ``actions_enabled: false``) or accept it as the reminder that nothing ran.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Schedule, Workflow
from dashboards.alarm_model import Alarm, MetricQuery, MetricRef
from dashboards.descriptions import with_description
from dashboards.emf_names import NAMESPACE, WORKFLOWS_COMPLETED
from dashboards.facades.base import Context
from dashboards.widgets import MetricLine, MetricWidget, Widget

HEARTBEAT_PERIOD_S = 3600
HEARTBEAT_PERIODS = 24


@dataclass(frozen=True)
class ScheduleHeartbeatMonitoring:
    ctx: Context
    schedule: Schedule
    workflow: Workflow
    dimensions: dict[str, str]
    """The workflow metrics' exact dimension set (``emf_names.workflow_dimensions``)."""

    @property
    def alarm_name(self) -> str:
        return self.ctx.name(f"workflow-{self.workflow.name}", "heartbeat")

    def _metric(self) -> MetricRef:
        return MetricRef(
            namespace=NAMESPACE,
            metric_name=WORKFLOWS_COMPLETED,
            dimensions=dict(self.dimensions),
        )

    def alarms(self) -> list[Alarm]:
        alarm = Alarm(
            name=self.alarm_name,
            description="",
            summary=f"Workflow {self.workflow.name} did not complete although schedule "
            f"{self.schedule.name} ({self.schedule.expression} {self.schedule.timezone}) "
            "should have started it.",
            metrics=[
                MetricQuery(
                    id="m1",
                    metric=self._metric(),
                    stat="Sum",
                    period=HEARTBEAT_PERIOD_S,
                    label="completed",
                    return_data=False,
                ),
                MetricQuery(
                    id="e1",
                    expression="FILL(m1, 0)",
                    label="completed (0 when none)",
                    return_data=True,
                ),
            ],
            threshold=1,
            comparison_operator="LessThanThreshold",
            evaluation_periods=HEARTBEAT_PERIODS,
            datapoints_to_alarm=HEARTBEAT_PERIODS,
            treat_missing_data="breaching",
            alarm_actions=self.ctx.actions,
            ok_actions=self.ctx.actions,
        )
        return [with_description(alarm, self.ctx.runbook_url)]

    def widgets(self) -> list[Widget]:
        metric = self._metric()
        return [
            MetricWidget(
                f"schedule {self.schedule.name}: completions per day",
                (
                    MetricLine(
                        metric.namespace,
                        metric.metric_name,
                        tuple(sorted(metric.dimensions.items())),
                        "Sum",
                        "completed",
                    ),
                ),
                width=12,
                period=86400,
            )
        ]
