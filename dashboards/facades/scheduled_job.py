"""Scheduled job: a function a schedule invokes that starts no workflow did not run successfully.

A nightly job (a retention sweep, a report) has no workflow whose completions a heartbeat could
count, and a schedule that stops firing (disabled, deleted, its role broken) raises no error
anywhere. Its own Lambda metrics say whether it ran: ``Invocations`` counts every time the code
ran, "including successful invocations and invocations that result in a function error", and
``Errors`` those that ended in a function error
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html), so
``FILL(m1, 0) - FILL(m2, 0)`` is the number of successful runs in a period. The alarm is
"fewer than 1 successful run in the last W", N of N periods (the heartbeat's shape), where W is
the longest gap between two of the schedule's runs (:func:`catalog.cron_runs.longest_gap_s`)
plus a grace: Lambda's two asynchronous retries (1 and 2 minutes apart,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html), three times
the function's timeout, and an hour for a time zone with daylight saving time (a local 02:30 run
is 23 or 25 hours after the one before on the days the clocks change). A run that fails and
then succeeds on a retry counts as a run; a run that fails every attempt, or never happens, does
not, and the alarm fires about the grace after the run was due.

Missing data is treated as breaching: Lambda publishes no datapoint for a function that was not
invoked, so an absent period is exactly a period without a run
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
An alarm looks back at most one day with periods under an hour and at most seven days with
longer ones (PutMetricAlarm's ``EvaluationPeriods``,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html), so
periods are 1 minute (W up to an hour), 5 minutes (up to a day) or 1 hour (up to a week); a
schedule whose runs are more than a week apart (monthly) gets no missed-run alarm (its Errors
and AsyncEventsDropped alarms still catch a failed run).
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from catalog.cron_runs import longest_gap_s
from catalog.models import Catalog, Schedule, Service
from dashboards.alarm_model import Alarm, MetricQuery, MetricRef
from dashboards.descriptions import with_description
from dashboards.facades.base import Context, function_name
from dashboards.widgets import MetricLine, MetricWidget, Widget

NAMESPACE = "AWS/Lambda"
MISSED_RUN_WHAT = "missed-run"
ASYNC_RETRIES_S = 60 + 120
"""Lambda retries a failed asynchronous event twice, about 1 and then 2 minutes later."""
DST_SLACK_S = 3600
MAX_SHORT_WINDOW_S = 86400
"""Periods under an hour: the alarm looks back at most a day."""
MAX_WINDOW_S = 7 * 86400


def scheduled_jobs(catalog: Catalog) -> list[tuple[Schedule, Service]]:
    """Each schedule that starts no workflow, with the service it invokes, in catalog order.

    A schedule starts a workflow when it names one, a workflow names it (``schedule:``), or a
    workflow's ``start`` says ``kind: schedule`` with it; such runs are watched by the workflow's
    heartbeat instead.
    """
    starting: set[str] = set()
    for workflow in catalog.workflows:
        entry = workflow.entry()
        if entry is not None and entry.kind == "schedule":
            starting.add(entry.schedule or str(workflow.schedule))
        if workflow.schedule:
            starting.add(workflow.schedule)
    services = {s.name: s for s in catalog.services}
    return [
        (schedule, services[schedule.target])
        for schedule in catalog.schedules
        if schedule.workflow is None
        and schedule.name not in starting
        and schedule.target in services
    ]


def _observes_dst(timezone: str) -> bool:
    zone = zoneinfo.ZoneInfo(timezone)
    offsets = {datetime(2025, month, 1, tzinfo=zone).utcoffset() for month in (1, 7)}
    return len(offsets) > 1


@dataclass(frozen=True)
class MissedRunWindow:
    """How far back the alarm looks: ``periods`` periods of ``period_s`` seconds."""

    period_s: int
    periods: int

    @property
    def seconds(self) -> int:
        return self.period_s * self.periods


def missed_run_window(schedule: Schedule, service: Service) -> MissedRunWindow | None:
    """The alarm's window for ``schedule`` invoking ``service``; None when no alarm can cover
    the gap between two runs (more than a week)."""
    gap = longest_gap_s(schedule.expression, schedule.timezone)
    if gap is None:
        return None
    grace = ASYNC_RETRIES_S + 3 * service.timeout_s
    if schedule.expression.startswith("cron(") and _observes_dst(schedule.timezone):
        grace += DST_SLACK_S
    wanted = gap + grace
    if wanted > MAX_WINDOW_S:
        return None
    if wanted <= 3600:
        period = 60
    elif wanted <= MAX_SHORT_WINDOW_S:
        period = 300
    else:
        period = 3600
    return MissedRunWindow(period, math.ceil(wanted / period))


@dataclass(frozen=True)
class ScheduledJobMonitoring:
    ctx: Context
    catalog: Catalog
    schedule: Schedule
    service: Service

    @property
    def alarm_name(self) -> str:
        return self.ctx.name(self.service.name, MISSED_RUN_WHAT)

    @property
    def function(self) -> str:
        return function_name(self.catalog, self.service)

    def _metric(self, name: str) -> MetricRef:
        return MetricRef(
            namespace=NAMESPACE, metric_name=name, dimensions={"FunctionName": self.function}
        )

    def alarms(self) -> list[Alarm]:
        window = missed_run_window(self.schedule, self.service)
        if window is None:
            return []
        hours = window.seconds / 3600
        alarm = Alarm(
            name=self.alarm_name,
            description="",
            summary=f"Job {self.service.name} did not run successfully in the last {hours:g} h "
            f"although schedule {self.schedule.name} ({self.schedule.expression} "
            f"{self.schedule.timezone}) should have run it.",
            metrics=[
                MetricQuery(
                    id="m1",
                    metric=self._metric("Invocations"),
                    stat="Sum",
                    period=window.period_s,
                    label="invocations",
                    return_data=False,
                ),
                MetricQuery(
                    id="m2",
                    metric=self._metric("Errors"),
                    stat="Sum",
                    period=window.period_s,
                    label="errors",
                    return_data=False,
                ),
                MetricQuery(
                    id="e1",
                    expression="FILL(m1, 0) - FILL(m2, 0)",
                    label="successful runs",
                    return_data=True,
                ),
            ],
            threshold=1,
            comparison_operator="LessThanThreshold",
            evaluation_periods=window.periods,
            datapoints_to_alarm=window.periods,
            treat_missing_data="breaching",
            alarm_actions=self.ctx.actions,
            ok_actions=self.ctx.actions,
        )
        return [with_description(alarm, self.ctx.runbook_url)]

    def widgets(self) -> list[Widget]:
        dims = (("FunctionName", self.function),)
        return [
            MetricWidget(
                f"job {self.service.name} ({self.schedule.expression}): runs per day",
                (
                    MetricLine(NAMESPACE, "Invocations", dims, "Sum", "invocations"),
                    MetricLine(NAMESPACE, "Errors", dims, "Sum", "errors"),
                ),
                width=12,
                period=86400,
            )
        ]
