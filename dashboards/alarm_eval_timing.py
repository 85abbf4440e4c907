"""When CloudWatch evaluates an alarm and when a datapoint becomes visible to it.

Two facts make a real alarm slower than one that sees every datapoint the instant it is stamped,
and a drill's detection time is only honest with both (its verdict must hold on AWS):

- **Evaluation schedule.** A metric alarm is evaluated every minute over a *sliding* window: the
  last N periods ending at that minute, not periods aligned to the clock ("SlidingWindow: the
  default. The window advances each time the alarm is evaluated",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html).
  "If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every 10 seconds"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html);
  the page is silent on 20 s, which is evaluated every 10 s here too. Every other period is a
  multiple of 60 and evaluated every minute.
- **Ingestion delay.** Services send their metrics to CloudWatch at intervals, so a datapoint
  reaches the alarm some time after its timestamp:
  Lambda "sends metric data to CloudWatch in 1-minute intervals"
  (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html); SQS metrics "are
  automatically collected and pushed to CloudWatch at one-minute intervals"
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-monitoring-using-cloudwatch.html;
  the "up to 15 minutes" on that page is about a queue that was inactive for six hours waking
  up, which no drill does and the sandbox does not model); EventBridge "sends metrics to Amazon
  CloudWatch every minute" and "a data point for a given minute might be delayed"
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html); SNS's page
  (https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html) has said
  both one and five minutes over the years: one minute is used, as for the others. So a service
  metric is visible 60 s after its timestamp (the worst case of a one-minute push).
  Log-derived metrics (embedded metric format, metric filters) first travel as log events and
  are extracted afterwards; AWS documents no figure for that lag
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/MonitoringLogData.html,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format.html),
  so obskit chooses 120 s: one minute to deliver the log batch, one to publish the metric.

:data:`AWS_TIMING` is the model the sandbox runs; :data:`INSTANT_TIMING` is the old one (each
period evaluated once, when it ends; no delay), kept for unit tests that reason period by period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

__all__ = [
    "AWS_INGESTION_DELAYS",
    "AWS_TIMING",
    "INSTANT_TIMING",
    "AlarmTiming",
    "IngestionDelays",
    "evaluation_interval",
]

Schedule = Literal["sliding", "per-period"]
HIGH_RESOLUTION_INTERVAL_S = 10
STANDARD_INTERVAL_S = 60
SERVICE_DELAY_S = 60.0
LOG_DERIVED_DELAY_S = 120.0


def evaluation_interval(period: int, schedule: Schedule = "sliding") -> int:
    """Seconds between two evaluations of an alarm with this period."""
    if schedule == "per-period":
        return period
    return HIGH_RESOLUTION_INTERVAL_S if period < 60 else STANDARD_INTERVAL_S


@dataclass(frozen=True)
class IngestionDelays:
    """Seconds from a datapoint's timestamp to the moment alarms can read it.

    ``by_namespace`` covers the AWS services' own namespaces; ``log_derived_s`` applies to
    metrics extracted from log events (EMF, metric filters) and to any namespace not listed,
    since in the sandbox only logs publish custom namespaces.
    """

    by_namespace: Mapping[str, float] = field(default_factory=dict)
    log_derived_s: float = 0.0

    def __post_init__(self) -> None:
        for name, seconds in {**self.by_namespace, "log-derived": self.log_derived_s}.items():
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise ValueError(f"ingestion delay of {name}: expected seconds >= 0, {seconds!r}")
        object.__setattr__(self, "by_namespace", MappingProxyType(dict(self.by_namespace)))

    def delay(self, namespace: str, *, log_derived: bool = False) -> float:
        """The delay of one datapoint of ``namespace``."""
        if log_derived:
            return self.log_derived_s
        return self.by_namespace.get(namespace, self.log_derived_s)

    def describe(self) -> dict[str, float]:
        """Per namespace, plus ``log-derived``: what a report prints."""
        return {**dict(sorted(self.by_namespace.items())), "log-derived": self.log_derived_s}


AWS_INGESTION_DELAYS = IngestionDelays(
    {
        "AWS/Lambda": SERVICE_DELAY_S,
        "AWS/SQS": SERVICE_DELAY_S,
        "AWS/Events": SERVICE_DELAY_S,
        "AWS/SNS": SERVICE_DELAY_S,
    },
    log_derived_s=LOG_DERIVED_DELAY_S,
)


@dataclass(frozen=True)
class AlarmTiming:
    """The evaluation schedule and the ingestion delays, together: one named timing model."""

    schedule: Schedule = "sliding"
    delays: IngestionDelays = field(default_factory=IngestionDelays)

    def __post_init__(self) -> None:
        if self.schedule not in ("sliding", "per-period"):
            raise ValueError(f"schedule: expected 'sliding' or 'per-period', got {self.schedule!r}")

    def interval(self, period: int) -> int:
        """Seconds between two evaluations of an alarm with this period."""
        return evaluation_interval(period, self.schedule)

    def describe(self) -> dict[str, Any]:
        """The model in a drill report: ``evaluation`` and ``ingestion_delay_s``."""
        if self.schedule == "sliding":
            evaluation = (
                f"sliding, every {STANDARD_INTERVAL_S} s "
                f"({HIGH_RESOLUTION_INTERVAL_S} s for periods under 60 s)"
            )
        else:
            evaluation = "once per period, when it ends"
        return {"evaluation": evaluation, "ingestion_delay_s": self.delays.describe()}


AWS_TIMING = AlarmTiming("sliding", AWS_INGESTION_DELAYS)
INSTANT_TIMING = AlarmTiming("per-period", IngestionDelays())
