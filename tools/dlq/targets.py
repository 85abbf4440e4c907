"""Where a replayed message goes, and how it is sent so the consumer sees what it would have.

- ``sqs:<queue>``: SendMessage with the original body and message attributes; for a FIFO queue the
  original MessageGroupId (else the correlation_id) and a MessageDeduplicationId derived from the
  event_id, so SQS itself drops a second copy sent within its 5-minute deduplication interval.
- ``events:<bus>``: PutEvents with the original ``source``, ``detail-type``, ``detail`` and
  ``resources``: every rule of the bus matches it again as it did the first time. The detail (and
  its event_id) is unchanged, so idempotent consumers skip what they already handled.
- ``lambda:<function>``: an asynchronous Invoke with the original payload, as Lambda would have
  retried it (for a function's on-failure DLQ; for an on-failure destination's invocation record,
  its ``requestPayload``, to the function the record names unless ``--lambda`` says otherwise).
- ``sns:<topic>``: Publish to the topic (its name or ARN) of the ``Message`` and ``Subject`` of
  the notification an SNS subscription's DLQ kept (the body is SNS's JSON envelope unless the
  subscription delivers raw messages; then the body itself is published). A subscription DLQ
  has no redrive of its own (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html),
  and a publish reaches every subscriber of the topic again, not only the one that failed.
Each send returns the id AWS gave what was sent (its *marker*): SendMessage's MessageId
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html), which
the message keeps when its queue's redrive policy moves it to the DLQ (it is moved, not copied:
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html),
PutEvents' EventId, which is the ``id`` of the event every target and DLQ receives
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html), or
the asynchronous Invoke's request id, which Lambda's DLQ message carries as ``RequestID`` ("the
ID of the invocation request")
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). A DLQ message
that carries one came back after a replay; see :mod:`tools.dlq.replay`.
``--to bus`` / ``--to target`` (or no ``--to``) choose per message from its attributes: RULE_ARN's
bus, TARGET_ARN, ``--lambda``'s function for messages Lambda wrote, or the DeadLetterQueueSourceArn
of an SQS redrive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from tools.dlq.aws import queue_url
from tools.dlq.messages import DlqMessage, bus_of_rule_arn, queue_name_of_arn


class ReplayError(RuntimeError):
    """A message could not be sent or routed; the message says which and why."""


@dataclass(frozen=True)
class Target:
    kind: str  # sqs | events | lambda | sns
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


AUTO_MODES = ("auto", "bus", "target")


def parse_target(spec: str | None) -> Target | str:
    """``sqs:Q`` / ``events:B`` / ``lambda:F`` / ``sns:T`` → Target; None/auto/bus/target → the
    mode."""
    if spec is None or spec in AUTO_MODES:
        return spec or "auto"
    kind, sep, name = spec.partition(":")
    if not sep or not name or kind not in {"sqs", "events", "lambda", "sns"}:
        raise ValueError(
            f"--to {spec!r}: expected sqs:<queue>, events:<bus>, lambda:<function>, "
            "sns:<topic>, bus or target"
        )
    return Target(kind, name)


def _arn_target(arn: str) -> Target | None:
    parts = arn.split(":")
    if len(parts) < 6:
        return None
    service = parts[2]
    if service == "sqs":
        return Target("sqs", parts[5])
    if service == "lambda":
        return Target("lambda", parts[6] if len(parts) > 6 and parts[5] == "function" else parts[5])
    if service == "events" and parts[5].startswith("event-bus/"):
        return Target("events", parts[5].split("/", 1)[1])
    return None


def resolve(
    message: DlqMessage,
    mode: Target | str,
    sources: list[str],
    lambda_function: str | None = None,
) -> Target:
    """The target for ``message``; ``sources`` are the DLQ's SQS source queue names.

    ``lambda_function``: where messages written by Lambda (an on-failure DLQ: RequestID /
    ErrorCode attributes, which never name the function) are re-invoked, so a DLQ shared by rule
    targets and a function's asynchronous failures is replayed correctly in one run.
    """
    if isinstance(mode, Target):
        return mode
    if mode in ("auto", "bus") and message.rule_arn:
        if message.envelope is None:
            raise ReplayError(
                f"message {message.message_id}: RULE_ARN set but the body is not "
                "an EventBridge event"
            )
        return Target("events", bus_of_rule_arn(message.rule_arn))
    if mode == "target" and message.target_arn:
        found = _arn_target(message.target_arn)
        if found is not None:
            return found
        raise ReplayError(
            f"message {message.message_id}: cannot send to target "
            f"{message.target_arn} (only SQS, Lambda and event buses)"
        )
    if mode == "auto" and message.origin == "lambda" and lambda_function:
        return Target("lambda", lambda_function)
    if mode == "auto" and message.record_function:  # a destination record names its function
        return Target("lambda", message.record_function)
    if message.source_queue_arn:
        return Target("sqs", queue_name_of_arn(message.source_queue_arn))
    if len(sources) == 1:
        return Target("sqs", sources[0])
    raise ReplayError(
        f"message {message.message_id}: cannot tell where it came from (no RULE_ARN, no "
        "DeadLetterQueueSourceArn, the queue is not the DLQ of exactly one queue): pass --to, "
        "or --lambda for messages a function's asynchronous invocations left"
    )


def _dedup_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Sender:
    """Sends messages to targets with the clients it is given (URLs and FIFO-ness cached)."""

    def __init__(self, sqs: Any, clients: Callable[[str], Any] | None = None) -> None:
        """``clients(service)`` makes the EventBridge / Lambda client on first use."""
        self.sqs = sqs
        self._factory = clients
        self._clients: dict[str, Any] = {}
        self._urls: dict[str, str] = {}
        self._topics: dict[str, str] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            if self._factory is None:
                raise ReplayError(f"no {service} client to replay with")
            self._clients[service] = self._factory(service)
        return self._clients[service]

    def _url(self, name: str) -> str:
        if name not in self._urls:
            self._urls[name] = queue_url(self.sqs, name)
        return self._urls[name]

    def send(self, message: DlqMessage, target: Target) -> str | None:
        """Send ``message`` to ``target``; returns its marker (None when AWS gave none).

        An AWS error (a queue that does not exist, a refused send) is a :class:`ReplayError`
        naming the message and the target, so the run reports it and keeps the message."""
        try:
            if target.kind == "sqs":
                return self._send_sqs(message, target.name)
            if target.kind == "events":
                return self._put_event(message, target.name)
            if target.kind == "sns":
                return self._publish(message, target.name)
            return self._invoke(message, target.name)
        except ClientError as error:
            reason = error.response.get("Error", {}).get("Message") or str(error)
            raise ReplayError(f"message {message.message_id} → {target}: {reason}") from None
        except (BotoCoreError, ResponseParserError) as error:
            # a 500 page where the endpoint should answer in XML/JSON is an AWS error too
            raise ReplayError(f"message {message.message_id} → {target}: {error}") from None

    def _send_sqs(self, message: DlqMessage, queue: str) -> str | None:
        kwargs: dict[str, Any] = {"QueueUrl": self._url(queue), "MessageBody": message.payload}
        attributes = message.message_attributes
        if attributes:
            kwargs["MessageAttributes"] = {
                name: {
                    k: v
                    for k, v in value.items()
                    if k in {"DataType", "StringValue", "BinaryValue"}
                }
                for name, value in attributes.items()
            }
        if queue.endswith(".fifo"):
            kwargs["MessageGroupId"] = (
                message.message_group_id or message.correlation_id or "obskit-replay"
            )
            kwargs["MessageDeduplicationId"] = _dedup_id(message.key)
        return _text(self.sqs.send_message(**kwargs).get("MessageId"))

    def _put_event(self, message: DlqMessage, bus: str) -> str | None:
        envelope = message.envelope
        if envelope is None:
            raise ReplayError(
                f"message {message.message_id}: the body is not an EventBridge "
                f"event; cannot put it on bus {bus}"
            )
        entry: dict[str, Any] = {
            "Source": envelope["source"],
            "DetailType": envelope["detail-type"],
            "Detail": orjson.dumps(envelope["detail"]).decode(),
            "EventBusName": bus,
        }
        if envelope.get("resources"):
            entry["Resources"] = list(envelope["resources"])
        response = self._client("events").put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            failed = response["Entries"][0]
            raise ReplayError(
                f"PutEvents to {bus} failed for message {message.message_id}: "
                f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
            )
        entries = response.get("Entries") or [{}]
        return _text(entries[0].get("EventId"))

    def _publish(self, message: DlqMessage, topic: str) -> str | None:
        sns = self._client("sns")
        kwargs: dict[str, Any] = {
            "TopicArn": self._topic_arn(sns, topic),
            "Message": message.payload,
        }
        try:
            envelope = orjson.loads(message.payload)
        except orjson.JSONDecodeError:
            envelope = None
        if isinstance(envelope, dict) and envelope.get("Type") == "Notification":
            kwargs["Message"] = str(envelope.get("Message", ""))
            if envelope.get("Subject"):
                kwargs["Subject"] = str(envelope["Subject"])
        return _text(sns.publish(**kwargs).get("MessageId"))

    def _topic_arn(self, sns: Any, topic: str) -> str:
        """``topic`` if it is an ARN, else the ARN of the account's topic of that name."""
        if topic.startswith("arn:"):
            return topic
        if topic not in self._topics:
            for page in sns.get_paginator("list_topics").paginate():
                for found in page.get("Topics", []):
                    if found["TopicArn"].rsplit(":", 1)[-1] == topic:
                        self._topics[topic] = found["TopicArn"]
            if topic not in self._topics:
                raise ReplayError(f"no SNS topic named {topic!r} in this account and region")
        return self._topics[topic]

    def _invoke(self, message: DlqMessage, function: str) -> str | None:
        response = self._client("lambda").invoke(
            FunctionName=function, InvocationType="Event", Payload=message.payload.encode()
        )
        return _text(response.get("ResponseMetadata", {}).get("RequestId"))


def _text(value: Any) -> str | None:
    return str(value) if value else None
