"""What should be deployed, what is deployed, and the difference, as plain data (no boto3 here).

Desired state comes from the generated monitoring with account and region resolved. Deployed state
is whatever ``deploy_aws`` read back. Both are normalised to the fields obskit sets (AWS adds
ARNs, states and timestamps, omits empty lists and defaults), then compared field by field so the
diff says *what* changed, not just that something did.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from catalog.models import Catalog
from dashboards.aws_shapes import (
    put_composite_alarm_kwargs,
    put_metric_alarm_kwargs,
    put_metric_filter_kwargs,
)
from dashboards.build import Monitoring, build_monitoring
from dashboards.naming import prefix, resolve_placeholders
from dashboards.queries_bridge import SavedQueries, bundle, saved_queries

Kind = Literal["dashboard", "alarm", "composite alarm", "metric filter", "query definition"]
Action = Literal["add", "change", "remove", "unchanged", "skipped"]
KINDS: tuple[Kind, ...] = (
    "dashboard",
    "alarm",
    "composite alarm",
    "metric filter",
    "query definition",
)


@dataclass(frozen=True)
class DesiredState:
    """Everything to deploy, by kind then name, in the shape the put_* calls take."""

    owner_prefix: str
    """Alarms and dashboards whose name starts with this are ours (for "removed")."""
    query_prefix: str
    dashboards: dict[str, str]
    alarms: dict[str, dict[str, Any]]
    composites: dict[str, dict[str, Any]]
    queries: dict[str, dict[str, Any]] | None
    """None when the query library is not available (reported as skipped)."""
    metric_filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``<log group>:<filter name>`` → put_metric_filter kwargs (ours: the name has the prefix)."""

    def of(self, kind: Kind) -> Mapping[str, Any] | None:
        if kind == "dashboard":
            return self.dashboards
        if kind == "alarm":
            return self.alarms
        if kind == "composite alarm":
            return self.composites
        if kind == "metric filter":
            return self.metric_filters
        return self.queries


@dataclass(frozen=True)
class DeployedState:
    dashboards: dict[str, str]
    alarms: dict[str, dict[str, Any]]
    composites: dict[str, dict[str, Any]]
    queries: dict[str, dict[str, Any]] | None
    """None when the endpoint cannot list query definitions."""
    unsupported: dict[Kind, str] = field(default_factory=dict)
    """Kinds the endpoint cannot store, with the reason."""
    metric_filters: dict[str, dict[str, Any]] | None = None
    """``<log group>:<filter name>`` → DescribeMetricFilters entry; None when not read."""

    def of(self, kind: Kind) -> Mapping[str, Any] | None:
        if kind == "dashboard":
            return self.dashboards
        if kind == "alarm":
            return self.alarms
        if kind == "composite alarm":
            return self.composites
        if kind == "metric filter":
            return self.metric_filters
        return self.queries


@dataclass(frozen=True)
class Change:
    kind: Kind
    name: str
    action: Action
    details: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = f"{self.action:<9} {self.kind} {self.name}"
        return "\n".join([head, *(f"            {d}" for d in self.details)])


def _resolve(obj: Any, account_id: str, region: str) -> Any:
    if isinstance(obj, str):
        return resolve_placeholders(obj, account_id, region)
    if isinstance(obj, list):
        return [_resolve(v, account_id, region) for v in obj]
    if isinstance(obj, dict):
        return {k: _resolve(v, account_id, region) for k, v in obj.items()}
    return obj


_LOAD = object()


def desired_state(
    catalog: Catalog,
    account_id: str,
    region: str,
    monitoring: Monitoring | None = None,
    saved: SavedQueries | None | object = _LOAD,
) -> DesiredState:
    """The catalog's monitoring with ``${AWS::AccountId}`` / ``${AWS::Region}`` resolved.

    Pass ``monitoring`` and ``saved`` (the saved queries) when already built, to skip rebuilding.
    """
    loaded = saved_queries(catalog) if saved is _LOAD else saved
    queries_ = loaded if isinstance(loaded, SavedQueries) else None
    monitoring = monitoring or build_monitoring(catalog, queries_)
    queries = None if queries_ is None else bundle(queries_)
    return DesiredState(
        owner_prefix=prefix(catalog.system, catalog.stage),
        query_prefix=f"{catalog.system}/",
        dashboards={
            d.name: resolve_placeholders(d.body_json(), account_id, region)
            for d in monitoring.dashboards
        },
        alarms={
            a.name: _resolve(put_metric_alarm_kwargs(a), account_id, region)
            for a in monitoring.alarms
        },
        composites={
            c.name: _resolve(put_composite_alarm_kwargs(c), account_id, region)
            for c in monitoring.composite_alarms
        },
        queries=(
            None
            if queries is None
            else {n: _resolve(k, account_id, region) for n, k in queries.put_kwargs.items()}
        ),
        metric_filters={
            f.key: _resolve(put_metric_filter_kwargs(f), account_id, region)
            for f in monitoring.metric_filters
        },
    )


_ALARM_KEYS = (
    "AlarmName",
    "AlarmDescription",
    "AlarmRule",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "ExtendedStatistic",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Metrics",
    "EvaluateLowSampleCountPercentile",
)


def _dims(dims: Any) -> list[dict[str, str]]:
    return sorted(({"Name": d["Name"], "Value": d["Value"]} for d in dims or []), key=str)


def _metric_query(q: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": q["Id"], "ReturnData": q.get("ReturnData", True)}
    for key in ("Expression", "Label", "Period"):
        if q.get(key) is not None:
            out[key] = q[key]
    stat = q.get("MetricStat")
    if stat:
        metric = stat["Metric"]
        out["MetricStat"] = {
            "Metric": {
                "Namespace": metric["Namespace"],
                "MetricName": metric["MetricName"],
                "Dimensions": _dims(metric.get("Dimensions")),
            },
            "Period": stat["Period"],
            "Stat": stat["Stat"],
        }
    return out


def normalize_alarm(alarm: Mapping[str, Any]) -> dict[str, Any]:
    """The fields obskit sets, with AWS's defaults made explicit and empty values dropped."""
    out: dict[str, Any] = {k: alarm[k] for k in _ALARM_KEYS if alarm.get(k) not in (None, [], "")}
    if "Threshold" in out:
        out["Threshold"] = float(out["Threshold"])
    if "Dimensions" in out:
        out["Dimensions"] = _dims(out["Dimensions"])
    if "Metrics" in out:
        out["Metrics"] = [_metric_query(q) for q in out["Metrics"]]
    if "AlarmRule" not in out:
        out.setdefault("TreatMissingData", "missing")
        if "EvaluationPeriods" in out:
            out.setdefault("DatapointsToAlarm", out["EvaluationPeriods"])
    out.setdefault("ActionsEnabled", True)
    return out


def normalize_metric_filter(metric_filter: Mapping[str, Any]) -> dict[str, Any]:
    """The fields obskit sets; AWS's ``unit`` default (None) made explicit, numbers as floats."""
    transformations = []
    for t in metric_filter.get("metricTransformations") or []:
        out: dict[str, Any] = {
            "metricName": t.get("metricName"),
            "metricNamespace": t.get("metricNamespace"),
            "metricValue": t.get("metricValue"),
            "unit": t.get("unit") or "None",
            "dimensions": dict(sorted((t.get("dimensions") or {}).items())),
        }
        if t.get("defaultValue") is not None:
            out["defaultValue"] = float(t["defaultValue"])
        transformations.append(out)
    return {
        "logGroupName": metric_filter.get("logGroupName"),
        "filterName": metric_filter.get("filterName"),
        "filterPattern": metric_filter.get("filterPattern"),
        "metricTransformations": transformations,
    }


def normalize_query(query: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": query.get("name"),
        "queryString": query.get("queryString"),
        "logGroupNames": sorted(query.get("logGroupNames") or []),
    }


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """``Field: old → new`` for every field that differs."""
    return [
        f"{key}: {_short(old.get(key))} → {_short(new.get(key))}"
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def dashboard_changes(old_body: str, new_body: str) -> list[str]:
    try:
        old = json.loads(old_body)
    except ValueError:
        return ["DashboardBody: deployed body is not JSON"]
    new = json.loads(new_body)
    if old == new:
        return []
    old_w, new_w = old.get("widgets", []), new.get("widgets", [])
    details = []
    if len(old_w) != len(new_w):
        details.append(f"widgets: {len(old_w)} → {len(new_w)}")
    for index, (a, b) in enumerate(zip(old_w, new_w, strict=False)):
        if a != b:
            title = b.get("properties", {}).get("title") or b.get("type")
            details.append(f"widget {index} ({title}) differs")
            break
    if old.get("start") != new.get("start") or old.get("periodOverride") != new.get(
        "periodOverride"
    ):
        details.append("dashboard settings differ")
    return details or ["DashboardBody differs"]


def _normalizer(kind: Kind) -> Any:
    if kind == "query definition":
        return normalize_query
    if kind == "metric filter":
        return normalize_metric_filter
    return normalize_alarm


def plan(desired: DesiredState, deployed: DeployedState) -> list[Change]:
    """Every add / change / remove / unchanged / skipped, by kind then name."""
    changes: list[Change] = []
    for kind in KINDS:
        wanted = desired.of(kind)
        have = deployed.of(kind)
        if wanted is None:
            changes.append(Change(kind, "*", "skipped", ("the query library is not available",)))
            continue
        if kind in deployed.unsupported or have is None:
            reason = deployed.unsupported.get(kind, "the endpoint cannot list them")
            changes.extend(Change(kind, n, "skipped", (reason,)) for n in sorted(wanted))
            continue
        for name in sorted(set(wanted) | set(have)):
            if name not in have:
                changes.append(Change(kind, name, "add"))
            elif name not in wanted:
                changes.append(Change(kind, name, "remove"))
            else:
                if kind == "dashboard":
                    details = dashboard_changes(have[name], wanted[name])
                else:
                    norm = _normalizer(kind)
                    details = field_changes(norm(have[name]), norm(wanted[name]))
                changes.append(
                    Change(kind, name, "change" if details else "unchanged", tuple(details))
                )
    return changes
