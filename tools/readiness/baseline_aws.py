"""A baseline from CloudWatch metrics: what AWS/Lambda and the services' EMF metrics recorded.

GetMetricData over the window, per catalog service: AWS/Lambda ``Duration`` (p50/p95/p99/Maximum,
SampleCount) and ``Invocations``; per workflow: the EMF ``WorkflowDuration`` (namespace and
dimensions from :mod:`dashboards.emf_names`, exactly as the alarms watch it) and
``WorkflowsCompleted`` / ``WorkflowsFailed``. One period spans the window, so each percentile is
CloudWatch's own. An endpoint that does not compute percentile statistics (moto_server) gets the
percentiles of the one-minute maxima instead, and the baseline says so in ``notes``. Metrics carry
no per-hop latency: ``hops`` stays empty (use ``--from-logs`` for it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.exceptions import ClientError

from catalog.models import Catalog
from dashboards.emf_names import (
    NAMESPACE,
    WORKFLOW_DURATION,
    WORKFLOWS_COMPLETED,
    WORKFLOWS_FAILED,
    workflow_dimensions,
)
from tools.readiness.baseline_model import SCHEMA, distribution

MINUTE = 60


def _metric(namespace: str, name: str, dims: dict[str, str]) -> dict[str, Any]:
    return {
        "Namespace": namespace,
        "MetricName": name,
        "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dims.items())],
    }


class _Reader:
    def __init__(self, cloudwatch: Any, start: dt.datetime, end: dt.datetime) -> None:
        self.cw = cloudwatch
        self.start = start
        self.end = end
        seconds = max(MINUTE, int((end - start).total_seconds()))
        self.window_period = -(-seconds // MINUTE) * MINUTE
        self.percentiles_supported = True

    def values(self, metric: dict[str, Any], stat: str, period: int) -> list[float]:
        query = {"Id": "m", "MetricStat": {"Metric": metric, "Period": period, "Stat": stat}}
        values: list[float] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {
                "MetricDataQueries": [query],
                "StartTime": self.start,
                "EndTime": self.end,
            }
            if token:
                kwargs["NextToken"] = token
            page = self.cw.get_metric_data(**kwargs)
            for result in page.get("MetricDataResults", []):
                values.extend(float(v) for v in result.get("Values", []))
            token = page.get("NextToken")
            if not token:
                return values

    def total(self, metric: dict[str, Any]) -> float:
        return sum(self.values(metric, "Sum", MINUTE))

    def dist(self, metric: dict[str, Any]) -> dict[str, Any]:
        count = int(sum(self.values(metric, "SampleCount", MINUTE)))
        if count == 0:
            return distribution([])
        if self.percentiles_supported:
            try:
                out: dict[str, Any] = {"count": count}
                for p in ("p50", "p95", "p99"):
                    got = self.values(metric, p, self.window_period)
                    out[p] = round(max(got), 3) if got else None
                out["max"] = round(max(self.values(metric, "Maximum", self.window_period)), 3)
                return out
            except ClientError:
                self.percentiles_supported = False
        maxima = self.values(metric, "Maximum", MINUTE)
        out = distribution(maxima)
        out["count"] = count
        return out


def baseline_from_cloudwatch(
    catalog: Catalog, cloudwatch: Any, start_ms: int, end_ms: int, source: dict[str, Any]
) -> dict[str, Any]:
    """The baseline of ``[start_ms, end_ms]`` from CloudWatch metrics (``cloudwatch``: a client)."""
    start = dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC)
    end = dt.datetime.fromtimestamp(end_ms / 1000, dt.UTC)
    reader = _Reader(cloudwatch, start, end)
    services: dict[str, Any] = {}
    invocations = 0.0
    for service in sorted(catalog.services, key=lambda s: s.name):
        if not service.function_name:
            continue
        dims = {"FunctionName": service.function_name}
        calls = reader.total(_metric("AWS/Lambda", "Invocations", dims))
        duration = reader.dist(_metric("AWS/Lambda", "Duration", dims))
        if calls == 0 and duration["count"] == 0:
            continue
        invocations += calls
        services[service.name] = {
            "invocations": int(calls),
            "duration_ms": duration,
            "cold_starts": None,
            "init_duration_ms": None,
        }
    end_to_end: dict[str, Any] = {}
    workflows = 0.0
    for workflow in catalog.workflows:
        dims = workflow_dimensions(catalog, workflow)
        finished = reader.total(_metric(NAMESPACE, WORKFLOWS_COMPLETED, dims)) + reader.total(
            _metric(NAMESPACE, WORKFLOWS_FAILED, dims)
        )
        workflows += finished
        end_to_end[workflow.name] = reader.dist(_metric(NAMESPACE, WORKFLOW_DURATION, dims))
    notes = [
        "per-hop latency is not a metric: take a baseline --from-logs for hops",
        "cold starts are not a metric: take a baseline --from-logs (REPORT lines) for them",
        "events counted as Lambda invocations (each handles one event)",
    ]
    if not reader.percentiles_supported:
        notes.append(
            "the endpoint computes no percentile statistics: percentiles are of one-minute maxima"
        )
    seconds = (end_ms - start_ms) / 1000
    span = max(seconds, 1.0)
    return {
        "schema": SCHEMA,
        "system": catalog.system,
        "stage": catalog.stage,
        "source": source,
        "window": {"start_ms": start_ms, "end_ms": end_ms, "seconds": round(seconds, 3)},
        "latency": {
            "end_to_end": end_to_end,
            "hops": {},
            "hop_method": None,
            "services": services,
        },
        "throughput": {
            "workflows": int(workflows),
            "workflows_per_hour": round(workflows / span * 3600, 3),
            "events": int(invocations),
            "events_per_minute": round(invocations / span * 60, 3),
            "invocations": int(invocations),
        },
        "notes": notes,
    }
