"""Workflow, from the EMF metrics the services emit (names in ``dashboards.emf_names``).

- Failures: WorkflowsFailed Sum > 0, 1 of 1 minute, notBreaching. A failed workflow is one
  failed business run (e.g. one day's trading); the metric exists only when something failed.
- SLA breach: WorkflowDuration (seconds) Maximum > SLA, 1 of 1 minute, notBreaching: one completion
  later than the end-to-end SLA is a breach; without completions there is nothing to judge (the
  heartbeat covers "nothing completed").
- Unhealthy (composite): any of the above, or the schedule's heartbeat, in ALARM. It is the one
  alarm to page on for the workflow; its children explain why.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Workflow
from dashboards.alarm_model import Alarm, CompositeAlarm
from dashboards.emf_names import (
    NAMESPACE,
    WORKFLOW_DURATION,
    WORKFLOW_DURATION_UNIT,
    WORKFLOWS_COMPLETED,
    WORKFLOWS_FAILED,
)
from dashboards.facades.base import Context
from dashboards.widgets import HorizontalAnnotation, MetricLine, MetricWidget, Widget


@dataclass(frozen=True)
class WorkflowMonitoring:
    ctx: Context
    workflow: Workflow
    dimensions: dict[str, str]
    """The metrics' exact dimension set (``emf_names.workflow_dimensions``)."""
    heartbeat_alarm: str | None = None

    @property
    def namespace(self) -> str:
        return NAMESPACE

    @property
    def resource(self) -> str:
        return f"workflow-{self.workflow.name}"

    def _alarm(self, metric: str, what: str, fault: str, statistic: str, threshold: float) -> Alarm:
        return self.ctx.alarm(
            resource=self.resource,
            what=what,
            fault=fault,
            namespace=self.namespace,
            metric_name=metric,
            dimensions=self.dimensions,
            statistic=statistic,
            period=60,
            threshold=threshold,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
        )

    def alarms(self) -> list[Alarm]:
        wf = self.workflow
        failure = " or ".join(wf.failure_events) or "a failure event"
        return [
            self._alarm(
                WORKFLOWS_FAILED,
                "failures",
                f"Workflow {wf.name} failed: a run ended with {failure}.",
                "Sum",
                0,
            ),
            self._alarm(
                WORKFLOW_DURATION,
                "sla-breach",
                f"Workflow {wf.name} took longer than its {wf.sla_s:g} s SLA from {wf.start_event} "
                f"to its end (duration in seconds).",
                "Maximum",
                self.workflow.sla_s,
            ),
        ]

    def composite(self) -> CompositeAlarm:
        children = [a.name for a in self.alarms()]
        if self.heartbeat_alarm:
            children.append(self.heartbeat_alarm)
        name = self.ctx.name(self.resource, "unhealthy")
        return CompositeAlarm(
            name=name,
            description=self.ctx.describe(
                name,
                f"Workflow {self.workflow.name} is unhealthy: it failed, breached its SLA"
                + (" or did not complete when scheduled" if self.heartbeat_alarm else "")
                + " (see the child alarm in ALARM).",
            ),
            rule=" OR ".join(f'ALARM("{child}")' for child in children),
            alarm_actions=self.ctx.actions,
            ok_actions=self.ctx.actions,
        )

    def _line(self, metric: str, stat: str, label: str) -> MetricLine:
        dims = tuple(sorted(self.dimensions.items()))
        return MetricLine(self.namespace, metric, dims, stat, label)

    def widgets(self) -> list[Widget]:
        wf = self.workflow.name
        return [
            MetricWidget(
                f"workflow {wf}: outcomes",
                (
                    self._line(WORKFLOWS_COMPLETED, "Sum", "completed"),
                    self._line(WORKFLOWS_FAILED, "Sum", "failed"),
                ),
                width=12,
                period=300,
            ),
            MetricWidget(
                f"workflow {wf}: end-to-end latency",
                (
                    self._line(WORKFLOW_DURATION, "p50", "p50"),
                    self._line(WORKFLOW_DURATION, "p95", "p95"),
                    self._line(WORKFLOW_DURATION, "p99", "p99"),
                ),
                width=12,
                period=300,
                stat="p95",
                annotations=(
                    HorizontalAnnotation(f"SLA {self.workflow.sla_s:g} s", self.workflow.sla_s),
                ),
                y_label=WORKFLOW_DURATION_UNIT.lower(),
            ),
        ]
