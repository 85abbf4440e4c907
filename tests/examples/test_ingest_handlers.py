"""The ingest example's handlers, called directly with a recording transport (no sandbox).

Each fault kind does what docs/services.md says it must; the parser and the reindexer report
only the record that failed in ``batchItemFailures``; several handlers in one process log under
their own service names.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

INGEST_DIR = Path(__file__).resolve().parents[2] / "examples" / "ingest"
if str(INGEST_DIR) not in sys.path:
    sys.path.insert(0, str(INGEST_DIR))

from ingest_handlers import (  # noqa: E402 - the example folder goes on sys.path first
    faults,
    indexer,
    intake_api,
    notifier,
    parser,
    reindexer,
    retention_sweeper,
    runtime,
    state,
)
from ingest_handlers.common import DUPLICATE_MESSAGE  # noqa: E402


class Recorder:
    """A transport that keeps what the handlers send."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self.notes: list[tuple[str, str, dict[str, Any]]] = []

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        self.events.append((source, detail_type, detail))

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None:
        self.notes.append((topic, subject, message))

    def of(self, detail_type: str) -> list[dict[str, Any]]:
        return [detail for _s, kind, detail in self.events if kind == detail_type]


class Context:
    function_name = "ingest-dev-test"
    aws_request_id = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sent() -> Iterator[Recorder]:
    recorder = Recorder()
    runtime.set_transport(recorder)
    state.reset_all()
    faults.clear_faults()
    yield recorder
    runtime.set_transport(None)
    faults.clear_faults()
    faults.set_sleeper(None)
    state.reset_all()


def _upload(document_id: str = "doc-1", pages: object = 3) -> dict[str, Any]:
    body = {"document_id": document_id, "title": "t", "owner": "o@example.org", "pages": pages}
    return {"httpMethod": "POST", "path": "/documents", "body": json.dumps(body)}


def _bridge(detail: dict[str, Any]) -> dict[str, Any]:
    return {"id": "e-1", "detail-type": detail["event_type"], "source": "x", "detail": detail}


def _record(body: dict[str, Any], message_id: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "body": json.dumps(body),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:ingest-dev-parse",
        "attributes": {"ApproximateReceiveCount": "1"},
    }


def _received(sent: Recorder, document_id: str = "doc-1") -> dict[str, Any]:
    response = intake_api.handler(_upload(document_id), Context())
    assert response["statusCode"] == 202, response
    return sent.of("DocumentReceived")[-1]


def test_the_api_opens_a_workflow_and_answers_with_its_correlation_id(sent: Recorder) -> None:
    response = intake_api.handler(_upload(), Context())
    (received,) = sent.of("DocumentReceived")
    assert json.loads(response["body"])["correlation_id"] == received["correlation_id"]
    assert received["causation_id"] == received["correlation_id"]  # the workflow's first event


@pytest.mark.parametrize(
    ("body", "problem"),
    [("{", "not JSON"), ('{"pages": 3}', "document_id"), (None, "JSON object")],
)
def test_a_bad_upload_is_a_400_naming_the_problem_and_starts_nothing(
    sent: Recorder, body: str | None, problem: str
) -> None:
    response = intake_api.handler({"body": body}, Context())
    assert response["statusCode"] == 400
    assert problem in json.loads(response["body"])["error"]
    assert sent.events == []


def test_pages_out_of_range_are_refused(sent: Recorder) -> None:
    response = intake_api.handler(_upload(pages=0), Context())
    assert response["statusCode"] == 400
    assert "pages" in json.loads(response["body"])["error"]


def test_parser_fail_is_its_designed_failure_document_rejected(sent: Recorder) -> None:
    received = _received(sent)
    faults.set_fault("parser", "fail")
    result = parser.handler({"Records": [_record(received, "m-1")]}, Context())
    assert result == {"batchItemFailures": []}  # a rejection is an answer, not an error
    (rejected,) = sent.of("DocumentRejected")
    assert rejected["causation_id"] == received["event_id"]
    assert rejected["correlation_id"] == received["correlation_id"]
    assert sent.of("DocumentParsed") == []


def test_parser_crash_reports_the_record_for_sqs_to_retry(sent: Recorder) -> None:
    received = _received(sent)
    faults.set_fault("parser", "crash")
    result = parser.handler({"Records": [_record(received, "m-crash")]}, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-crash"}]}
    assert sent.of("DocumentParsed") == []
    faults.clear_faults()
    parser.handler({"Records": [_record(received, "m-crash")]}, Context())  # the retry
    assert len(sent.of("DocumentParsed")) == 1  # not marked as seen while it failed


def test_a_record_that_raises_does_not_hold_back_the_rest_of_a_standard_batch(
    sent: Recorder,
) -> None:
    first = _received(sent, "doc-a")
    second = _received(sent, "doc-b")
    broken = _record(first, "m-broken")
    broken["body"] = "[1, 2]"  # not an object: the handler raises for this record only
    result = parser.handler({"Records": [broken, _record(second, "m-ok")]}, Context())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-broken"}]}
    assert [d["document_id"] for d in sent.of("DocumentParsed")] == ["doc-b"]


def test_indexer_fail_rejects_a_reindex_its_designed_failure(sent: Recorder) -> None:
    faults.set_fault("indexer", "fail")
    detail = {
        "event_id": "e-3",
        "event_type": "ReindexRequested",
        "correlation_id": "workflow-3",
        "causation_id": "workflow-3",
        "document_id": "doc-3",
    }
    indexer.handler(_bridge(detail), Context())
    (rejected,) = sent.of("ReindexRejected")
    assert rejected["causation_id"] == "e-3" and rejected["reason"]
    assert sent.of("DocumentReindexed") == []


@pytest.mark.parametrize("service", ["indexer", "notifier"])
def test_fail_without_a_designed_failure_raises_like_crash(sent: Recorder, service: str) -> None:
    faults.set_fault(service, "fail")
    detail = {
        "event_id": "e-9",
        "event_type": "DocumentParsed" if service == "indexer" else "DocumentIndexed",
        "correlation_id": "workflow-9",
        "causation_id": "e-8",
        "document_id": "doc-9",
    }
    module = indexer if service == "indexer" else notifier
    with pytest.raises(faults.InjectedFault, match=service):
        module.handler(_bridge(detail), Context())
    assert sent.events == [] and sent.notes == []


def test_crash_raises_before_any_work(sent: Recorder) -> None:
    faults.set_fault("intake-api", "crash")
    with pytest.raises(faults.InjectedFault, match="crash"):
        intake_api.handler(_upload(), Context())
    assert sent.events == []


def test_slow_sleeps_through_the_pluggable_sleeper(sent: Recorder) -> None:
    slept: list[float] = []
    faults.set_sleeper(slept.append)
    faults.set_fault("indexer", "slow:12.5")
    detail = {"event_id": "e-1", "event_type": "DocumentParsed", "correlation_id": "workflow-1"}
    indexer.handler(_bridge(detail), Context())
    assert slept == [12.5]
    assert len(sent.of("DocumentIndexed")) == 1


def test_duplicate_publishes_twice_with_one_event_id_and_the_consumer_skips_the_second(
    sent: Recorder, capture_logs: Any
) -> None:
    faults.set_fault("intake-api", "duplicate")
    intake_api.handler(_upload(), Context())
    first, second = sent.of("DocumentReceived")
    assert first["event_id"] == second["event_id"]
    faults.clear_faults()
    parser.handler({"Records": [_record(first, "m-1"), _record(second, "m-2")]}, Context())
    assert len(sent.of("DocumentParsed")) == 1
    assert DUPLICATE_MESSAGE in [line["message"] for line in capture_logs]


def test_a_bad_fault_spec_names_the_mode_and_an_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault mode 'explode'"):
        faults.set_fault("parser", "explode")
    with pytest.raises(ValueError, match="slow needs seconds"):
        faults.set_fault("parser", "slow:soon")
    with pytest.raises(ValueError, match="unknown service 'portfolio'"):
        faults.set_fault("portfolio", "crash")


def test_the_environment_switch_applies_and_in_process_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INGEST_FAULT_RETENTION_SWEEPER", "crash")
    assert faults.current("retention-sweeper").crash
    faults.set_fault("retention-sweeper", "none")
    assert not faults.current("retention-sweeper").crash
    faults.clear_faults()


def test_reindexer_continues_the_requesters_correlation(sent: Recorder) -> None:
    request = {
        "request_id": "r-1",
        "correlation_id": "workflow-ticket-7",
        "document_id": "doc-7",
        "reason": "schema",
    }
    result = reindexer.handler({"Records": [_record(request, "m-1")]}, Context())
    assert result == {"batchItemFailures": []}
    (requested,) = sent.of("ReindexRequested")
    assert requested["correlation_id"] == requested["causation_id"] == "workflow-ticket-7"
    reindexer.handler({"Records": [_record(request, "m-2")]}, Context())  # redelivered
    assert len(sent.of("ReindexRequested")) == 1  # deduped by request_id, not MessageId


def test_reindexer_reports_a_request_missing_its_document(sent: Recorder) -> None:
    good = {"request_id": "r-2", "document_id": "doc-2"}
    bad = {"request_id": "r-3"}
    result = reindexer.handler(
        {"Records": [_record(bad, "m-bad"), _record(good, "m-good")]}, Context()
    )
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-bad"}]}
    assert [d["document_id"] for d in sent.of("ReindexRequested")] == ["doc-2"]


def test_notifier_counts_each_workflow_once_with_its_duration(
    sent: Recorder, capture_logs: Any
) -> None:
    runtime.set_clock(lambda: 1_800_000_100.0)
    try:
        detail = {
            "event_id": "e-5",
            "event_type": "DocumentReindexed",
            "correlation_id": "workflow-5",
            "document_id": "doc-5",
            "workflow_started_at": "2027-01-15T08:00:00.000Z",  # 1_800_000_000
        }
        notifier.handler(_bridge(detail), Context())
        notifier.handler(_bridge(detail), Context())  # at-least-once: counted once
    finally:
        runtime.set_clock(None)
    metrics = [line for line in capture_logs if "_aws" in line]
    assert len(metrics) == 1
    assert metrics[0]["workflow"] == "reindex"
    assert metrics[0]["WorkflowsCompleted"] == 1
    assert metrics[0]["WorkflowDuration"] == 100.0
    assert len(sent.notes) == 1


def test_the_nightly_job_correlates_its_lines_by_its_scheduled_event(capture_logs: Any) -> None:
    event = {"id": "sched-1", "detail-type": "Scheduled Event", "detail": {"expired": 4}}
    assert retention_sweeper.handler(event, Context())["expired"] == 4
    assert retention_sweeper.handler(event, Context())["status"] == "duplicate"
    finished = [line for line in capture_logs if line["message"] == "Retention sweep finished"]
    assert [line["correlation_id"] for line in finished] == ["sweep-sched-1"]


def test_handlers_sharing_a_process_log_under_their_own_names(
    sent: Recorder, capture_logs: Any
) -> None:
    """No handler module names the process at import; the runner names each call."""
    with runtime.as_service("intake-api"):
        intake_api.handler(_upload(), Context())
    (received,) = sent.of("DocumentReceived")
    with runtime.as_service("parser"):
        parser.handler({"Records": [_record(received, "m-1")]}, Context())
    by_message = {line["message"]: line["service"] for line in capture_logs}
    assert by_message["Document received"] == "intake-api"
    assert by_message["Document parsed"] == "parser"
