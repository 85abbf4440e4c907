"""``obskit ready --aws``: the deployed account, checked against what the catalog generates.

Alarms (with the metric filters they read) exist as generated (the deploy diff finds nothing
to add or change) and have actions;
dashboards and query definitions exist as generated; the alerts topic has a confirmed
subscription; every catalog log group exists with a retention; every dead-letter queue is
empty. One boto3 client per service, from the ordinary credential chain or ``--endpoint-url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from dashboards.deploy_aws import AwsClients, diff
from dashboards.deploy_plan import Change, desired_state
from runbooks.scenarios.build import dlq_sources
from tools.readiness.evidence import Evidence
from tools.readiness.model import Item, ReadinessInputError, failed, manual, passed
from tools.readiness.target_kind import local_endpoint_reason

C = "deployed"
DEPLOY = "run `obskit deploy` (and the stack that creates the resources) against this account"


@dataclass
class Account:
    """Clients for the account ``--aws`` names, and the deploy diff, computed once."""

    ev: Evidence

    @cached_property
    def session(self) -> Any:
        target = self.ev.inputs.aws
        assert target is not None
        return boto3.session.Session(
            profile_name=target.profile, region_name=target.region or self.ev.catalog.region
        )

    def client(self, name: str) -> Any:
        target = self.ev.inputs.aws
        assert target is not None
        return self.session.client(name, endpoint_url=target.endpoint_url)

    @cached_property
    def monitoring_clients(self) -> AwsClients:
        target = self.ev.inputs.aws
        assert target is not None
        return AwsClients.create(
            endpoint_url=target.endpoint_url,
            region=target.region or self.ev.catalog.region,
            profile=target.profile,
        )

    @cached_property
    def changes(self) -> list[Change]:
        clients = self.monitoring_clients
        monitoring = self.ev.monitoring
        if monitoring is None:
            raise ReadinessInputError("the catalog's monitoring is invalid: nothing to compare")
        desired = desired_state(self.ev.catalog, clients.account_id(), clients.region, monitoring)
        return diff(clients, desired)

    @cached_property
    def deployed_alarms(self) -> dict[str, dict[str, Any]]:
        cw = self.monitoring_clients.cloudwatch
        found: dict[str, dict[str, Any]] = {}
        for page in cw.get_paginator("describe_alarms").paginate(
            AlarmTypes=["MetricAlarm", "CompositeAlarm"]
        ):
            for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                found[alarm["AlarmName"]] = alarm
        return found


def _account(ev: Evidence) -> Account:
    cached = getattr(ev, "_account", None)
    if cached is None:
        cached = Account(ev)
        ev._account = cached  # type: ignore[attr-defined]
    return cached


def _unsupported(change: Change) -> bool:
    return change.action == "skipped" and any("does not implement" in d for d in change.details)


def _off(changes: list[Change], *kinds: str) -> list[str]:
    """What differs from the generated state (missing or changed), per kind."""
    return [
        f"{c.kind} {c.name}: {c.action}" + (f" ({'; '.join(c.details)})" if c.details else "")
        for c in changes
        if c.kind in kinds and c.action in ("add", "change", "skipped") and not _unsupported(c)
    ]


def _compare(ev: Evidence, id_: str, title: str, kinds: tuple[str, ...], what: str) -> Item:
    """PASS when nothing of ``kinds`` differs; MANUAL for what the endpoint cannot show."""
    changes = _account(ev).changes
    off = _off(changes, *kinds)
    if off:
        return failed(C, id_, title, DEPLOY, f"{len(off)} differ from the generated", *off[:10])
    blind = sorted({c.details[0] for c in changes if c.kind in kinds and _unsupported(c)})
    unseen = [c.name for c in changes if c.kind in kinds and _unsupported(c)]
    if blind:
        return manual(
            C,
            id_,
            title,
            f"the endpoint cannot list them: confirm in the console that {len(unseen)} exist "
            f"({', '.join(unseen[:3])}{', ...' if len(unseen) > 3 else ''})",
            what,
            *blind,
        )
    return passed(C, id_, title, what)


def alarms(ev: Evidence) -> Item:
    """The metric alarms, and the metric filters that make the metrics some of them read (a hop
    alarm without its filters watches nothing)."""
    n = 0 if ev.monitoring is None else len(ev.monitoring.alarms)
    f = 0 if ev.monitoring is None else len(ev.monitoring.metric_filters)
    return _compare(
        ev,
        "dep.alarms",
        "Alarms exist as generated",
        ("alarm", "metric filter"),
        f"{n} metric alarms and the {f} metric filters they read compared with the generated ones",
    )


def composite_alarms(ev: Evidence) -> Item:
    n = 0 if ev.monitoring is None else len(ev.monitoring.composite_alarms)
    return _compare(
        ev,
        "dep.composite-alarms",
        "Composite alarms exist as generated",
        ("composite alarm",),
        f"{n} composite alarms compared with the generated ones",
    )


def alarm_actions(ev: Evidence) -> Item:
    title = "Deployed alarms have actions"
    deployed = _account(ev).deployed_alarms
    names = [a for a in ev.alarm_names() if a in deployed]
    silent = [
        a
        for a in names
        if not deployed[a].get("ActionsEnabled", True) or not deployed[a].get("AlarmActions")
    ]
    if not names:
        return failed(C, "dep.alarm-actions", title, DEPLOY, "no generated alarm is deployed")
    if silent:
        return failed(
            C,
            "dep.alarm-actions",
            title,
            "redeploy with `obskit deploy` (someone removed or disabled the actions)",
            f"{len(silent)} alarm(s) without actions",
            *silent[:10],
        )
    return passed(C, "dep.alarm-actions", title, f"{len(names)} deployed alarms all have actions")


def dashboards(ev: Evidence) -> Item:
    m = ev.monitoring
    return _compare(
        ev,
        "dep.dashboards",
        "Dashboards exist as generated",
        ("dashboard",),
        f"{len(m.dashboards) if m else 0} dashboard(s) compared with the generated ones",
    )


def query_definitions(ev: Evidence) -> Item:
    return _compare(
        ev,
        "dep.queries",
        "Query definitions exist as generated",
        ("query definition",),
        f"{len(ev.saved_queries)} query definitions compared with the generated ones",
    )


def _topic_arn(sns: Any, name: str) -> str | None:
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[-1] == name:
                return str(topic["TopicArn"])
    return None


def subscriptions(ev: Evidence) -> Item:
    title = "Alerts topic has confirmed subscriptions"
    name = ev.catalog.notifications.alerts_topic
    local = _not_an_account(ev)
    if local is not None:
        return manual(
            C,
            "dep.subscriptions",
            title,
            f"subscribe the on-call to {name} in the real account and confirm it",
            f"{local}: a local stand-in confirms subscriptions without anyone reading them",
        )
    sns = _account(ev).client("sns")
    arn = _topic_arn(sns, name)
    if arn is None:
        return failed(C, "dep.subscriptions", title, "create the alerts topic", f"no topic {name}")
    subs = []
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn):
        subs.extend(page.get("Subscriptions", []))
    confirmed = [
        s for s in subs if s.get("SubscriptionArn", "").startswith("arn:")
    ]  # PendingConfirmation / Deleted are not ARNs
    if not confirmed:
        return failed(
            C,
            "dep.subscriptions",
            title,
            f"subscribe the on-call to {name} and confirm the subscription",
            f"{name}: {len(subs)} subscription(s), none confirmed",
        )
    who = ", ".join(sorted(f"{s['Protocol']}:{s['Endpoint']}" for s in confirmed))
    return passed(C, "dep.subscriptions", title, f"{name}: confirmed {who}")


def _log_groups(ev: Evidence) -> dict[str, dict[str, Any]]:
    logs = _account(ev).client("logs")
    found: dict[str, dict[str, Any]] = {}
    for group in ev.catalog.log_groups():
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=group):
            for g in page.get("logGroups", []):
                if g["logGroupName"] == group:
                    found[group] = g
    return found


def retention(ev: Evidence) -> Item:
    title = "Log groups exist and have a retention"
    groups = _log_groups(ev)
    problems = [f"{g}: missing" for g in ev.catalog.log_groups() if g not in groups]
    problems += [f"{g}: never expires" for g, d in groups.items() if not d.get("retentionInDays")]
    if problems:
        return failed(
            C,
            "dep.retention",
            title,
            "set a retention (`aws logs put-retention-policy --log-group-name G "
            "--retention-in-days 30`) in the stack",
            *problems[:10],
        )
    days = sorted({d["retentionInDays"] for d in groups.values()})
    return passed(C, "dep.retention", title, f"{len(groups)} log groups, retention {days} days")


def dlqs_empty(ev: Evidence) -> Item:
    title = "Dead-letter queues are empty"
    sqs = _account(ev).client("sqs")
    problems: list[str] = []
    evidence: list[str] = []
    for name in sorted(dlq_sources(ev.catalog)):
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            attrs = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
        except ClientError as exc:
            problems.append(f"{name}: {exc.response.get('Error', {}).get('Code', exc)}")
            continue
        waiting = int(attrs.get("ApproximateNumberOfMessages", 0)) + int(
            attrs.get("ApproximateNumberOfMessagesNotVisible", 0)
        )
        if waiting:
            problems.append(f"{name}: {waiting} message(s)")
        else:
            evidence.append(f"{name}: empty")
    if problems:
        return failed(
            C,
            "dep.dlqs-empty",
            title,
            "inspect and replay: `obskit dlq inspect QUEUE`, `obskit dlq replay QUEUE`",
            *problems,
            *evidence,
        )
    return passed(C, "dep.dlqs-empty", title, *evidence)


def _not_an_account(ev: Evidence) -> str | None:
    """Why the ``--aws`` target is a local stand-in rather than an account (None: it may be one)."""
    target = ev.inputs.aws
    return local_endpoint_reason(target.endpoint_url if target else None)


def log_samples(ev: Evidence, checklist: str, id_: str, title: str) -> Item:
    """Log lines stored in the account's log groups (the observability item, with --aws)."""
    local = _not_an_account(ev)
    if local is not None:
        return manual(
            checklist,
            id_,
            title,
            "collect log samples from a real AWS deployment: run `obskit ready --aws` against "
            "the staging account",
            f"{local}: its log groups hold the lines the sandbox wrote, not a deployment's",
        )
    logs = _account(ev).client("logs")
    with_lines: list[str] = []
    for group in sorted(_log_groups(ev)):
        page = logs.describe_log_streams(logGroupName=group, limit=1)
        if page.get("logStreams"):
            with_lines.append(group)
    if not with_lines:
        return failed(
            checklist,
            id_,
            title,
            "run a workflow in the deployed account, then check again",
            "no log stream in any catalog log group",
        )
    return passed(
        checklist,
        id_,
        title,
        f"{len(with_lines)} of {len(ev.catalog.log_groups())} log groups hold log streams",
    )


CHECKS = (
    alarms,
    composite_alarms,
    alarm_actions,
    dashboards,
    query_definitions,
    subscriptions,
    retention,
    dlqs_empty,
)
AWS_ERRORS = (BotoCoreError, ClientError)
