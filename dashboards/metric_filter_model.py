"""A CloudWatch Logs metric filter: which lines of a log group become which metric datapoint.

One typed form feeds CloudFormation (``AWS::Logs::MetricFilter``), the ``put_metric_filter``
payloads, the deploy diff and the sandbox (which applies them, since moto does not). A filter
belongs to a log group, so its identity is the pair (log group, filter name): AWS allows the same
filter name on two log groups. AWS limits are checked by ``dashboards.validation``, not here, so
every violation is reported at once with the filter it concerns.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MetricFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    log_group: str
    name: str
    pattern: str
    metric_namespace: str
    metric_name: str
    metric_value: str = Field(description="A number, or a property selector such as $.latency.")
    unit: str | None = None
    dimensions: dict[str, str] = Field(
        default_factory=dict, description="Dimension name → property selector ($.event_type)."
    )
    default_value: float | None = Field(
        default=None,
        description="Published when a line does not match; AWS forbids it with dimensions.",
    )

    @property
    def key(self) -> str:
        """``<log group>:<filter name>``: unique, since neither name may contain ``:``."""
        return f"{self.log_group}:{self.name}"
