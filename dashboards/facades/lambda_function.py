"""Lambda function: errors, throttles, duration against its own timeout, concurrency.

Periods, datapoints and statistics follow AWS's recommended alarms (``recommended_alarms``);
AWS leaves thresholds to the user, so the choices are:
- Errors > 0 (3 of 3 minutes, per AWS): any sustained error is worth a look in a system where every
  invocation is one step of a workflow.
- Throttles >= 1 (5 of 5 minutes, per AWS): sustained throttling means lost or delayed events.
- Duration p90 > 80 % of the function's *own* timeout (15 of 15 minutes, per AWS): the first
  user's template alarmed at 480 s for a 900 s function; the threshold must follow the timeout.
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


@dataclass(frozen=True)
class LambdaFunctionMonitoring:
    ctx: Context
    service: Service
    function: str

    @classmethod
    def from_catalog(
        cls, ctx: Context, catalog: Catalog, service: Service
    ) -> LambdaFunctionMonitoring:
        return cls(ctx, service, function_name(catalog, service))

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
        ]
        return out

    def _line(self, metric: str, stat: str, label: str) -> MetricLine:
        return MetricLine(NAMESPACE, metric, (("FunctionName", self.function),), stat, label)

    def widgets(self) -> list[Widget]:
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
