"""The drill's command endpoint: moto_server, plus asynchronous Lambda Invokes delivered to the
function's delivery queue. Real HTTP on loopback, real boto3 clients, a real moto_server."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from runbooks.drills.placeholders import fill, iso_utc
from sandbox.lambda_gateway import LambdaGateway, function_of


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def test_async_invoke_lands_on_the_delivery_queue_and_the_rest_reaches_moto(
    aws_endpoint: str,
) -> None:
    sqs = _client("sqs", aws_endpoint)
    url = sqs.create_queue(QueueName="worker-async-invoke")["QueueUrl"]

    def send(queue_url: str, body: str) -> None:
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    with LambdaGateway(aws_endpoint, {"worker": url}, send) as gateway:
        lam = _client("lambda", gateway.endpoint_url)
        payload = {"event_id": "e-1", "strategy": "nuclear"}
        arn = "arn:aws:lambda:us-east-1:123456789012:function:worker"
        response = lam.invoke(
            FunctionName=arn, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
        assert response["StatusCode"] == 202
        # forwarded unchanged: the queue is visible through the gateway too
        listed = _client("sqs", gateway.endpoint_url).list_queues()["QueueUrls"]
        assert [u.rsplit("/", 1)[1] for u in listed] == ["worker-async-invoke"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in got] == [payload]
    assert gateway.invoked == [("worker", json.dumps(payload))]


def test_functions_without_a_delivery_queue_go_to_moto(aws_endpoint: str) -> None:
    with LambdaGateway(aws_endpoint, {}, lambda url, body: None) as gateway:
        lam = _client("lambda", gateway.endpoint_url)
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.invoke(FunctionName="nobody", InvocationType="Event", Payload=b"{}")
        assert gateway.invoked == []


def test_an_invoke_for_another_region_goes_to_moto(aws_endpoint: str) -> None:
    """The function lives in one region: a runbook that invokes it in another gets
    ResourceNotFoundException, as on AWS, and nothing reaches its delivery queue."""
    delivered: list[str] = []
    with LambdaGateway(
        aws_endpoint, {"worker": "q"}, lambda url, body: delivered.append(body), region="us-east-1"
    ) as gateway:
        west = boto3.client("lambda", endpoint_url=gateway.endpoint_url, region_name="us-west-2")
        with pytest.raises(west.exceptions.ResourceNotFoundException):
            west.invoke(FunctionName="worker", InvocationType="Event", Payload=b"{}")
        east = _client("lambda", gateway.endpoint_url)
        arn = "arn:aws:lambda:eu-west-1:123456789012:function:worker"
        with pytest.raises(east.exceptions.ResourceNotFoundException):
            east.invoke(FunctionName=arn, InvocationType="Event", Payload=b"{}")
        assert east.invoke(FunctionName="worker", InvocationType="Event")["StatusCode"] == 202
    assert delivered == ["{}"]


@pytest.mark.parametrize(
    ("path_name", "name"),
    [
        ("worker", "worker"),
        ("worker:live", "worker"),
        ("arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Aworker", "worker"),
        ("arn:aws:lambda:us-east-1:1:function:worker:3", "worker"),
        ("function:worker", "worker"),
    ],
)
def test_function_names_in_invoke_paths(path_name: str, name: str) -> None:
    assert function_of(path_name) == name


def test_upstream_must_be_an_http_endpoint() -> None:
    with pytest.raises(ValueError, match="http://host:port"):
        LambdaGateway("https://example.org", {}, lambda url, body: None)


def test_placeholders_are_filled_only_when_every_one_is_known() -> None:
    values = {"incident-start": iso_utc(0), "fix-time": iso_utc(90)}
    command = "obskit replay archive --bus b --since <incident-start> --until <fix-time>"
    assert fill(command, values) == (
        "obskit replay archive --bus b --since 1970-01-01T00:00:00Z --until 1970-01-01T00:01:30Z"
    )
    assert fill("aws lambda update-event-source-mapping --uuid <uuid>", values) is None
    assert fill("aws sqs list-queues", values) is None  # nothing to fill: not a placeholder step
