"""deploy / diff against a real moto_server over HTTP (the ``aws_endpoint`` fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from catalog import Catalog, load_catalog
from dashboards.build import Monitoring, build_monitoring
from dashboards.deploy_aws import AwsClients, deploy, deploy_catalog, diff, unsupported_reason
from dashboards.deploy_plan import Change, DesiredState, desired_state, normalize_alarm


@pytest.fixture
def clients(aws_endpoint: str) -> AwsClients:
    return AwsClients.create(endpoint_url=aws_endpoint, region="us-east-1")


@pytest.fixture
def desired(clients: AwsClients, alchemiser: Catalog, monitoring: Monitoring) -> DesiredState:
    return desired_state(alchemiser, clients.account_id(), clients.region, monitoring)


def _by_action(changes: list[Change], kind: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for change in changes:
        if change.kind == kind:
            out.setdefault(change.action, set()).add(change.name)
    return out


def test_deploy_stores_every_alarm_and_dashboard_exactly(
    clients: AwsClients, desired: DesiredState
) -> None:
    report = deploy(clients, desired)
    cw = clients.cloudwatch
    stored = {
        a["AlarmName"]: a
        for page in cw.get_paginator("describe_alarms").paginate()
        for a in page["MetricAlarms"]
    }
    assert set(stored) == set(desired.alarms)
    for name, kwargs in desired.alarms.items():
        assert normalize_alarm(stored[name]) == normalize_alarm(kwargs), name
    account = clients.account_id()
    for kwargs in desired.alarms.values():
        assert kwargs["AlarmActions"] == [f"arn:aws:sns:us-east-1:{account}:alchemiser-dev-alerts"]
    for name, body in desired.dashboards.items():
        deployed = cw.get_dashboard(DashboardName=name)["DashboardBody"]
        assert json.loads(deployed) == json.loads(body)
        assert "${AWS::" not in deployed
    applied = {(c.kind, c.name) for c in report.applied}
    assert applied == (
        {("alarm", n) for n in desired.alarms}
        | {("dashboard", n) for n in desired.dashboards}
        | {("metric filter", k) for k in desired.metric_filters}
        | {("query definition", n) for n in desired.queries or {}}
    )  # the sandbox's server keeps query definitions (moto alone has none)
    skipped = {c.kind: c.details[0] for c in report.skipped}
    assert set(skipped) == {"composite alarm"}
    assert "PutCompositeAlarm" in skipped["composite alarm"]


def test_diff_before_and_after_deploy(clients: AwsClients, desired: DesiredState) -> None:
    before = diff(clients, desired)
    assert _by_action(before, "alarm") == {"add": set(desired.alarms)}
    assert _by_action(before, "dashboard") == {"add": set(desired.dashboards)}
    deploy(clients, desired)
    after = diff(clients, desired)
    assert _by_action(after, "alarm") == {"unchanged": set(desired.alarms)}
    assert _by_action(after, "dashboard") == {"unchanged": set(desired.dashboards)}
    # moto cannot store composite alarms: still to add, and deploy keeps reporting it skipped.
    assert _by_action(after, "composite alarm") == {"add": set(desired.composites)}
    assert deploy(clients, desired).applied == []


def test_diff_names_changed_fields_and_removed_alarms_and_prune_fixes_them(
    clients: AwsClients, desired: DesiredState
) -> None:
    deploy(clients, desired)
    cw = clients.cloudwatch
    name = "alchemiser-dev-execution-errors"
    drifted = dict(desired.alarms[name], Threshold=7, EvaluationPeriods=4, DatapointsToAlarm=4)
    cw.put_metric_alarm(**drifted)
    stray = dict(desired.alarms[name], AlarmName="alchemiser-dev-old-alarm")
    cw.put_metric_alarm(**stray)
    foreign = dict(desired.alarms[name], AlarmName="someone-else-errors")
    cw.put_metric_alarm(**foreign)

    changes = diff(clients, desired)
    (changed,) = [c for c in changes if c.action == "change"]
    assert changed.name == name
    assert changed.details == (
        "DatapointsToAlarm: 4 → 3",
        "EvaluationPeriods: 4 → 3",
        "Threshold: 7.0 → 0.0",
    )
    assert [c.name for c in changes if c.action == "remove"] == ["alchemiser-dev-old-alarm"]

    kept = deploy(clients, desired)
    assert ("alarm", name) in {(c.kind, c.name) for c in kept.applied}
    names = {a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]}
    assert "alchemiser-dev-old-alarm" in names  # not deleted without prune
    deploy(clients, desired, prune=True)
    names = {a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]}
    assert "alchemiser-dev-old-alarm" not in names
    assert "someone-else-errors" in names
    assert [c for c in diff(clients, desired) if c.action in ("change", "remove")] == []


def _client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutCompositeAlarm",
    )


def test_only_unimplemented_operations_count_as_unsupported() -> None:
    assert unsupported_reason(_client_error("500", 500), "PutCompositeAlarm") == (
        "the endpoint does not implement PutCompositeAlarm (HTTP 500)"
    )
    assert "NotImplemented" in str(unsupported_reason(_client_error("NotImplemented", 501), "X"))
    assert unsupported_reason(_client_error("InternalFailure", 500), "X") is None
    assert unsupported_reason(_client_error("LimitExceeded", 400), "X") is None


def test_deploy_catalog_in_one_call_uses_the_catalogs_region(aws_endpoint: str) -> None:
    payments = load_catalog(Path(__file__).parent / "data" / "payments-catalog.yaml")
    report = deploy_catalog(payments, endpoint_url=aws_endpoint)
    monitoring = build_monitoring(payments)
    applied = {(c.kind, c.name) for c in report.applied if c.kind != "query definition"}
    assert applied == {("alarm", a.name) for a in monitoring.alarms} | {
        ("dashboard", d.name) for d in monitoring.dashboards
    }
    cw = AwsClients.create(endpoint_url=aws_endpoint, region=payments.region).cloudwatch
    stored = cw.describe_alarms(AlarmNames=["payments-test-ledger-errors"])["MetricAlarms"]
    assert stored[0]["AlarmArn"].startswith(f"arn:aws:cloudwatch:{payments.region}:")
    assert stored[0]["AlarmActions"][0].startswith(f"arn:aws:sns:{payments.region}:")


def test_diff_names_the_first_widget_that_drifted(
    clients: AwsClients, desired: DesiredState
) -> None:
    deploy(clients, desired)
    (name,) = desired.dashboards
    body = json.loads(desired.dashboards[name])
    body["widgets"][2]["properties"]["title"] = "edited in the console"
    clients.cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
    (changed,) = [c for c in diff(clients, desired) if c.kind == "dashboard"]
    original = json.loads(desired.dashboards[name])["widgets"][2]["properties"]["title"]
    assert (changed.action, changed.details) == ("change", (f"widget 2 ({original}) differs",))
    body["widgets"].pop()
    clients.cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps(body))
    (changed,) = [c for c in diff(clients, desired) if c.kind == "dashboard"]
    count = len(json.loads(desired.dashboards[name])["widgets"])
    assert changed.details[0] == f"widgets: {count - 1} → {count}"
