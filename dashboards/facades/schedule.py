"""Schedule heartbeat: the scheduled workflow did not complete on a day it should have.

A schedule that silently stops firing (disabled rule, broken target, expired credentials) raises
no error anywhere; only the absence of completions shows it. The heartbeat is a metric-math alarm
over hourly sums of WorkflowsCompleted, LessThanThreshold 1 for 24 of 24 hours, i.e. "no
completion in the last 24 hours": ``FILL(m1, 0)`` turns the hours without a completion into zeros.

A schedule that skips days (the Alchemiser trades MON-FRI) would trip that alarm every Saturday
and Sunday, and CloudWatch cannot look back over a whole weekend with hourly datapoints (1-hour
periods × 24 is one day). So on the UTC weekdays the schedule never runs, the hours in which it
would have run count as one completion: ``+ IF((DAY(m1) == 6 OR DAY(m1) == 7) AND (HOUR(m1) ==
12 OR HOUR(m1) == 13 OR HOUR(m1) == 14), 1, 0)`` for 09:35 America/New_York (13:35 UTC in
summer, 14:35 in winter; the hour before each counts too, because CloudWatch's evaluation window
slides: an hourly period ending at 13:41 starts at 12:41). An idle day then looks like a day whose run completed on time, so the alarm fires 24 h
after the last real *or* stand-in completion: on Tuesday afternoon when Tuesday's run is missing,
on Monday afternoon (one day after Sunday's stand-in) when Monday's is, never over the weekend.
Days and hours come from the schedule's cron and time zone (:mod:`catalog.cron`); a schedule
that runs every day, or is not weekly (``rate(...)``, a day of month), keeps the plain FILL.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.cron import RunSlots, weekly_run_slots
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

    def run_slots(self) -> RunSlots | None:
        return weekly_run_slots(self.schedule.expression, self.schedule.timezone)

    def expression(self) -> str:
        """Completions per hour, with a stand-in completion on the days the schedule is idle."""
        slots = self.run_slots()
        if slots is None or not slots.idle_days:
            return "FILL(m1, 0)"
        days = " OR ".join(f"DAY(m1) == {day}" for day in sorted(slots.idle_days))
        # CloudWatch's windows slide (they end at the minute of each evaluation), so the hourly
        # period holding a run starts in the run's hour or in the hour before it.
        stand_in = {hour for run in slots.hours for hour in (run, (run - 1) % 24)}
        hours = " OR ".join(f"HOUR(m1) == {hour}" for hour in sorted(stand_in))
        return f"FILL(m1, 0) + IF(({days}) AND ({hours}), 1, 0)"

    def _label(self) -> str:
        slots = self.run_slots()
        if slots is None or not slots.idle_days:
            return "completed (0 when none)"
        return "completed (an idle day's run hour counts as 1)"

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
                    expression=self.expression(),
                    label=self._label(),
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
