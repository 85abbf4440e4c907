"""Publish every datapoint twice: to the endpoint with PutMetricData (what dashboards and
``get-metric-statistics`` read) and to the alarm evaluator's metric store (what alarms read).

moto publishes no AWS/Lambda, AWS/SQS or AWS/Events metrics, so the sandbox writes what AWS
would, from what really happened in it. Datapoints are buffered and sent in calls of at most
1,000 (the PutMetricData limit), each call one namespace.

The alarm evaluator's copy carries the moment each datapoint reaches CloudWatch: its timestamp
plus the ingestion delay of its namespace (or the log-derived delay, for metrics extracted from
log events), from :mod:`dashboards.alarm_eval_timing`, where the figures and their AWS sources
are. Alarms evaluated before that moment do not see it, as on AWS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timing import AWS_INGESTION_DELAYS, IngestionDelays
from sandbox.aws import Clients

MAX_DATUMS_PER_CALL = 1000

MetricId = tuple[str, str, tuple[tuple[str, str], ...]]


class MetricsPublisher:
    def __init__(
        self,
        store: InMemoryMetricStore,
        clients: Clients | None,
        *,
        delays: IngestionDelays = AWS_INGESTION_DELAYS,
    ) -> None:
        self.store = store
        self.delays = delays
        self._clients = clients
        self._pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.totals: dict[MetricId, float] = defaultdict(float)
        self.counts: dict[MetricId, int] = defaultdict(int)

    def put(
        self,
        namespace: str,
        name: str,
        dimensions: Mapping[str, str],
        value: float,
        *,
        at: float,
        unit: str = "Count",
        log_derived: bool = False,
    ) -> None:
        """One datapoint stamped ``at``; ``log_derived``: extracted from a log event (a metric
        filter), which reaches CloudWatch later than a service's own metric."""
        moment = datetime.fromtimestamp(at, tz=UTC)
        delay = self.delays.delay(namespace, log_derived=log_derived)
        visible = moment + timedelta(seconds=delay)
        self.store.put(namespace, name, dimensions, moment, value, visible_at=visible)
        key: MetricId = (namespace, name, tuple(sorted(dimensions.items())))
        self.totals[key] += value
        self.counts[key] += 1
        self._pending[namespace].append(
            {
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dimensions.items())],
                "Timestamp": moment,
                "Value": float(value),
                "Unit": unit,
            }
        )

    def total(self, namespace: str, name: str, dimensions: Mapping[str, str]) -> float:
        return self.totals.get((namespace, name, tuple(sorted(dimensions.items()))), 0.0)

    def flush(self) -> None:
        pending, self._pending = self._pending, defaultdict(list)
        if self._clients is None:
            return
        for namespace, data in pending.items():
            for start in range(0, len(data), MAX_DATUMS_PER_CALL):
                self._clients.cloudwatch.put_metric_data(
                    Namespace=namespace, MetricData=data[start : start + MAX_DATUMS_PER_CALL]
                )
