"""Metrics from Embedded Metric Format log lines, extracted the way CloudWatch Logs does.

CloudWatch reads the ``_aws`` member of a JSON log event: for every directive in
``CloudWatchMetrics``, every dimension set in its ``Dimensions`` and every metric in its
``Metrics``, it publishes the root member of that name (a number, or an array of up to 100
numbers: one value each) under the directive's namespace, with the dimension set's root values,
at ``_aws.Timestamp`` (AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_
Specification.html). An object that breaks the specification is not extracted at all; we check
it with :func:`logging_config.metrics.validate_emf` and report why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from logging_config.metrics import validate_emf


@dataclass(frozen=True)
class EmfDatapoint:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    value: float
    unit: str
    timestamp: float


@dataclass
class Extraction:
    datapoints: list[EmfDatapoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def extract(line: str) -> Extraction:
    """The datapoints of one log line (none for a line that is not EMF)."""
    if '"_aws"' not in line:
        return Extraction()
    try:
        obj: Any = orjson.loads(line)
    except orjson.JSONDecodeError:
        return Extraction()
    if not isinstance(obj, dict) or "_aws" not in obj:
        return Extraction()
    problems = validate_emf(obj)
    if problems:
        return Extraction(problems=problems)
    timestamp = obj["_aws"]["Timestamp"] / 1000.0
    found = Extraction()
    for directive in obj["_aws"]["CloudWatchMetrics"]:
        for names in directive["Dimensions"]:
            dims = tuple(sorted((str(n), str(obj[n])) for n in names))
            for metric in directive["Metrics"]:
                raw = obj[metric["Name"]]
                for value in raw if isinstance(raw, list) else [raw]:
                    found.datapoints.append(
                        EmfDatapoint(
                            namespace=directive["Namespace"],
                            name=metric["Name"],
                            dimensions=dims,
                            value=float(value),
                            unit=str(metric.get("Unit", "None")),
                            timestamp=timestamp,
                        )
                    )
    return found
