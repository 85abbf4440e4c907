"""Read and write obskit's monitoring in a CloudWatch account (or any endpoint) with boto3.

``obskit deploy`` / ``obskit diff`` and the sandbox call this. Reads list only what is ours (names
starting with ``<system>-<stage>``, queries under ``<system>/``; metric filters of any log group
whose filter name starts with the prefix, so a filter left on a group the catalog no longer
names is still found). What the endpoint cannot store
(moto has no PutCompositeAlarm and no Logs query definitions) is reported as skipped with the
reason, never silently dropped: an endpoint is judged unable when it answers an operation with a
bare HTTP status instead of an AWS error, or with AWS's "not implemented" codes. A metric filter
whose log group does not exist yet (a function that never ran) is skipped with that reason: the
group appears on the function's first invocation, and the next deploy adds the filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from catalog.models import Catalog
from dashboards.deploy_plan import (
    Change,
    DeployedState,
    DesiredState,
    Kind,
    desired_state,
    plan,
)

_UNSUPPORTED_CODES = {
    "NotImplemented",
    "NotImplementedException",
    "InvalidAction",
    "UnknownOperationException",
    "UnknownOperation",
}


def unsupported_reason(exc: ClientError, operation: str) -> str | None:
    """Why ``exc`` means the endpoint does not implement ``operation`` (None: a real error)."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _UNSUPPORTED_CODES:
        return f"the endpoint does not implement {operation} ({code})"
    if code.isdigit() and status in (404, 500, 501):
        return f"the endpoint does not implement {operation} (HTTP {status})"
    return None


@dataclass
class AwsClients:
    cloudwatch: Any
    logs: Any
    sts: Any

    @classmethod
    def create(
        cls,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
    ) -> AwsClients:
        """Clients from the ordinary credential chain; ``endpoint_url`` None honours
        ``AWS_ENDPOINT_URL`` (boto3 reads it)."""
        session = boto3.Session(profile_name=profile, region_name=region)
        kwargs: dict[str, Any] = {}
        if endpoint_url:
            kwargs["endpoint_url"] = endpoint_url
        return cls(
            cloudwatch=session.client("cloudwatch", **kwargs),
            logs=session.client("logs", **kwargs),
            sts=session.client("sts", **kwargs),
        )

    @property
    def region(self) -> str:
        return str(self.cloudwatch.meta.region_name)

    def account_id(self) -> str:
        return str(self.sts.get_caller_identity()["Account"])


def _ours(name: str, owner_prefix: str) -> bool:
    return name == owner_prefix or name.startswith(owner_prefix + "-")


def read_deployed(clients: AwsClients, desired: DesiredState) -> DeployedState:
    """What is deployed under the desired state's prefixes."""
    cw = clients.cloudwatch
    dashboards: dict[str, str] = {}
    for page in cw.get_paginator("list_dashboards").paginate(
        DashboardNamePrefix=desired.owner_prefix
    ):
        for entry in page.get("DashboardEntries", []):
            name = entry["DashboardName"]
            if _ours(name, desired.owner_prefix):
                dashboards[name] = cw.get_dashboard(DashboardName=name)["DashboardBody"]
    alarms: dict[str, dict[str, Any]] = {}
    composites: dict[str, dict[str, Any]] = {}
    for page in cw.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=desired.owner_prefix, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        for alarm in page.get("MetricAlarms", []):
            if _ours(alarm["AlarmName"], desired.owner_prefix):
                alarms[alarm["AlarmName"]] = alarm
        for alarm in page.get("CompositeAlarms", []):
            if _ours(alarm["AlarmName"], desired.owner_prefix):
                composites[alarm["AlarmName"]] = alarm
    unsupported: dict[Kind, str] = {}
    metric_filters: dict[str, dict[str, Any]] | None = None
    try:
        metric_filters = _read_metric_filters(clients, desired.owner_prefix)
    except ClientError as exc:
        reason = unsupported_reason(exc, "DescribeMetricFilters")
        if reason is None:
            raise
        unsupported["metric filter"] = reason
    queries: dict[str, dict[str, Any]] | None = None
    if desired.queries is not None:
        try:
            queries = _read_queries(clients, desired.query_prefix)
        except ClientError as exc:
            reason = unsupported_reason(exc, "DescribeQueryDefinitions")
            if reason is None:
                raise
            unsupported["query definition"] = reason
    return DeployedState(dashboards, alarms, composites, queries, unsupported, metric_filters)


def _read_metric_filters(clients: AwsClients, owner_prefix: str) -> dict[str, dict[str, Any]]:
    """Ours in every log group (DescribeMetricFilters only honours a name prefix together with
    a log group, so the prefix is applied here)."""
    found: dict[str, dict[str, Any]] = {}
    for page in clients.logs.get_paginator("describe_metric_filters").paginate():
        for entry in page.get("metricFilters", []):
            if _ours(entry["filterName"], owner_prefix):
                found[f"{entry['logGroupName']}:{entry['filterName']}"] = entry
    return found


def _read_queries(clients: AwsClients, name_prefix: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"queryDefinitionNamePrefix": name_prefix, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = clients.logs.describe_query_definitions(**kwargs)
        for q in page.get("queryDefinitions", []):
            found[q["name"]] = q
        token = page.get("nextToken")
        if not token:
            return found


@dataclass
class DeployReport:
    changes: list[Change]
    applied: list[Change] = field(default_factory=list)
    skipped: list[Change] = field(default_factory=list)


def diff(clients: AwsClients, desired: DesiredState) -> list[Change]:
    """What ``deploy`` would do, without changing anything."""
    return plan(desired, read_deployed(clients, desired))


def _put(
    clients: AwsClients, desired: DesiredState, deployed: DeployedState, change: Change
) -> None:
    cw = clients.cloudwatch
    if change.kind == "dashboard":
        cw.put_dashboard(DashboardName=change.name, DashboardBody=desired.dashboards[change.name])
    elif change.kind == "alarm":
        cw.put_metric_alarm(**desired.alarms[change.name])
    elif change.kind == "composite alarm":
        cw.put_composite_alarm(**desired.composites[change.name])
    elif change.kind == "metric filter":
        clients.logs.put_metric_filter(**desired.metric_filters[change.name])
    else:
        assert desired.queries is not None
        kwargs = dict(desired.queries[change.name])
        existing = (deployed.queries or {}).get(change.name)
        if existing and existing.get("queryDefinitionId"):
            kwargs["queryDefinitionId"] = existing["queryDefinitionId"]
        clients.logs.put_query_definition(**kwargs)


def _delete(clients: AwsClients, deployed: DeployedState, change: Change) -> None:
    if change.kind == "dashboard":
        clients.cloudwatch.delete_dashboards(DashboardNames=[change.name])
    elif change.kind in ("alarm", "composite alarm"):
        clients.cloudwatch.delete_alarms(AlarmNames=[change.name])
    elif change.kind == "metric filter":
        entry = (deployed.metric_filters or {})[change.name]
        clients.logs.delete_metric_filter(
            logGroupName=entry["logGroupName"], filterName=entry["filterName"]
        )
    else:
        existing = (deployed.queries or {}).get(change.name, {})
        clients.logs.delete_query_definition(queryDefinitionId=existing["queryDefinitionId"])


_OPERATIONS: dict[Kind, str] = {
    "dashboard": "PutDashboard",
    "alarm": "PutMetricAlarm",
    "composite alarm": "PutCompositeAlarm",
    "metric filter": "PutMetricFilter",
    "query definition": "PutQueryDefinition",
}


def _missing_log_group(exc: ClientError, change: Change) -> str | None:
    """Why a metric filter cannot be put yet: its log group does not exist (None: another error)."""
    code = exc.response.get("Error", {}).get("Code")
    if change.kind != "metric filter" or code != "ResourceNotFoundException":
        return None
    group = change.name.split(":", 1)[0]
    return (
        f"log group {group} does not exist yet (created by the function's first invocation or "
        "its stack); deploy again once it does"
    )


def deploy(
    clients: AwsClients,
    desired: DesiredState,
    *,
    prune: bool = False,
    progress: Callable[[Change], None] | None = None,
) -> DeployReport:
    """Apply every add and change (and, with ``prune``, every remove).

    Composite alarms go last so the alarms their rules name exist first; metric filters go first,
    before the alarms that read their metrics. A kind the endpoint turns out not to implement is
    skipped, with the reason, for all its remaining items.
    """
    deployed = read_deployed(clients, desired)
    changes = plan(desired, deployed)
    report = DeployReport(changes)
    unsupported: dict[Kind, str] = dict(deployed.unsupported)
    order: dict[str, int] = {
        "metric filter": 0,
        "alarm": 1,
        "dashboard": 2,
        "query definition": 3,
        "composite alarm": 4,
    }
    for change in sorted(changes, key=lambda c: (order[c.kind], c.name)):
        if change.action in ("unchanged",) or (change.action == "remove" and not prune):
            continue
        if change.action == "skipped" or change.kind in unsupported:
            why = unsupported.get(change.kind) or "; ".join(change.details)
            report.skipped.append(Change(change.kind, change.name, "skipped", (why,)))
            continue
        try:
            if change.action == "remove":
                _delete(clients, deployed, change)
            else:
                _put(clients, desired, deployed, change)
        except ClientError as exc:
            waiting = _missing_log_group(exc, change)
            if waiting is not None:
                report.skipped.append(Change(change.kind, change.name, "skipped", (waiting,)))
                continue
            reason = unsupported_reason(exc, _OPERATIONS[change.kind])
            if reason is None:
                raise
            unsupported[change.kind] = reason
            report.skipped.append(Change(change.kind, change.name, "skipped", (reason,)))
            continue
        report.applied.append(change)
        if progress:
            progress(change)
    return report


def deploy_catalog(
    catalog: Catalog,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    prune: bool = False,
) -> DeployReport:
    """One call for tools (the sandbox): build the catalog's monitoring and deploy it.

    Region defaults to the catalog's; account id and region placeholders are resolved from the
    endpoint (STS), exactly as ``obskit deploy`` does.
    """
    clients = AwsClients.create(
        endpoint_url=endpoint_url, region=region or catalog.region, profile=profile
    )
    desired = desired_state(catalog, clients.account_id(), clients.region)
    return deploy(clients, desired, prune=prune)
