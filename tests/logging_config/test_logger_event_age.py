"""``event_age_ms``: how old the handled event is, bound once per context for the hop-latency
queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import logging_config
from logging_config.event_time import epoch_ms

NOW = 1_766_003_975.120  # 2025-12-17T20:39:35.120Z
DETAIL = {
    "event_id": "sig-1",
    "event_type": "SignalGenerated",
    "correlation_id": "workflow-1",
    "causation_id": "partial-4",
    "timestamp": "2025-12-17T20:39:30.120Z",  # 5 s before NOW
}


@pytest.fixture(autouse=True)
def _fixed_clock() -> Iterator[None]:
    previous = logging_config.set_clock(lambda: NOW)
    yield
    logging_config.set_clock(previous)


def _envelope(detail: dict[str, Any], time: str = "2025-12-17T20:39:33Z") -> dict[str, Any]:
    return {"id": "eb-1", "source": "s", "detail-type": "T", "time": time, "detail": detail}


def test_lines_in_an_event_context_carry_the_age_of_the_detail_timestamp(capture_logs: Any) -> None:
    log = logging_config.get_logger("h")
    with logging_config.event_context(_envelope(DETAIL)):
        log.info("fast", qty=1)
        log.info("general", order={"id": "o-1"})
    log_lines = capture_logs.where(correlation_id="workflow-1")
    assert [line["event_age_ms"] for line in log_lines] == [5000, 5000]
    keys = list(log_lines[0])
    assert keys.index("event_type") < keys.index("event_age_ms") < keys.index("qty")


def test_the_envelope_time_is_used_when_the_detail_has_no_timestamp(capture_logs: Any) -> None:
    detail = {k: v for k, v in DETAIL.items() if k != "timestamp"}
    with logging_config.event_context(_envelope(detail)):
        logging_config.get_logger("h").info("handled")
    with logging_config.event_context(detail):  # no time anywhere: no age
        logging_config.get_logger("h").info("untimed")
    timed, untimed = capture_logs
    assert timed["event_age_ms"] == 2120
    assert "event_age_ms" not in untimed


def test_an_event_from_the_future_is_zero_old_and_a_bad_time_is_ignored(
    capture_logs: Any,
) -> None:
    log = logging_config.get_logger("h")
    with logging_config.event_context({**DETAIL, "timestamp": "2025-12-17T20:40:00.000Z"}):
        log.info("skewed")
    with logging_config.event_context({**DETAIL, "timestamp": "yesterday-ish"}):
        log.info("garbled")
    with logging_config.event_context({**DETAIL, "timestamp": 1766003970}):
        log.info("number")
    skewed, garbled, number = capture_logs
    assert skewed["event_age_ms"] == 0
    assert "event_age_ms" not in garbled and "event_age_ms" not in number


def test_a_field_named_event_age_ms_wins_over_the_computed_one(capture_logs: Any) -> None:
    log = logging_config.get_logger("h")
    with logging_config.event_context(DETAIL):
        log.info("call", event_age_ms=20_000)
        log.bind(event_age_ms=7).info("bound")
        log.bind(event_age_ms=7).info("both", event_age_ms=9, note={"general": "path"})
    raw = [json.dumps(line) for line in capture_logs]
    assert [line["event_age_ms"] for line in capture_logs] == [20_000, 7, 9]
    assert all(text.count('"event_age_ms"') == 1 for text in raw)


def test_workflow_starts_and_sqs_records_in_a_handler(capture_logs: Any) -> None:
    log = logging_config.get_logger("h")
    with logging_config.start_workflow():
        log.info("started")
    body = json.dumps(_envelope(DETAIL))

    @logging_config.inject_lambda_context(per_record=True)
    def consume(record: Any, context: Any) -> None:
        log.info("consumed")

    consume({"Records": [{"messageId": "m1", "eventSource": "aws:sqs", "body": body}]}, None)
    started, consumed = (
        capture_logs.where(message="started")[0],
        capture_logs.where(message="consumed")[0],
    )
    assert "event_age_ms" not in started
    assert consumed["event_age_ms"] == 5000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-12-17T20:39:30.120Z", 1_766_003_970_120),
        ("2025-12-17T20:39:30Z", 1_766_003_970_000),
        ("2025-12-17 22:39:30.12+02:00", 1_766_003_970_120),
        ("2025-12-17T15:39:30.120123-0500", 1_766_003_970_120),
        ("2024-02-29T00:00:00", 1_709_164_800_000),
        ("2025-13-01T00:00:00Z", None),
        ("2025-12-17T20:39:30.120+2", None),
        ("2025-12-17T2O:39:30Z", None),
        ("", None),
    ],
)
def test_epoch_ms_parses_iso_8601_by_hand(text: str, expected: int | None) -> None:
    assert epoch_ms(text) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_property_epoch_ms_agrees_with_datetime(local: datetime, offset_minutes: int) -> None:
    moment = local.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    text = moment.isoformat(timespec="milliseconds")
    since_epoch = moment - datetime(1970, 1, 1, tzinfo=UTC)
    assert epoch_ms(text) == since_epoch // timedelta(milliseconds=1)
