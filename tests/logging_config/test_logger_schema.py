"""The line schema: key names and order (DESIGN.md / Powertools), IDs on every line, strict mode."""

from __future__ import annotations

import re
from typing import Any

import pytest

import logging_config
from logging_config.record import RENAMED_PREFIX, RESERVED_KEYS

BASE_ORDER = [
    "timestamp",
    "level",
    "message",
    "service",
    "logger",
    "location",
    "correlation_id",
    "causation_id",
    "event_id",
    "event_type",
]
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_keys_come_in_the_documented_order(capture_logs: Any) -> None:
    log = logging_config.get_logger("orders")
    with logging_config.start_workflow("wf-1"):
        log.info("placed", symbol="AAPL", qty=10)
    line = capture_logs[0]
    assert list(line) == [*BASE_ORDER, "symbol", "qty"]
    assert TIMESTAMP.match(line["timestamp"])
    assert line["level"] == "INFO"
    assert line["service"] == "test-service"
    assert line["logger"] == "orders"
    assert line["location"].startswith("test_keys_come_in_the_documented_order:")


def test_lambda_and_exception_keys_follow_the_ids(capture_logs: Any) -> None:
    log = logging_config.get_logger("h")

    class Context:
        function_name = "fn"
        aws_request_id = "req-1"

    @logging_config.inject_lambda_context
    def handler(event: Any, context: Any) -> None:
        try:
            raise KeyError("missing")
        except KeyError:
            log.exception("failed", order="o-1")

    handler({"correlation_id": "wf", "event_id": "e1", "event_type": "T"}, Context())
    line = capture_logs[0]
    assert list(line) == [
        *BASE_ORDER,
        "function_name",
        "function_request_id",
        "cold_start",
        "xray_trace_id",
        "exception",
        "exception_name",
        "stack_trace",
        "order",
    ]
    assert line["function_name"] == "fn"
    assert line["function_request_id"] == "req-1"
    assert line["exception_name"] == "KeyError"
    assert "KeyError: 'missing'" in line["exception"]
    frames = line["stack_trace"]["frames"]
    assert frames[-1]["function"] == "handler"
    assert "raise KeyError" in frames[-1]["statement"]


def test_every_line_has_the_ids_and_outside_a_context_they_are_null_and_counted(
    capture_logs: Any,
) -> None:
    log = logging_config.get_logger("x")
    log.info("one")
    log.warning("two")
    with logging_config.start_workflow("wf-9"):
        log.info("three")
    assert [line["correlation_id"] for line in capture_logs] == [None, None, "wf-9"]
    assert all("causation_id" in line for line in capture_logs)
    assert logging_config.missing_correlation_count() == 2
    assert logging_config.stats()["missing_correlation"] == 2


def test_strict_mode_raises_outside_a_context_and_not_inside(capture_logs: Any) -> None:
    logging_config.configure("svc", strict=True, env={})
    log = logging_config.get_logger("x")
    with pytest.raises(logging_config.MissingCorrelationError, match="outside any correlation"):
        log.info("uncorrelated")
    with logging_config.start_workflow():
        log.info("correlated")
    assert [line["message"] for line in capture_logs] == ["correlated"]


def test_strict_mode_ignores_lines_below_the_level(capture_logs: Any) -> None:
    logging_config.configure("svc", level="WARNING", strict=True, env={})
    logging_config.get_logger("x").info("filtered out, so not an error")
    assert capture_logs == []


@pytest.mark.parametrize("name", sorted(RESERVED_KEYS | {"name"}))
def test_a_field_named_like_a_reserved_key_never_replaces_the_real_one(
    capture_logs: Any, name: str
) -> None:
    log = logging_config.get_logger("real-logger")
    with logging_config.start_workflow("wf-real"):
        log.info("real message", **{name: "spoofed"})
    line = capture_logs[0]
    assert line["message"] == "real message"
    assert line["level"] == "INFO"
    assert line["logger"] == "real-logger"
    assert line["correlation_id"] == "wf-real"
    if name in RESERVED_KEYS:
        assert line[RENAMED_PREFIX + name] == "spoofed"
        assert line.get(name) != "spoofed"
    else:
        assert line[name] == "spoofed"


def test_renamed_fields_never_overwrite_each_other(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger().info("m", level="a", field_level="b")
    line = capture_logs[0]
    assert {line["field_level"], line["field_field_level"]} == {"a", "b"}


def test_bound_fields_come_before_call_fields_and_a_call_field_wins(capture_logs: Any) -> None:
    log = logging_config.get_logger("x").bind(account="paper", mode="live")
    with logging_config.start_workflow():
        log.info("m", mode="dry", qty=1)
    line = capture_logs[0]
    assert list(line)[len(BASE_ORDER) :] == ["account", "mode", "qty"]
    assert line["mode"] == "dry"
    assert log.bound == {"account": "paper", "mode": "live"}


def test_levels_filter_and_are_named(capture_logs: Any) -> None:
    logging_config.configure("svc", level="WARNING", env={})
    log = logging_config.get_logger("x")
    with logging_config.start_workflow():
        log.debug("d")
        log.info("i")
        log.warning("w")
        log.error("e")
        log.critical("c")
        log.log("ERROR", "l")
    assert [(line["level"], line["message"]) for line in capture_logs] == [
        ("WARNING", "w"),
        ("ERROR", "e"),
        ("CRITICAL", "c"),
        ("ERROR", "l"),
    ]


def test_exc_info_field_adds_the_exception_keys(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    error = ValueError("bad qty")
    with logging_config.start_workflow():
        log.error("rejected", exc_info=error)
        log.warning("no exception", exc_info=False)
    assert capture_logs[0]["exception_name"] == "ValueError"
    assert capture_logs[0]["stack_trace"]["value"] == "bad qty"
    assert "exc_info" not in capture_logs[0]
    assert "exception" not in capture_logs[1]
    assert "exc_info" not in capture_logs[1]


def test_get_logger_defaults_to_the_calling_module_name() -> None:
    assert logging_config.get_logger().name == __name__


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="get_logger: name must be a string"):
        logging_config.get_logger(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="inject_lambda_context: expected a handler"):
        logging_config.inject_lambda_context("handler")  # type: ignore[call-overload]


def test_logger_key_is_left_out_when_it_repeats_the_service(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("test-service").info("same as service")
        logging_config.get_logger("other").info("differs")
    assert "logger" not in capture_logs[0]
    assert capture_logs[1]["logger"] == "other"


def test_generated_correlation_is_marked_on_every_line(capture_logs: Any) -> None:
    with logging_config.event_context({"detail-type": "Ping", "source": "s", "detail": {}}):
        logging_config.get_logger("x").info("no ids came in")
    line = capture_logs[0]
    assert line["correlation_generated"] is True
    assert line["correlation_id"].startswith("workflow-")
    assert list(line).index("correlation_generated") == len(BASE_ORDER)
