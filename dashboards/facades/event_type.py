"""Event type: its hop latency (emitted → handled) against the catalog's ``hop_sla_s``.

The services already log how old each event is when they handle it (``event_age_ms`` on every
line of the handling, ``catalog.log_conventions.event_age_field``; see
``logging_config.event_time``). Nothing in the services changes: a CloudWatch Logs metric filter
per consumer log group turns those lines into a metric, and an alarm per event type watches it.

- Metric filter, one per consumer log group, named after the service writing it: pattern
  ``{ $.<age field> >= 0 }``, value the age field, unit Milliseconds, dimension ``EventType``
  from ``$.event_type``. Dimensions cannot be
  combined with a DefaultValue, so a minute without handled lines has no datapoint.
  The metric is ``HopLatency`` in the system's EMF namespace (``emf_names.NAMESPACE``): it is
  what the catalog calls a hop and its SLA (``hop_sla_s``), per event type whichever service
  handled it, so every consumer's lines land on the one metric the event type's alarm reads.
  Every line of one handling carries the same age, so only Maximum (and Minimum) mean something:
  SampleCount counts lines, not events.
- Hop latency alarm: HopLatency Maximum > hop_sla_s × 1000 ms, 1 of 1 minute, notBreaching.
  These systems handle some events once a day: one late hop is the thing to know, and a minute
  without handling is not a breach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.models import Catalog, EventType
from dashboards.alarm_model import Alarm
from dashboards.emf_names import NAMESPACE
from dashboards.facades.base import Context
from dashboards.metric_filter_model import MetricFilter
from dashboards.naming import event_resource, log_group_resource
from dashboards.widgets import HorizontalAnnotation, MetricLine, MetricWidget, Widget

HOP_LATENCY = "HopLatency"
HOP_LATENCY_UNIT = "Milliseconds"
EVENT_TYPE_DIMENSION = "EventType"
EVENT_TYPE_FIELD = "event_type"
"""The log line's key naming the handled event's type (DESIGN.md's log line contract)."""
HOP_LATENCY_WHAT = "hop-latency"


def hop_monitored(catalog: Catalog) -> list[EventType]:
    """Event types that get hop monitoring: a hop SLA and at least one consumer (without one,
    nothing handles the event and there is no hop to time)."""
    return [
        e for e in catalog.event_types if e.hop_sla_s is not None and catalog.consumers_of(e.name)
    ]


def hop_filter_name(ctx: Context, log_group: str, writers: Sequence[str]) -> str:
    """``<system>-<stage>-<service>-hop-latency`` after the one service writing ``log_group``;
    after the group itself when several services share it (one filter per group either way)."""
    resource = writers[0] if len(writers) == 1 else log_group_resource(log_group)
    return ctx.name(resource, HOP_LATENCY_WHAT)


@dataclass(frozen=True)
class EventTypeMonitoring:
    ctx: Context
    event_type: EventType
    consumers: tuple[tuple[str, str, str], ...]
    """(service name, log group, metric filter name) of every service that handles the event
    type (the filter name from :func:`hop_filter_name`)."""
    age_field: str
    """``catalog.log_conventions.event_age_field``: where the lines say how old the event is."""

    @property
    def sla_ms(self) -> float:
        assert self.event_type.hop_sla_s is not None
        return round(self.event_type.hop_sla_s * 1000, 3)

    def metric_filters(self) -> list[MetricFilter]:
        """One per consumer log group; a group shared with another event type gets the same
        filter (same name and pattern), which ``collect`` keeps once."""
        groups = sorted({(group, name) for _service, group, name in self.consumers})
        return [
            MetricFilter(
                log_group=group,
                name=name,
                pattern=f"{{ $.{self.age_field} >= 0 }}",
                metric_namespace=NAMESPACE,
                metric_name=HOP_LATENCY,
                metric_value=f"$.{self.age_field}",
                unit=HOP_LATENCY_UNIT,
                dimensions={EVENT_TYPE_DIMENSION: f"$.{EVENT_TYPE_FIELD}"},
            )
            for group, name in groups
        ]

    def alarms(self) -> list[Alarm]:
        event = self.event_type
        handlers = ", ".join(sorted({service for service, _group, _name in self.consumers}))
        return [
            self.ctx.alarm(
                resource=event_resource(event.name),
                what=HOP_LATENCY_WHAT,
                fault=f"{event.name} events waited longer than their {event.hop_sla_s:g} s hop "
                f"SLA from emission to handling by {handlers} (a throttled or failing consumer, "
                "or a queue backing up; latency in ms).",
                namespace=NAMESPACE,
                metric_name=HOP_LATENCY,
                dimensions={EVENT_TYPE_DIMENSION: event.name},
                statistic="Maximum",
                period=60,
                threshold=self.sla_ms,
                comparison_operator="GreaterThanThreshold",
                evaluation_periods=1,
                datapoints_to_alarm=1,
                treat_missing_data="notBreaching",
            )
        ]

    def widgets(self) -> list[Widget]:
        event = self.event_type
        line = MetricLine(
            NAMESPACE, HOP_LATENCY, ((EVENT_TYPE_DIMENSION, event.name),), "Maximum", "max"
        )
        return [
            MetricWidget(
                f"hop {event.name}: max latency",
                (line,),
                stat="Maximum",
                annotations=(HorizontalAnnotation(f"hop SLA {event.hop_sla_s:g} s", self.sla_ms),),
                y_label="ms",
            )
        ]
