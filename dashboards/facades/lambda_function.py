"""Lambda function: errors, throttles, duration against its own timeout, concurrency.

Periods, datapoints and statistics follow AWS's recommended alarms (``recommended_alarms``);
AWS leaves thresholds to the user, so the choices are:
- Errors > 0 (3 of 3 minutes, per AWS): any sustained error is worth a look in a system where every
  invocation is one step of a workflow.
- Throttles >= 1 (5 of 5 minutes, per AWS): sustained throttling means lost or delayed events.
- Duration p90 > 80 % of the function's *own* timeout (15 of 15 minutes, per AWS): the first
  user's template alarmed at 480 s for a 900 s function; the threshold must follow the timeout.
For a function Lambda invokes asynchronously (any trigger but SQS), the asynchronous-invocation
metrics (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html, "Asynchronous
invocation metrics" and "Invocation metrics"), each published only when something happened, so
missing data is not breaching:
- AsyncEventsDropped > 0 (Sum, 1 of 1 minute): an event Lambda gave up on (retries exhausted,
  maximum event age passed, reserved concurrency 0). Even with a DLQ it is a workflow step that did
  not run; without one it is lost. One is enough to page.
- AsyncEventAge Maximum > half the function's maximum event age (1 of 1 minute): events wait that
  long only when throttled or backed up (Lambda's own error retries add at most 3 minutes), and
  at that age there is still as long again to act before Lambda discards them.
- DeadLetterErrors > 0 (functions with a DLQ) and DestinationDeliveryFailures > 0 (functions with
  an on-failure destination): the write that should have kept a failed event failed; the event
  is lost.
No ConcurrentExecutions alarm: a function that runs at its reserved concurrency by design (the
Alchemiser's one-at-a-time executor) would page forever; the harm is throttling, which Throttles
catches. Concurrency is on the dashboard, against the reservation.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Catalog, Service
from dashboards.alarm_model import Alarm
from dashboards.facades.base import Context, function_name
from dashboards.recommended_alarms import recommended
from dashboards.widgets import HorizontalAnnotation, MetricLine, MetricWidget, Widget

NAMESPACE = "AWS/Lambda"
DURATION_FRACTION_OF_TIMEOUT = 0.8
EVENT_AGE_FRACTION_OF_MAXIMUM = 0.5
ASYNC_PERIOD_S = 60


def invoked_asynchronously(service: Service, catalog: Catalog | None = None) -> bool:
    """Lambda queues the function's events itself (EventBridge, Scheduler, async Invoke); an SQS
    event source mapping invokes synchronously and has no asynchronous metrics. Given the
    ``catalog``, a ``direct`` function that no rule, schedule or other service invokes is only
    called synchronously (an API, a caller): a refused call is answered to the caller and
    nothing is queued, so it has no asynchronous metrics either
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-sync.html), unless it has an
    on-failure DLQ or destination: those only ever receive asynchronous events
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html), so
    configuring one says something invokes it asynchronously."""
    if service.trigger == "sqs":
        return False
    if catalog is None or service.trigger != "direct":
        return True
    return (
        service.on_failure_dlq is not None
        or service.on_failure_destination is not None
        or any(service.name in other.invokes for other in catalog.services)
        or any(schedule.target == service.name for schedule in catalog.schedules)
        or any(t.service == service.name for _bus, rule in catalog.rules() for t in rule.targets)
    )


@dataclass(frozen=True)
class LambdaFunctionMonitoring:
    ctx: Context
    service: Service
    function: str
    asynchronous: bool = True
    """Whether anything invokes it asynchronously (:func:`invoked_asynchronously`)."""

    @classmethod
    def from_catalog(
        cls, ctx: Context, catalog: Catalog, service: Service
    ) -> LambdaFunctionMonitoring:
        return cls(
            ctx,
            service,
            function_name(catalog, service),
            invoked_asynchronously(service, catalog),
        )

    @property
    def _dims(self) -> dict[str, str]:
        return {"FunctionName": self.function}

    @property
    def duration_threshold_ms(self) -> float:
        return round(self.service.timeout_s * 1000 * DURATION_FRACTION_OF_TIMEOUT, 3)

    def _from_recommended(self, metric: str, what: str, fault: str, threshold: float) -> Alarm:
        row = recommended(NAMESPACE, metric)
        return self.ctx.alarm(
            resource=self.service.name,
            what=what,
            fault=fault,
            namespace=NAMESPACE,
            metric_name=metric,
            dimensions=self._dims,
            statistic=row.statistic,
            period=row.period,
            threshold=threshold,
            comparison_operator=row.comparison_operator,
            evaluation_periods=row.evaluation_periods,
            datapoints_to_alarm=row.datapoints_to_alarm,
            treat_missing_data=row.treat_missing_data,
        )

    @property
    def event_age_threshold_ms(self) -> float:
        return float(self.service.maximum_event_age_s * 1000 * EVENT_AGE_FRACTION_OF_MAXIMUM)

    def _any(self, metric: str, what: str, fault: str) -> Alarm:
        """``metric`` Sum > 0 in one minute; AWS sends nothing while nothing happens."""
        return self.ctx.alarm(
            resource=self.service.name,
            what=what,
            fault=fault,
            namespace=NAMESPACE,
            metric_name=metric,
            dimensions=self._dims,
            statistic="Sum",
            period=ASYNC_PERIOD_S,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            datapoints_to_alarm=1,
            treat_missing_data="notBreaching",
        )

    def async_alarms(self) -> list[Alarm]:
        """Lost or late asynchronous events (none for an SQS-triggered function)."""
        if not (self.asynchronous and invoked_asynchronously(self.service)):
            return []
        fn = self.function
        out = [
            self._any(
                "AsyncEventsDropped",
                "events-dropped",
                f"Lambda gave up on asynchronous events of {fn} (retries exhausted, event too "
                "old, or reserved concurrency 0): they went to its DLQ / destination, or are lost.",
            ),
            self.ctx.alarm(
                resource=self.service.name,
                what="event-age",
                fault=f"Asynchronous events of {fn} wait in Lambda's queue for more than half "
                f"their maximum age ({self.service.maximum_event_age_s} s) before running "
                "(AsyncEventAge in ms).",
                namespace=NAMESPACE,
                metric_name="AsyncEventAge",
                dimensions=self._dims,
                statistic="Maximum",
                period=ASYNC_PERIOD_S,
                threshold=self.event_age_threshold_ms,
                comparison_operator="GreaterThanThreshold",
                evaluation_periods=1,
                datapoints_to_alarm=1,
                treat_missing_data="notBreaching",
            ),
        ]
        if self.service.on_failure_dlq:
            out.append(
                self._any(
                    "DeadLetterErrors",
                    "dead-letter-errors",
                    f"Lambda could not write failed events of {fn} to its DLQ "
                    f"{self.service.on_failure_dlq}: they are lost.",
                )
            )
        if self.service.on_failure_destination:
            out.append(
                self._any(
                    "DestinationDeliveryFailures",
                    "destination-failures",
                    f"Lambda could not send failed events of {fn} to its on-failure destination "
                    f"{self.service.on_failure_destination}: they are lost.",
                )
            )
        return out

    def alarms(self) -> list[Alarm]:
        fn = self.function
        out = [
            self._from_recommended(
                "Errors", "errors", f"Lambda function {fn} is failing invocations.", 0
            ),
            self._from_recommended(
                "Throttles",
                "throttles",
                f"Lambda function {fn} is being throttled: events are delayed or lost.",
                1,
            ),
            self._from_recommended(
                "Duration",
                "duration",
                f"Lambda function {fn} runs close to its {self.service.timeout_s} s timeout "
                "(Duration in ms).",
                self.duration_threshold_ms,
            ),
            *self.async_alarms(),
        ]
        return out

    def _line(self, metric: str, stat: str, label: str) -> MetricLine:
        return MetricLine(NAMESPACE, metric, (("FunctionName", self.function),), stat, label)

    def async_widgets(self) -> list[Widget]:
        if not (self.asynchronous and invoked_asynchronously(self.service)):
            return []
        name = self.service.name
        counts = [
            self._line("AsyncEventsReceived", "Sum", "received"),
            self._line("AsyncEventsDropped", "Sum", "dropped"),
        ]
        if self.service.on_failure_dlq:
            counts.append(self._line("DeadLetterErrors", "Sum", "DLQ write errors"))
        if self.service.on_failure_destination:
            counts.append(self._line("DestinationDeliveryFailures", "Sum", "destination failures"))
        return [
            MetricWidget(f"{name}: asynchronous events", tuple(counts)),
            MetricWidget(
                f"{name}: asynchronous event age",
                (self._line("AsyncEventAge", "Maximum", "max age"),),
                stat="Maximum",
                annotations=(
                    HorizontalAnnotation(
                        "event age alarm",
                        self.event_age_threshold_ms,
                        "#ff7f0e",
                        alarm=self.ctx.name(self.service.name, "event-age"),
                    ),
                ),
                y_label="ms",
            ),
        ]

    def widgets(self) -> list[Widget]:
        return [*self._base_widgets(), *self.async_widgets()]

    def _base_widgets(self) -> list[Widget]:
        name = self.service.name
        timeout_ms = self.service.timeout_s * 1000
        return [
            MetricWidget(
                f"{name}: invocations and errors",
                (
                    self._line("Invocations", "Sum", "Invocations"),
                    self._line("Errors", "Sum", "Errors"),
                ),
            ),
            MetricWidget(f"{name}: throttles", (self._line("Throttles", "Sum", "Throttles"),)),
            MetricWidget(
                f"{name}: duration p95 vs timeout",
                (
                    self._line("Duration", "p95", "p95"),
                    self._line("Duration", "Maximum", "max"),
                ),
                stat="p95",
                annotations=(
                    HorizontalAnnotation(f"timeout {self.service.timeout_s} s", timeout_ms),
                    HorizontalAnnotation(
                        "duration alarm",
                        self.duration_threshold_ms,
                        "#ff7f0e",
                        alarm=self.ctx.name(self.service.name, "duration"),
                    ),
                ),
                y_label="ms",
            ),
            MetricWidget(
                f"{name}: concurrency",
                (self._line("ConcurrentExecutions", "Maximum", "concurrent executions"),),
                stat="Maximum",
                annotations=(
                    (HorizontalAnnotation("reserved", self.service.reserved_concurrency),)
                    if self.service.reserved_concurrency is not None
                    else ()
                ),
            ),
        ]
