"""What a runbook's reads find in the sandbox as on AWS: each SQS-triggered function's event
source mapping (which moto keeps idle: the sandbox's poller reads the queue), and each topic's
catalog subscriptions."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.aws import client_for
from sandbox.lambda_mirror import create_functions
from sandbox.moto_event_sources import keep_sqs_mappings_idle
from sandbox.session import Sandbox

pytestmark = pytest.mark.slow


def _mappings(lam: Any, function: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = lam.list_event_source_mappings(FunctionName=function)[
        "EventSourceMappings"
    ]
    return found


def test_each_sqs_function_s_mapping_is_listed_with_the_catalog_s_settings(
    sandbox: Sandbox,
) -> None:
    lam = create_functions(sandbox)
    queue = sandbox.resources.queue("alchemiser-dev-execution.fifo")
    (mapping,) = _mappings(lam, "alchemiser-dev-execution")
    assert mapping["EventSourceArn"] == queue.arn
    assert mapping["State"] == "Enabled"
    assert mapping["BatchSize"] == 1  # the catalog's batch_size
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert _mappings(lam, "alchemiser-dev-metrics") == []  # invoked by a rule: no mapping


def test_moto_never_polls_a_mapped_queue(sandbox: Sandbox) -> None:
    """The sandbox's poller is the one that delivers: a message sent to a mapped queue is
    still there, never received, until someone receives it."""
    create_functions(sandbox)
    sqs = client_for("sqs", sandbox.endpoint_url, sandbox.catalog.region)
    url = sandbox.resources.queue("alchemiser-dev-execution.fifo").url
    sqs.send_message(QueueUrl=url, MessageBody="{}", MessageGroupId="g", MessageDeduplicationId="1")
    got = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    (message,) = got["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"


def test_the_idle_patch_is_installed_once() -> None:
    keep_sqs_mappings_idle()
    assert keep_sqs_mappings_idle() == []


def test_each_topic_lists_its_catalog_subscriptions(sandbox: Sandbox) -> None:
    sns = client_for("sns", sandbox.endpoint_url, sandbox.catalog.region)
    for topic in sandbox.catalog.topics:
        arn = sandbox.resources.topic_arn(topic.name)
        listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        pairs = {(s["Protocol"], s["Endpoint"]) for s in listed}
        assert {(s.protocol, s.endpoint) for s in topic.subscriptions} <= pairs
        assert all(s["SubscriptionArn"].startswith(arn + ":") for s in listed)  # confirmed
