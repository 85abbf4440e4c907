"""DEBUG buffering per invocation: held in order, written before an ERROR or an uncaught
exception, dropped after a clean invocation, bounded in bytes; sampling per invocation."""

from __future__ import annotations

from typing import Any

import pytest

import logging_config
from logging_config.levels import DEBUG


def test_debug_lines_are_dropped_after_a_clean_invocation(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with logging_config.start_workflow(), logging_config.invocation():
        log.debug("d1")
        log.info("i1")
    assert capture_logs.messages() == ["i1"]
    assert logging_config.stats()["debug_discarded"] == 1


def test_debug_lines_are_written_in_order_before_the_first_error(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with logging_config.start_workflow("wf-e"), logging_config.invocation():
        log.debug("d1", n=1)
        log.info("i1")
        log.debug("d2", n=2)
        log.error("e1")
        log.debug("d3")
        log.error("e2")
    assert capture_logs.messages() == ["i1", "d1", "d2", "e1", "d3", "e2"]
    held = capture_logs.where(message="d1")[0]
    assert held["level"] == "DEBUG"
    assert held["correlation_id"] == "wf-e"
    assert held["n"] == 1


def test_buffered_lines_keep_the_ids_of_their_own_event(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with logging_config.invocation():
        with logging_config.event_context({"correlation_id": "wf-a", "event_id": "a"}):
            log.debug("in a")
        with logging_config.event_context({"correlation_id": "wf-b", "event_id": "b"}):
            log.error("in b")
    assert [(line["message"], line["event_id"]) for line in capture_logs] == [
        ("in a", "a"),
        ("in b", "b"),
    ]


def test_uncaught_exception_writes_the_buffer_then_the_error(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with (
        pytest.raises(ZeroDivisionError),
        logging_config.start_workflow("wf-u"),
        logging_config.invocation(),
    ):
        log.debug("before the crash")
        _ = 1 / 0
    assert capture_logs.messages() == ["before the crash", "uncaught ZeroDivisionError"]
    assert capture_logs[1]["exception_name"] == "ZeroDivisionError"
    assert capture_logs[1]["correlation_id"] == "wf-u"


def test_buffer_is_bounded_in_bytes_and_keeps_the_newest(capture_logs: Any) -> None:
    logging_config.configure("svc", debug_buffer_bytes=2_000, env={})
    log = logging_config.get_logger("x")
    with logging_config.start_workflow(), logging_config.invocation() as state:
        for i in range(100):
            log.debug("d", i=i, pad="p" * 50)
        assert state.size <= 2_000
        log.error("e")
    held = [line["i"] for line in capture_logs if line["level"] == "DEBUG"]
    assert 0 < len(held) < 100
    assert held == list(range(100 - len(held), 100))
    assert sum(len(raw) + 1 for raw in capture_logs.raw[:-1]) <= 2_000
    assert logging_config.stats()["debug_dropped"] == 100 - len(held)


def test_buffering_off_with_zero_bytes(capture_logs: Any) -> None:
    logging_config.configure("svc", debug_buffer_bytes=0, env={})
    log = logging_config.get_logger("x")
    with logging_config.start_workflow(), logging_config.invocation():
        log.debug("d")
        log.error("e")
    assert capture_logs.messages() == ["e"]


def test_outside_an_invocation_debug_is_simply_off(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with logging_config.start_workflow():
        log.debug("d")
        log.error("e")
    assert capture_logs.messages() == ["e"]


def test_level_debug_writes_debug_directly(capture_logs: Any) -> None:
    logging_config.configure("svc", level=DEBUG, env={})
    with logging_config.start_workflow():
        logging_config.get_logger("x").debug("d")
    assert capture_logs.messages() == ["d"]


def test_sampled_invocation_writes_debug_lines_directly(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with logging_config.start_workflow():
        with logging_config.invocation(sample_rate=1.0) as state:
            assert state.sampled
            log.debug("sampled in")
        with logging_config.invocation(sample_rate=0.0) as state:
            assert not state.sampled
            log.debug("not sampled")
    assert capture_logs.messages() == ["sampled in"]


def test_a_bad_sample_rate_is_named() -> None:
    with pytest.raises(ValueError, match="sample_rate"), logging_config.invocation(sample_rate=1.5):
        pass


def test_sampling_is_decided_per_invocation() -> None:
    logging_config.configure("svc", debug_sample_rate=0.5, env={})
    decisions = []
    for _ in range(400):
        with logging_config.invocation() as state:
            decisions.append(state.sampled)
    assert 100 < sum(decisions) < 300


def test_concurrent_invocations_keep_their_own_buffers(capture_logs: Any) -> None:
    import threading

    log = logging_config.get_logger("x")
    barrier = threading.Barrier(8)

    def invocation(n: int) -> None:
        with logging_config.start_workflow(f"wf-{n}"), logging_config.invocation():
            barrier.wait()
            for i in range(20):
                log.debug("held", worker=n, i=i)
            if n % 2 == 0:
                log.error("failed", worker=n)

    threads = [threading.Thread(target=invocation, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    debug_lines = [line for line in capture_logs if line["level"] == "DEBUG"]
    assert {line["worker"] for line in debug_lines} == {0, 2, 4, 6}
    assert all(line["correlation_id"] == f"wf-{line['worker']}" for line in debug_lines)
    for worker in (0, 2, 4, 6):
        lines = [line for line in capture_logs if line.get("worker") == worker]
        assert [line.get("i") for line in lines] == [*range(20), None]
    assert logging_config.stats()["debug_discarded"] == 4 * 20
