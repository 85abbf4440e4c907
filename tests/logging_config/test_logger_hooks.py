"""The hooks for simulators and tests: one clock for every timestamp, a source for new IDs, and
the cold-start mark."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

import logging_config
from logging_config import metrics

SIMULATED = 1_766_003_995.120  # 2025-12-17T20:39:55.120Z
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(autouse=True)
def _real_sources() -> Iterator[None]:
    yield
    logging_config.set_clock(None)
    logging_config.set_id_source(None)
    logging_config.mark_cold_start(True)
    metrics.clear()


def test_one_clock_stamps_lines_emf_and_child_events(capture_logs: Any) -> None:
    logging_config.set_clock(lambda: SIMULATED)
    log = logging_config.get_logger("sim")
    with logging_config.start_workflow() as ctx:
        log.info("fast path")
        log.info("general path", order={"nested": True})
        metrics.put("TradesExecuted", 1)
        child = ctx.child_event("WorkflowStarted", {})
    (emf,) = metrics.flush()
    stamps = [line["timestamp"] for line in capture_logs]
    assert stamps[:2] == ["2025-12-17T20:39:55.120Z"] * 2
    assert child["timestamp"] == "2025-12-17T20:39:55.120Z"
    assert emf["_aws"]["Timestamp"] == 1_766_003_995_120
    assert emf["timestamp"] == "2025-12-17T20:39:55.120Z"


def test_set_clock_returns_the_previous_clock_and_none_restores_the_real_one(
    capture_logs: Any,
) -> None:
    def first() -> float:
        return SIMULATED

    logging_config.set_clock(first)
    assert logging_config.set_clock(lambda: 0.0) is first
    logging_config.set_clock(None)
    before = time.time()
    metrics.put("TradesExecuted", 1)
    with logging_config.start_workflow():
        (emf,) = metrics.flush()
    assert before * 1000 - 1 <= emf["_aws"]["Timestamp"] <= time.time() * 1000 + 1


def test_set_clock_rejects_what_is_not_a_function() -> None:
    with pytest.raises(TypeError, match="set_clock"):
        logging_config.set_clock(1.5)  # type: ignore[arg-type]


def test_a_seeded_id_source_repeats_valid_uuid4_ids() -> None:
    def seeded() -> Any:
        counter = itertools.count()
        return lambda n: bytes(next(counter) % 256 for _ in range(n))

    runs = []
    for _ in range(2):
        logging_config.set_id_source(seeded())
        with logging_config.start_workflow() as ctx:
            runs.append((ctx.correlation_id, ctx.child_event("WorkflowStarted", {})["event_id"]))
    assert runs[0] == runs[1]
    correlation_id, event_id = runs[0]
    assert correlation_id.startswith("workflow-") and UUID4.match(correlation_id[9:])
    assert UUID4.match(event_id) and event_id != correlation_id[9:]
    logging_config.set_id_source(None)
    with logging_config.start_workflow() as ctx:
        assert ctx.correlation_id != correlation_id


def test_an_id_source_that_returns_the_wrong_length_is_named() -> None:
    logging_config.set_id_source(lambda n: b"short")
    with pytest.raises(ValueError, match="returned 5 bytes"), logging_config.start_workflow():
        pass
    with pytest.raises(TypeError, match="set_id_source"):
        logging_config.set_id_source("urandom")  # type: ignore[arg-type]


def test_mark_cold_start_sets_the_next_invocation_only(capture_logs: Any) -> None:
    log = logging_config.get_logger("h")

    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        log.info("handled")

    logging_config.mark_cold_start(False)
    handler({"correlation_id": "workflow-1"}, None)
    logging_config.mark_cold_start(True)
    handler({"correlation_id": "workflow-1"}, None)
    handler({"correlation_id": "workflow-1"}, None)
    assert [line["cold_start"] for line in capture_logs] == [False, True, False]
