"""Lambda on-failure destination records in a queue: read as the event they carry, replayed as it.

A destination record wraps the event (``requestPayload``) in Lambda's invocation record; a replay
that sent the record itself would hand the function an event it has never seen.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from dlq_helpers import ACCOUNT, drain, envelope, make_queue, sqs_client  # noqa: E402

from tools.dlq.journal import Journal  # noqa: E402
from tools.dlq.messages import DlqMessage  # noqa: E402
from tools.dlq.replay import Replayer  # noqa: E402
from tools.dlq.targets import Sender, Target, resolve  # noqa: E402

FUNCTION = "alchemiser-dev-strategy-worker"


def _record(event_id: str, condition: str = "RetriesExhausted") -> dict[str, Any]:
    payload = {**envelope(event_id, "WorkflowStarted")["detail"], "strategy": "beam_chain"}
    return {
        "version": "1.0",
        "timestamp": "2026-11-27T00:03:01.000Z",
        "requestContext": {
            "requestId": f"req-{event_id}",
            "functionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{FUNCTION}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": 3,
        },
        "requestPayload": payload,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorMessage": "InjectedFault: crash"},
    }


def _message(body: dict[str, Any], message_id: str = "m-1") -> DlqMessage:
    return DlqMessage({"MessageId": message_id, "ReceiptHandle": "r", "Body": json.dumps(body)})


def test_a_destination_record_reads_as_the_event_it_carries() -> None:
    message = _message(_record("evt-1"))
    assert message.record is not None
    assert message.origin == "lambda"
    assert message.event_id == "evt-1"
    assert message.event_type == "WorkflowStarted"
    assert message.correlation_id == "wf-1"
    assert json.loads(message.payload) == _record("evt-1")["requestPayload"]
    assert message.error == "RetriesExhausted: InjectedFault: crash"
    assert message.record_function == FUNCTION


def test_an_expired_event_record_says_so_without_a_function_error() -> None:
    record = _record("evt-2", condition="EventAgeExceeded")
    record["responsePayload"] = None
    record["responseContext"] = {"statusCode": 429, "executedVersion": "$LATEST"}
    assert _message(record).error == "EventAgeExceeded: status 429"


def test_a_plain_body_is_not_taken_for_a_record() -> None:
    plain = _message({"requestPayload": {"a": 1}})  # no requestContext: an event like any other
    assert plain.record is None
    assert plain.payload == json.dumps({"requestPayload": {"a": 1}})
    assert plain.origin == "unknown"


def test_a_record_is_replayed_to_the_function_it_names_or_to_lambda() -> None:
    message = _message(_record("evt-3"))
    assert resolve(message, "auto", []) == Target("lambda", FUNCTION)
    assert resolve(message, "auto", [], "other-function") == Target("lambda", "other-function")


class _Lambda:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": 202}


def test_replay_invokes_with_the_request_payload_not_the_record(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs = sqs_client(aws_endpoint)
    url = make_queue(sqs, "worker-failures")
    records = [_record(f"evt-{i}") for i in range(3)]
    for record in records:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
    invoked = _Lambda()
    result = Replayer(
        sqs=sqs,
        sender=Sender(sqs, lambda service: invoked),
        journal=Journal(tmp_path / "journal.jsonl"),
        url=url,
    ).run()
    assert len(result.sent) == 3 and not result.failed
    assert {c["FunctionName"] for c in invoked.calls} == {FUNCTION}
    assert all(c["InvocationType"] == "Event" for c in invoked.calls)
    sent = sorted((json.loads(c["Payload"]) for c in invoked.calls), key=lambda p: p["event_id"])
    assert sent == [r["requestPayload"] for r in records]
    assert drain(sqs, url) == []
