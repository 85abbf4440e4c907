"""A subscription's DLQ in the generated monitoring: the subscription with its RedrivePolicy in
CloudFormation, an alarm on the DLQ's depth and one on failed redrives to it."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from catalog import load_catalog
from dashboards.output_files import render_output
from dashboards.sns_subscriptions import subscription_resources

INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"


def test_a_subscription_with_a_dlq_is_deployed_with_its_redrive_policy() -> None:
    resources = subscription_resources(load_catalog(INGEST))
    assert list(resources) == ["SubscriptionIngestDevDocumentUpdates1"]
    (subscription,) = resources.values()
    assert subscription["Type"] == "AWS::SNS::Subscription"
    properties = subscription["Properties"]
    assert properties["Protocol"] == "https"
    assert properties["Endpoint"] == "https://hooks.example.org/ingest/document-updates"
    policy = json.loads(properties["RedrivePolicy"]["Fn::Sub"])
    assert policy == {
        "deadLetterTargetArn": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:"
        "ingest-dev-document-updates-dlq"
    }
    template = yaml.safe_load(render_output(load_catalog(INGEST)).files["template.yaml"])
    assert template["Resources"]["SubscriptionIngestDevDocumentUpdates1"] == subscription


def test_the_dlq_and_failed_redrives_are_alarmed_only_where_a_subscription_has_a_dlq() -> None:
    alarms = {a.name: a for a in render_output(load_catalog(INGEST)).monitoring.alarms}
    depth = alarms["ingest-dev-document-updates-dlq-not-empty"]
    assert depth.metric_name == "ApproximateNumberOfMessagesVisible"
    assert "subscription of ingest-dev-document-updates" in (depth.description or "")
    redrive = alarms["ingest-dev-document-updates-redrive-to-dlq-failed"]
    assert redrive.metric_name == "NumberOfNotificationsFailedToRedriveToDlq"
    assert "ingest-dev-alerts-redrive-to-dlq-failed" not in alarms  # e-mail, no DLQ


def test_no_dlq_no_subscription_resource(tmp_path: Path) -> None:
    data = yaml.safe_load(INGEST.read_text(encoding="utf-8"))
    for topic in data["topics"]:
        for subscription in topic["subscriptions"]:
            subscription.pop("dlq", None)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert subscription_resources(load_catalog(path)) == {}
