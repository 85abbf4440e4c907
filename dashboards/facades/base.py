"""What every facade shares: the system's naming context and the alarm factory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from catalog.models import Catalog, Service
from dashboards.alarm_model import Alarm, ComparisonOperator, MetricQuery, TreatMissingData
from dashboards.descriptions import describe, with_description
from dashboards.naming import alarm_name, topic_arn
from dashboards.widgets import Widget


@dataclass(frozen=True)
class Context:
    """The catalog facts every alarm and widget needs: names, where alarms notify and link to."""

    system: str
    stage: str
    runbook_url: str
    alerts_topic: str

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Context:
        return cls(
            system=catalog.system,
            stage=catalog.stage,
            runbook_url=catalog.runbook_url,
            alerts_topic=catalog.notifications.alerts_topic,
        )

    def name(self, resource: str, what: str) -> str:
        return alarm_name(self.system, self.stage, resource, what)

    def describe(self, name: str, fault: str) -> str:
        """A description without a metric condition (composite alarms): fault, then runbook."""
        return describe(fault, "", self.runbook_url, name)

    @property
    def actions(self) -> list[str]:
        return [topic_arn(self.alerts_topic)]

    def alarm(
        self,
        *,
        resource: str,
        what: str,
        fault: str,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: dict[str, str] | None = None,
        statistic: str | None = None,
        period: int | None = None,
        metrics: Sequence[MetricQuery] = (),
        threshold: float,
        comparison_operator: ComparisonOperator,
        evaluation_periods: int,
        datapoints_to_alarm: int,
        treat_missing_data: TreatMissingData,
    ) -> Alarm:
        name = self.name(resource, what)
        alarm = Alarm(
            name=name,
            description="",
            summary=fault,
            namespace=namespace,
            metric_name=metric_name,
            dimensions=dict(dimensions or {}),
            statistic=statistic,
            period=period,
            metrics=list(metrics),
            threshold=threshold,
            comparison_operator=comparison_operator,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=treat_missing_data,
            alarm_actions=self.actions,
            ok_actions=self.actions,
        )
        return with_description(alarm, self.runbook_url)


class Facade(Protocol):
    """A monitored resource: its alarms, and the widgets that show the same metrics."""

    def alarms(self) -> list[Alarm]: ...

    def widgets(self) -> list[Widget]: ...


def function_name(catalog: Catalog, service: Service) -> str:
    """The Lambda function name (the loader fills it; the default is used for bare models)."""
    return service.function_name or f"{catalog.system}-{catalog.stage}-{service.name}"


def log_group(catalog: Catalog, service: Service) -> str:
    return service.log_group or f"/aws/lambda/{function_name(catalog, service)}"
