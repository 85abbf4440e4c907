"""inject_lambda_context: Lambda keys, cold start, X-Ray, event and per-record contexts, metrics
flush; an SQS batch received from a real queue (moto_server over HTTP)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

import logging_config
from logging_config import current_ids, metrics


class LambdaContext:
    function_name = "alchemiser-dev-portfolio"
    aws_request_id = "req-123"


@pytest.fixture(autouse=True)
def _cold(monkeypatch: pytest.MonkeyPatch) -> None:
    logging_config.mark_cold_start(True)
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)


def detail(n: int) -> dict[str, Any]:
    return {
        "event_id": f"ev-{n}",
        "event_type": "TradeExecuted",
        "correlation_id": f"workflow-{n}",
        "causation_id": f"cause-{n}",
    }


def test_lambda_keys_cold_start_and_xray(
    capture_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = logging_config.get_logger("h")

    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> str:
        log.info("handled")
        return "ok"

    assert (
        handler({"detail-type": "T", "source": "s", "detail": detail(1)}, LambdaContext()) == "ok"
    )
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    handler(detail(2), LambdaContext())
    first, second = capture_logs
    assert first["function_name"] == "alchemiser-dev-portfolio"
    assert first["function_request_id"] == "req-123"
    assert first["cold_start"] is True and second["cold_start"] is False
    assert first["xray_trace_id"] is None
    assert second["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert (first["event_id"], second["event_id"]) == ("ev-1", "ev-2")
    assert current_ids()["correlation_id"] is None
    assert logging_config.context.current_lambda_fields() is None


def test_works_without_a_lambda_context(capture_logs: Any) -> None:
    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        logging_config.get_logger("h").info("local run")

    handler(detail(3), None)
    assert capture_logs[0]["function_request_id"] is None
    assert capture_logs[0]["correlation_id"] == "workflow-3"


def test_uncaught_exception_is_logged_with_the_held_debug_lines_and_reraised(
    capture_logs: Any,
) -> None:
    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        logging_config.get_logger("h").debug("loaded state")
        raise RuntimeError("broker down")

    with pytest.raises(RuntimeError, match="broker down"):
        handler(detail(4), LambdaContext())
    assert capture_logs.messages() == ["loaded state", "uncaught RuntimeError"]
    assert all(line["correlation_id"] == "workflow-4" for line in capture_logs)
    assert capture_logs[1]["exception_name"] == "RuntimeError"


def test_metrics_are_flushed_at_the_end_with_the_event_ids(capture_logs: Any) -> None:
    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        metrics.put("TradesExecuted", 2)

    handler(detail(5), LambdaContext())
    emf = [line for line in capture_logs if "_aws" in line]
    assert len(emf) == 1
    assert emf[0]["TradesExecuted"] == 2
    assert emf[0]["correlation_id"] == "workflow-5"
    assert metrics.pending() == 0


def _sqs_event_from_a_real_queue(endpoint: str, bodies: list[Any]) -> dict[str, Any]:
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
    url = sqs.create_queue(QueueName="portfolio-events")["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    received: list[Any] = []
    while len(received) < len(bodies):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        received.extend(batch.get("Messages", []))
    records = [
        {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:portfolio-events",
            "awsRegion": "us-east-1",
        }
        for message in received
    ]
    return {"Records": records}


def test_sqs_batch_iteration_binds_each_record(capture_logs: Any, aws_endpoint: str) -> None:
    bodies = [
        {"detail-type": "TradeExecuted", "source": "s", "detail": detail(n)} for n in range(5)
    ]
    event = _sqs_event_from_a_real_queue(aws_endpoint, bodies)

    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        log = logging_config.get_logger("batch")
        for record in event["Records"]:
            body = json.loads(record["body"])
            log.info("record", expected=body["detail"]["correlation_id"])

    handler(event, LambdaContext())
    assert len(capture_logs) == 5
    assert all(line["correlation_id"] == line["expected"] for line in capture_logs)
    assert len({line["event_id"] for line in capture_logs}) == 5


def test_a_batch_loop_left_by_an_exception_leaves_no_ids_behind(capture_logs: Any) -> None:
    records = [
        {"messageId": f"m{n}", "eventSource": "aws:sqs", "body": json.dumps(detail(n))}
        for n in range(3)
    ]

    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        for record in event["Records"]:
            if record["messageId"] == "m1":
                raise RuntimeError("poison message")

    with pytest.raises(RuntimeError):
        handler({"Records": records}, LambdaContext())
    assert current_ids()["correlation_id"] is None
    failure = capture_logs.where(message="uncaught RuntimeError")[0]
    assert failure["correlation_id"] == "workflow-1"


def test_per_record_mode_reports_partial_batch_failures(
    capture_logs: Any, aws_endpoint: str
) -> None:
    bodies = [detail(n) for n in range(4)]
    event = _sqs_event_from_a_real_queue(aws_endpoint, bodies)
    failing = {record["messageId"] for record in event["Records"] if "ev-2" in record["body"]}

    @logging_config.inject_lambda_context(per_record=True)
    def consume(record: Any, context: Any) -> None:
        if "ev-2" in record["body"]:
            raise ValueError("cannot price order")
        logging_config.get_logger("consumer").info("consumed")

    result = consume(event, LambdaContext())
    assert {item["itemIdentifier"] for item in result["batchItemFailures"]} == failing
    consumed = capture_logs.where(message="consumed")
    assert sorted(line["event_id"] for line in consumed) == ["ev-0", "ev-1", "ev-3"]
    failed = capture_logs.where(message="record failed")
    assert len(failed) == 1
    assert failed[0]["event_id"] == "ev-2"
    assert failed[0]["exception_name"] == "ValueError"
    assert failed[0]["message_id"] in failing
    assert failed[0]["location"].startswith("consume:")


def _batch(queue_arn: str, count: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "receiptHandle": f"rh{n}",
                "body": json.dumps(detail(n)),
                "attributes": {"MessageGroupId": "orders"},
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
            }
            for n in range(count)
        ]
    }


FIFO_ARN = "arn:aws:sqs:us-east-1:123456789012:alchemiser-dev-execution.fifo"
STANDARD_ARN = "arn:aws:sqs:us-east-1:123456789012:alchemiser-dev-execution"


@pytest.mark.parametrize(
    ("queue_arn", "reported", "handled"),
    [
        (FIFO_ARN, ["m1", "m2", "m3"], ["ev-0", "ev-1"]),  # stop at the first failure
        (STANDARD_ARN, ["m1"], ["ev-0", "ev-1", "ev-2", "ev-3"]),  # only the failed record
    ],
)
def test_per_record_mode_stops_a_fifo_batch_at_the_first_failure(
    capture_logs: Any, queue_arn: str, reported: list[str], handled: list[str]
) -> None:
    seen: list[str] = []

    @logging_config.inject_lambda_context(per_record=True)
    def consume(record: Any, context: Any) -> None:
        seen.append(json.loads(record["body"])["event_id"])
        if record["messageId"] == "m1":
            raise ValueError("cannot price order")

    result = consume(_batch(queue_arn, 4), LambdaContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": m} for m in reported]}
    assert seen == handled
    skipped = capture_logs.where(level="WARNING")
    assert [(line["message_id"], line["event_id"]) for line in skipped] == [
        (m, f"ev-{m[1:]}") for m in reported[1:]
    ]
    assert all("FIFO" in line["message"] for line in skipped)


def test_per_record_mode_reraises_a_failing_sns_record(capture_logs: Any) -> None:
    sns_event = {
        "Records": [
            {"EventSource": "aws:sns", "Sns": {"MessageId": "s1", "Message": json.dumps(detail(7))}}
        ]
    }

    @logging_config.inject_lambda_context(per_record=True)
    def notify(record: Any, context: Any) -> None:
        raise ConnectionError("smtp down")

    with pytest.raises(ConnectionError):
        notify(sns_event, LambdaContext())
    failures = capture_logs.where(message="uncaught ConnectionError")
    assert len(failures) == 1
    assert failures[0]["correlation_id"] == "workflow-7"
