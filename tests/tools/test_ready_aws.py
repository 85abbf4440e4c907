"""`obskit ready --aws` against moto_server: the example deployed with the dashboards deploy
logic (and the sandbox's resources), checked, then broken one thing at a time."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from catalog import load_catalog
from dashboards.deploy_aws import deploy_catalog
from sandbox import Sandbox
from sandbox.moto_server import MotoServer
from tools.cli import cli
from tools.readiness import FAIL, MANUAL, PASS, AwsTarget, Inputs, Report, deployed, run_readiness

ALERTS = "alchemiser-dev-alerts"
ALARM = "alchemiser-dev-portfolio-errors"
DLQ = "alchemiser-dev-event-dlq"
ON_MOTO = {"dep.composite-alarms"}  # fails on moto whatever we do (see the first test)


@pytest.fixture(autouse=True)
def moto_stands_for_an_account(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """These tests check the account logic on moto, so moto is taken for an account here, except
    in the tests marked ``sandbox_is_local`` (which check that ready tells it apart)."""
    if request.node.get_closest_marker("sandbox_is_local") is None:
        monkeypatch.setattr(deployed, "local_endpoint_reason", lambda endpoint_url: None)


@pytest.fixture(scope="module")
def account(moto_server: MotoServer) -> Iterator[str]:
    """The example deployed on a fresh moto_server, with one workflow's logs in it."""
    endpoint = moto_server.endpoint_url
    with pytest.MonkeyPatch.context() as mp:
        moto_server.reset()
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            mp.setenv(key, value)
        catalog = load_catalog()
        with Sandbox(catalog, endpoint_url=endpoint, deploy=False) as box:
            assert box.run_workflows(1).completed == 1
        report = deploy_catalog(catalog, endpoint_url=endpoint)
        # moto implements no composite alarms: those are skipped
        assert all("does not implement" in c.details[0] for c in report.skipped)
        # what the stack adds beside the monitoring: retention and the on-call's subscription
        logs = _client("logs", endpoint)
        for group in catalog.log_groups():
            logs.put_retention_policy(logGroupName=group, retentionInDays=30)
        sns = _client("sns", endpoint)
        sns.subscribe(TopicArn=_topic(sns), Protocol="email", Endpoint="oncall@example.org")
        yield endpoint


def _client(name: Any, endpoint: str) -> Any:
    return boto3.client(name, endpoint_url=endpoint, region_name="us-east-1")


def _topic(sns: Any) -> str:
    return next(
        t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(ALERTS)
    )


def _check(endpoint: str) -> Report:
    return run_readiness(Inputs(catalog=load_catalog(), aws=AwsTarget(endpoint_url=endpoint)))


def _deployed(report: Report) -> dict[str, str]:
    return {i.id: i.status for i in report.items if i.checklist == "deployed"}


def _broken(endpoint: str, item: str, brk: Callable[[], object], fix: Callable[[], object]) -> Any:
    """Break one thing, check that exactly ``item`` fails, repair, check it passes again."""
    brk()
    try:
        report = _check(endpoint)
        failing = {k for k, v in _deployed(report).items() if v == FAIL} - ON_MOTO
        assert item in failing, _deployed(report)
        return report.item(item), failing
    finally:
        fix()
        assert _deployed(_check(endpoint))[item] != FAIL


def test_the_deployed_example_passes(account: str, tmp_path: Any) -> None:
    result = CliRunner().invoke(
        cli, ["ready", "--endpoint-url", account, "--report", str(tmp_path / "ready")]
    )
    document = json.loads((tmp_path / "ready.json").read_text(encoding="utf-8"))
    statuses = {i["id"]: i["status"] for i in document["items"]}
    deployed = {k: v for k, v in statuses.items() if k.startswith("dep.")}
    assert deployed == {
        "dep.alarms": PASS,
        "dep.composite-alarms": FAIL,  # moto implements no PutCompositeAlarm: it is not there
        "dep.alarm-actions": PASS,
        "dep.dashboards": PASS,
        "dep.queries": PASS,  # kept by the sandbox's server (moto alone has none)
        "dep.subscriptions": PASS,
        "dep.retention": PASS,
        "dep.dlqs-empty": PASS,
    }, result.output
    assert statuses["obs.real-logs"] == PASS
    assert document["inputs"]["aws"]["endpoint_url"] == account
    assert "## Deployed account" in (tmp_path / "ready.md").read_text(encoding="utf-8")


def test_a_deleted_alarm_fails_alarms(account: str) -> None:
    cw = _client("cloudwatch", account)
    item, failing = _broken(
        account,
        "dep.alarms",
        lambda: cw.delete_alarms(AlarmNames=[ALARM]),
        lambda: deploy_catalog(load_catalog(), endpoint_url=account),
    )
    assert any(f"alarm {ALARM}: add" in e for e in item.evidence)
    assert "1 differ" in item.evidence[0]
    assert failing == {"dep.alarms"}


def test_alarm_without_actions_fails_alarm_actions(account: str) -> None:
    cw = _client("cloudwatch", account)

    def strip() -> None:
        alarm = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
        keys = [
            "AlarmName",
            "AlarmDescription",
            "MetricName",
            "Namespace",
            "Statistic",
            "Dimensions",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
        ]
        cw.put_metric_alarm(**{k: alarm[k] for k in keys if k in alarm}, AlarmActions=[])

    item, failing = _broken(
        account,
        "dep.alarm-actions",
        strip,
        lambda: deploy_catalog(load_catalog(), endpoint_url=account),
    )
    assert ALARM in item.evidence
    assert failing == {"dep.alarm-actions", "dep.alarms"}  # it also differs from the generated


def test_a_deleted_dashboard_fails_dashboards(account: str) -> None:
    cw = _client("cloudwatch", account)
    item, failing = _broken(
        account,
        "dep.dashboards",
        lambda: cw.delete_dashboards(DashboardNames=["alchemiser-dev"]),
        lambda: deploy_catalog(load_catalog(), endpoint_url=account),
    )
    assert item.evidence[1:] == ("dashboard alchemiser-dev: add",)
    assert failing == {"dep.dashboards"}


def test_a_deleted_query_definition_fails_queries(account: str) -> None:
    logs = _client("logs", account)
    saved = logs.describe_query_definitions(queryDefinitionNamePrefix="alchemiser/")
    victim = saved["queryDefinitions"][0]
    item, failing = _broken(
        account,
        "dep.queries",
        lambda: logs.delete_query_definition(queryDefinitionId=victim["queryDefinitionId"]),
        lambda: deploy_catalog(load_catalog(), endpoint_url=account),
    )
    assert f"query definition {victim['name']}: add" in item.evidence
    assert failing == {"dep.queries"}


def test_no_confirmed_subscription_fails_subscriptions(account: str) -> None:
    sns = _client("sns", account)
    saved: list[dict[str, Any]] = []

    def unsubscribe() -> None:
        for sub in sns.list_subscriptions_by_topic(TopicArn=_topic(sns))["Subscriptions"]:
            saved.append(sub)
            sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])

    def resubscribe() -> None:
        for sub in saved:
            sns.subscribe(TopicArn=_topic(sns), Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])

    item, failing = _broken(account, "dep.subscriptions", unsubscribe, resubscribe)
    assert "none confirmed" in item.evidence[0]
    assert failing == {"dep.subscriptions"}


def test_a_log_group_without_retention_fails_retention(account: str) -> None:
    logs = _client("logs", account)
    group = "/aws/lambda/alchemiser-dev-portfolio"
    item, failing = _broken(
        account,
        "dep.retention",
        lambda: logs.delete_retention_policy(logGroupName=group),
        lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=30),
    )
    assert item.evidence == (f"{group}: never expires",)
    assert failing == {"dep.retention"}


def test_a_message_in_a_dlq_fails_dlqs_empty(account: str) -> None:
    sqs = _client("sqs", account)
    url = sqs.get_queue_url(QueueName=DLQ)["QueueUrl"]
    item, failing = _broken(
        account,
        "dep.dlqs-empty",
        lambda: sqs.send_message(QueueUrl=url, MessageBody='{"detail": {}}'),
        lambda: sqs.purge_queue(QueueUrl=url),
    )
    assert f"{DLQ}: 1 message(s)" in item.evidence
    assert failing == {"dep.dlqs-empty"}


def test_unreachable_endpoint_is_bad_input() -> None:
    result = CliRunner().invoke(cli, ["ready", "--endpoint-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "cannot check the deployed account" in result.output


@pytest.mark.sandbox_is_local
def test_a_sandbox_endpoint_is_not_taken_for_a_real_account(account: str) -> None:
    """On the sandbox's own resources, the items only a real deployment can prove are MANUAL,
    and the evidence says why: they used to PASS on the sandbox's logs and subscriptions."""
    report = _check(account)
    for item_id in ("obs.real-logs", "dep.subscriptions"):
        item = report.item(item_id)
        assert item.status == MANUAL, item
        assert any("on this machine" in line for line in item.evidence), item.evidence
    assert report.item("dep.alarms").status == PASS  # what the endpoint can show is still checked


@pytest.fixture
def bare_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's own server, without the sandbox's additions (no query definitions)."""
    import subprocess
    import sys

    from sandbox.moto_server import free_port, wait_until_answering

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answering(process, f"http://127.0.0.1:{port}", 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_endpoint_without_query_definitions_asks_a_person(bare_moto: str) -> None:
    item = _check(bare_moto).item("dep.queries")
    assert item.status == MANUAL
    assert "does not implement DescribeQueryDefinitions" in " ".join(item.evidence)
    assert "confirm in the console that 19 exist" in (item.action or "")
