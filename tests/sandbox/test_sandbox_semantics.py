"""Unit tests of the sandbox's pure parts: Lambda's documented rules, EMF extraction, the ledger."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from catalog import load_catalog
from sandbox import Sandbox, SandboxError, emf, lambda_semantics
from sandbox.activity import FULL_SAMPLE_EVERY, Activity
from sandbox.clock import SimClock, default_start, iso
from sandbox.function_runner import Invocation
from sandbox.ledger import QueueLedger, message_key
from sandbox.sqs_poller import EventSourcePoller

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alchemiser" / "catalog.yaml"

# What CloudWatch Logs Insights parses REPORT lines with (its documented discovered fields).
REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>\d+\.\d{2}) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<used>\d+) MB\t(?:Init Duration: (?P<init>\d+\.\d{2}) ms\t)?$"
)


def test_async_retries_wait_one_then_two_minutes_then_give_up() -> None:
    assert lambda_semantics.async_retry_delay(1) == 60.0
    assert lambda_semantics.async_retry_delay(2) == 120.0
    assert lambda_semantics.async_retry_delay(3) is None
    with pytest.raises(ValueError, match="failed_attempts"):
        lambda_semantics.async_retry_delay(0)


@pytest.mark.parametrize(("retries", "attempts"), [(0, 1), (1, 2), (2, 3)])
def test_maximum_retry_attempts_caps_the_attempts(retries: int, attempts: int) -> None:
    delays = [lambda_semantics.async_retry_delay(n, retries) for n in range(1, 4)]
    assert delays[: attempts - 1] == [60.0, 120.0][: attempts - 1]
    assert delays[attempts - 1] is None
    with pytest.raises(ValueError, match="max_retries"):
        lambda_semantics.async_retry_delay(1, 3)


def test_an_event_expires_only_past_its_maximum_age() -> None:
    assert not lambda_semantics.event_expired(60.0, 60)
    assert lambda_semantics.event_expired(60.001, 60)


def test_invocation_record_has_the_documented_shape() -> None:
    why = lambda_semantics.GiveUp("RetriesExhausted", "200", "ValueError: boom", "Unhandled")
    record = lambda_semantics.invocation_record(
        payload={"event_id": "e-1"},
        request_id="r-1",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        give_up=why,
        attempts=3,
        timestamp_iso="2026-11-27T00:00:00.000Z",
    )
    assert record["requestContext"] == {
        "requestId": "r-1",
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"event_id": "e-1"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"] == {"errorMessage": "ValueError: boom"}
    throttled = lambda_semantics.GiveUp("RetriesExhausted", "429", "Rate Exceeded.")
    record = lambda_semantics.invocation_record(
        payload={},
        request_id="-",
        function_arn="arn:f",
        give_up=throttled,
        attempts=1,
        timestamp_iso="t",
    )
    assert record["responseContext"] == {"statusCode": 429, "executedVersion": "$LATEST"}
    assert record["responsePayload"] is None


def test_throttle_backoff_doubles_from_one_second_up_to_five_minutes() -> None:
    delays = [lambda_semantics.throttle_retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(delays) == 300.0
    assert delays == sorted(delays)


@pytest.mark.parametrize("init", [None, 412.345])
def test_report_line_has_aws_format(init: float | None) -> None:
    rid = "3f1c9a2e-1111-4222-8333-444455556666"
    line = lambda_semantics.report_line(
        rid, duration_ms=12.341, memory_mb=512, max_memory_used_mb=88, init_duration_ms=init
    )
    match = REPORT.match(line)
    assert match is not None, line
    assert match["id"] == rid
    assert match["duration"] == "12.34"
    assert match["billed"] == "13"
    assert match["memory"] == "512" and match["used"] == "88"
    assert match["init"] == (None if init is None else "412.35")


def test_start_end_and_timeout_lines() -> None:
    rid = "abc"
    assert lambda_semantics.start_line(rid) == "START RequestId: abc Version: $LATEST"
    assert lambda_semantics.end_line(rid) == "END RequestId: abc"
    line = lambda_semantics.timeout_line("2025-01-01T00:00:03.000Z", rid, 3)
    assert line == "2025-01-01T00:00:03.000Z abc Task timed out after 3.00 seconds"


def test_billed_duration_rounds_up_to_the_millisecond() -> None:
    assert lambda_semantics.billed_duration_ms(0.2) == 1
    assert lambda_semantics.billed_duration_ms(12.0) == 12
    assert lambda_semantics.billed_duration_ms(12.001) == 13


def test_randomness_is_reproducible_from_the_seed() -> None:
    one, two, other = (lambda_semantics.Randomness(s) for s in (7, 7, 8))
    draws = [(r.request_id(), r.work_ms(), r.init_ms(), r.memory_used_mb(128)) for r in (one, two)]
    assert draws[0] == draws[1]
    assert other.request_id() != draws[0][0]
    assert draws[0][3] <= 128


def test_emf_extraction_follows_every_dimension_set_and_array_value() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1_700_000_000_500,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "obskit",
                        "Dimensions": [["service"], ["service", "workflow"]],
                        "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}],
                    }
                ],
            },
            "service": "portfolio",
            "workflow": "trading",
            "Latency": [5, 7],
        }
    )
    found = emf.extract(line)
    assert found.problems == []
    assert len(found.datapoints) == 4
    assert {p.dimensions for p in found.datapoints} == {
        (("service", "portfolio"),),
        (("service", "portfolio"), ("workflow", "trading")),
    }
    assert sorted(p.value for p in found.datapoints) == [5, 5, 7, 7]
    assert all(
        p.timestamp == 1_700_000_000.5 and p.unit == "Milliseconds" for p in found.datapoints
    )


def test_emf_with_a_missing_metric_member_is_not_extracted_and_says_why() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1,
                "CloudWatchMetrics": [
                    {"Namespace": "n", "Dimensions": [["service"]], "Metrics": [{"Name": "Gone"}]}
                ],
            },
            "service": "x",
        }
    )
    found = emf.extract(line)
    assert found.datapoints == []
    assert any("Gone" in p for p in found.problems)
    assert emf.extract('{"message": "plain line"}').datapoints == []
    assert emf.extract("START RequestId: x").datapoints == []


def test_message_key_sees_through_the_eventbridge_envelope() -> None:
    detail = {"event_id": "e1", "correlation_id": "c1"}
    wrapped = json.dumps({"id": "random", "detail-type": "X", "source": "s", "detail": detail})
    assert message_key(wrapped) == message_key(json.dumps(detail))
    assert message_key(json.dumps({"event_id": "e2"})) != message_key(json.dumps(detail))


def test_ledger_ages_moves_and_reconciles() -> None:
    ledger = QueueLedger()
    ledger.sent("q", "a", 100.0)
    ledger.sent("q", "b", 130.0)
    assert ledger.oldest_age("q", 160.0) == 60.0
    assert ledger.removed("q", "a") == 100.0
    assert ledger.oldest_age("q", 160.0) == 30.0
    ledger.moved("q", "dlq", "b", 200.0)  # a redriven message starts a new age in the DLQ
    assert ledger.oldest_age("q", 260.0) is None
    assert ledger.oldest_age("dlq", 260.0) == 60.0
    ledger.reconcile("dlq", 0, 270.0)  # drained by a tool outside the sandbox
    assert ledger.count("dlq") == 0
    ledger.reconcile("dlq", 2, 280.0)  # filled by one
    assert ledger.count("dlq") == 2 and ledger.oldest_age("dlq", 290.0) == 10.0


def test_activity_skips_untouched_queues_but_rereads_all_periodically() -> None:
    activity = Activity(["a", "b"])
    assert activity.needs_poll("a")
    activity.found_empty("a")
    assert not activity.needs_poll("a")
    activity.touched("a")
    assert activity.needs_poll("a")
    assert activity.to_sample(["a", "b"]) == {"a", "b"}  # the first sample reads everything
    assert activity.to_sample(["a", "b"]) == set()
    activity.touched("b")
    assert activity.to_sample(["a", "b"]) == {"b"}
    for _ in range(FULL_SAMPLE_EVERY - 3):
        activity.to_sample(["a", "b"])
    assert activity.to_sample(["a", "b"]) == {"a", "b"}


def _invocation(response: object = None, error: str | None = None) -> Invocation:
    found = Invocation("execution", "rid", "sqs", 0.0, error=error)
    found.response = response
    return found


def test_partial_batch_response_retries_only_listed_records() -> None:
    messages = [{"MessageId": m} for m in ("m1", "m2", "m3")]

    def failed(invocation: Invocation) -> set[str]:
        return EventSourcePoller._failed_ids(invocation, messages, report_item_failures=True)

    listed = {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert failed(_invocation(listed)) == {"m2"}
    assert failed(_invocation({"batchItemFailures": []})) == set()
    assert failed(_invocation(None)) == set()
    # An exception fails the whole batch; so does an identifier that is not in the batch.
    assert failed(_invocation(None, error="Boom: x")) == {"m1", "m2", "m3"}
    unknown = {"batchItemFailures": [{"itemIdentifier": "nope"}]}
    assert failed(_invocation(unknown)) == {"m1", "m2", "m3"}


def test_batch_item_failures_mean_nothing_without_report_batch_item_failures() -> None:
    """AWS: without FunctionResponseTypes ReportBatchItemFailures a returned list is ignored;
    the invocation succeeded, so the whole batch is deleted (the old poller retried m2)."""
    messages = [{"MessageId": m} for m in ("m1", "m2", "m3")]

    def failed(invocation: Invocation) -> set[str]:
        return EventSourcePoller._failed_ids(invocation, messages, report_item_failures=False)

    assert failed(_invocation({"batchItemFailures": [{"itemIdentifier": "m2"}]})) == set()
    assert failed(_invocation({"batchItemFailures": "not a list"})) == set()
    assert failed(_invocation(None, error="Boom: x")) == {"m1", "m2", "m3"}
    throttled = Invocation("execution", "", "sqs", 0.0, throttled=True)
    assert failed(throttled) == {"m1", "m2", "m3"}


def test_clock_moves_forward_only_and_starts_in_the_past() -> None:
    clock = SimClock(1000.0)
    clock.advance(1.5)
    clock.advance_to(1000.0)
    assert clock.now() == 1001.5
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    wall = 1_800_000_123.0
    start = default_start(wall)
    assert wall - 13 * 3600 < start < wall - 11 * 3600
    assert (start + 300) % 3600 == 0
    # Saturday 2026-11-28 15:00 UTC: 12 hours back is Saturday; Monday-Friday runs move the
    # start to Thursday (Friday is followed by an idle Saturday).
    saturday = datetime(2026, 11, 28, 15, tzinfo=UTC).timestamp()
    moved = datetime.fromtimestamp(default_start(saturday, frozenset({1, 2, 3, 4, 5})), tz=UTC)
    assert (moved.isoweekday(), moved.hour, moved.minute) == (4, 2, 55)
    weekday = datetime(2026, 11, 24, 15, tzinfo=UTC).timestamp()  # a Tuesday: no move
    assert default_start(weekday, frozenset({1, 2, 3, 4, 5})) == default_start(weekday)
    assert iso(0.25) == "1970-01-01T00:00:00.250Z"


def test_a_handler_that_cannot_be_imported_is_named_with_its_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))  # the example's `services` package
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "services.portfolio:handler", "services.no_such_module:handler"
    )
    broken = tmp_path / "catalog.yaml"
    broken.write_text(text, encoding="utf-8")
    catalog = load_catalog(broken)
    with pytest.raises(SandboxError, match=r"catalog\.yaml: service 'portfolio'.*no_such_module"):
        # Fails before any call to the endpoint (nothing listens on this one).
        Sandbox(catalog, endpoint_url="http://127.0.0.1:9")
