"""The ingest handlers' claims live in DynamoDB (moto_server): every execution environment sees them.

Two "environments" are the parser module imported twice (separate module objects). A copy of a
document's event that reaches the other environment — later (SQS redrive: a new MessageId), or
while the first copy is still being parsed — is absorbed: one ``DocumentParsed`` in all.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

INGEST_DIR = Path(__file__).resolve().parents[2] / "examples" / "ingest"
if str(INGEST_DIR) not in sys.path:
    sys.path.insert(0, str(INGEST_DIR))

from ingest_handlers import runtime, state  # noqa: E402 - the example folder goes first
from ingest_handlers.common import DUPLICATE_MESSAGE  # noqa: E402


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.midway: Any = None

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        if self.midway is not None:
            run, self.midway = self.midway, None
            run()
        self.events.append((detail_type, detail))

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None:
        pass

    def of(self, detail_type: str) -> list[dict[str, Any]]:
        return [detail for kind, detail in self.events if kind == detail_type]


class Context:
    function_name = "ingest-dev-parser"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@pytest.fixture
def sent(aws_endpoint: str) -> Iterator[Recorder]:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    (spec,) = state.tables()
    assert spec == {"name": "ingest-dev-state", "key": "pk"}
    client.create_table(
        TableName=spec["name"],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    state.set_client(client)
    recorder = Recorder()
    runtime.set_transport(recorder)
    yield recorder
    runtime.set_transport(None)
    state.set_client(None)


def environment() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"ingest_handlers._env_{uuid.uuid4().hex}_parser",
        INGEST_DIR / "ingest_handlers" / "parser.py",
    )
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def _batch(message_id: str) -> dict[str, Any]:
    detail = {
        "event_id": "evt-doc-1",
        "event_type": "DocumentReceived",
        "correlation_id": "wf-1",
        "causation_id": "wf-1",
        "timestamp": "2026-01-05T14:00:00.000Z",
        "document_id": "doc-1",
        "pages": 2,
    }
    body = {"id": "e-1", "detail-type": "DocumentReceived", "source": "x", "detail": detail}
    record = {"messageId": message_id, "body": json.dumps(body), "eventSource": "aws:sqs"}
    return {"Records": [record]}


def test_a_redriven_copy_reaching_another_environment_is_absorbed(
    sent: Recorder, capture_logs: Any
) -> None:
    first, second = environment(), environment()
    assert first.handler(_batch("m-1"), Context()) == {"batchItemFailures": []}
    assert second.handler(_batch("m-2"), Context()) == {"batchItemFailures": []}
    assert len(sent.of("DocumentParsed")) == 1
    assert [line["message"] for line in capture_logs].count(DUPLICATE_MESSAGE) == 1


def test_a_copy_arriving_while_the_first_is_being_parsed_is_absorbed(sent: Recorder) -> None:
    first, second = environment(), environment()
    answers: list[Any] = []
    sent.midway = lambda: answers.append(second.handler(_batch("m-2"), Context()))
    first.handler(_batch("m-1"), Context())
    assert answers == [{"batchItemFailures": []}]
    assert len(sent.of("DocumentParsed")) == 1
