"""The default transport is real boto3: EventBridge, SNS and Lambda calls against moto_server."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from services import faults, runtime

BUS = "alchemiser-trading-events-dev"


def _queue_for_rule(events: Any, sqs: Any, detail_type: str) -> str:
    """A queue receiving every ``detail_type`` event on the bus (what a rule target gets)."""
    url: str = sqs.create_queue(QueueName=f"capture-{detail_type}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name=f"capture-{detail_type}",
        EventBusName=BUS,
        EventPattern=json.dumps({"detail-type": [detail_type]}),
    )
    events.put_targets(
        Rule=f"capture-{detail_type}", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn}]
    )
    return url


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def clients(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)  # what the default transport honours
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    monkeypatch.delenv("NOTIFICATIONS_TOPIC_ARN", raising=False)
    events = boto3.client("events", endpoint_url=aws_endpoint)
    events.create_event_bus(Name=BUS)
    return {
        "events": events,
        "sqs": boto3.client("sqs", endpoint_url=aws_endpoint),
        "sns": boto3.client("sns", endpoint_url=aws_endpoint),
    }


def test_publish_puts_the_detail_on_the_bus(clients: dict[str, Any]) -> None:
    url = _queue_for_rule(clients["events"], clients["sqs"], "SignalGenerated")
    detail = {"event_id": "e-1", "event_type": "SignalGenerated", "correlation_id": "wf-1"}
    runtime.publish("signal-aggregator", detail)
    (event,) = _drain(clients["sqs"], url)
    assert event["detail"] == detail
    assert event["detail-type"] == "SignalGenerated"
    assert event["source"] == "alchemiser.signal-aggregator"


def test_duplicate_switch_publishes_the_same_event_twice(clients: dict[str, Any]) -> None:
    url = _queue_for_rule(clients["events"], clients["sqs"], "TradeExecuted")
    faults.set_fault("execution", "duplicate")
    runtime.publish("execution", {"event_id": "e-2", "event_type": "TradeExecuted"})
    events = _drain(clients["sqs"], url)
    assert [e["detail"]["event_id"] for e in events] == ["e-2", "e-2"]


def test_a_refused_event_raises_naming_the_bus(
    clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENT_BUS_NAME", "no-such-bus")
    with pytest.raises((runtime.PublishError, ClientError), match="no-such-bus"):
        runtime.publish("portfolio", {"event_id": "e-3", "event_type": "RebalancePlanned"})


def test_notify_publishes_to_the_trade_notifications_topic(clients: dict[str, Any]) -> None:
    sns, sqs = clients["sns"], clients["sqs"]
    topic_arn = sns.create_topic(Name=runtime.notifications_topic())["TopicArn"]
    url = sqs.create_queue(QueueName="desk")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    runtime.notify("Rebalance complete: 3 trades", {"correlation_id": "wf-9", "trades": 3})
    (notification,) = _drain(sqs, url)
    assert notification["TopicArn"] == topic_arn
    assert notification["Subject"] == "Rebalance complete: 3 trades"
    assert json.loads(notification["Message"]) == {"correlation_id": "wf-9", "trades": 3}


def test_invoke_async_calls_lambda_by_catalog_function_name(clients: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as raised:
        runtime.invoke_async("strategy-orchestrator", "strategy-worker", {"strategy": "x"})
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "alchemiser-dev-strategy-worker" in str(raised.value)


def test_a_service_names_an_unnamed_process_but_never_overrides_the_environment() -> None:
    from logging_config import config

    previous = config.STATE.service
    try:
        config.STATE.service = None
        runtime.name_process("portfolio")
        assert config.current_service() == "portfolio"
        runtime.name_process("execution")  # already named: kept
        assert config.current_service() == "portfolio"
        with runtime.as_service("metrics"):
            assert config.current_service() == "metrics"
        assert config.current_service() == "portfolio"
    finally:
        config.STATE.service = previous
