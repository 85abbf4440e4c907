"""Contract: the native logger, the structlog front and the stdlib bridge write identical lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

import logging_config
from logging_config.stdlib_bridge import install, uninstall
from logging_config.structlog_front import configure_structlog

FIXED_NOW = 1_766_003_938.084


@pytest.fixture
def fronts() -> Iterator[dict[str, Any]]:
    previous_clock = logging_config.set_clock(lambda: FIXED_NOW)
    original_factory = logging.getLogRecordFactory()

    def fixed_time_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original_factory(*args, **kwargs)
        record.created = FIXED_NOW
        return record

    logging.setLogRecordFactory(fixed_time_record)
    configure_structlog()
    target = logging.getLogger("fronts")
    target.propagate = False
    install(target, level=logging.DEBUG)
    yield {
        "native": logging_config.get_logger("fronts"),
        "structlog": structlog.get_logger("fronts"),
        "stdlib": target,
    }
    uninstall(target)
    structlog.reset_defaults()
    logging.setLogRecordFactory(original_factory)
    logging_config.set_clock(previous_clock)


def _without_location(line: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in line.items() if key != "location"}


CASES: dict[str, dict[str, Any]] = {
    "plain": ({"qty": 3, "symbol": "AAPL", "price": 187.25, "ok": True, "none": None}),
    "nested_and_secret": ({"order": {"id": "o-1", "token": "t"}, "password": "p", "tags": ["a"]}),
    "reserved_names": ({"level": "spoof", "timestamp": "spoof", "service": "spoof"}),
    "objects": ({"big": 2**80, "items": {1, 2}}),
    "empty": {},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_three_fronts_write_the_same_line(
    fronts: dict[str, Any], capture_logs: Any, case: str
) -> None:
    fields = CASES[case]
    with logging_config.start_workflow("wf-fronts"):
        fronts["native"].info("same line", **fields)
        fronts["structlog"].info("same line", **fields)
        fronts["stdlib"].info("same line", extra=fields)
    native, via_structlog, via_stdlib = capture_logs
    assert _without_location(via_structlog) == _without_location(native)
    assert _without_location(via_stdlib) == _without_location(native)
    assert list(via_structlog) == list(native) == list(via_stdlib)
    for line in capture_logs:
        assert line["location"].startswith("test_three_fronts_write_the_same_line:")


def test_three_fronts_write_the_same_exception_line(
    fronts: dict[str, Any], capture_logs: Any
) -> None:
    with logging_config.start_workflow("wf-fronts"):
        try:
            raise ValueError("bad order")
        except ValueError:
            fronts["native"].exception("failed", order="o-1")
            fronts["structlog"].exception("failed", order="o-1")
            fronts["stdlib"].exception("failed", extra={"order": "o-1"})
    native, via_structlog, via_stdlib = capture_logs
    assert native["exception_name"] == "ValueError"
    assert _without_location(via_structlog) == _without_location(native)
    assert _without_location(via_stdlib) == _without_location(native)


def test_stdlib_bridge_merges_args_and_respects_levels(
    fronts: dict[str, Any], capture_logs: Any
) -> None:
    bridged = fronts["stdlib"]
    with logging_config.start_workflow("wf-s"):
        bridged.debug("not at INFO")
        bridged.warning("sent %s of %d", "order", 3)
    assert capture_logs.messages() == ["sent order of 3"]
    assert capture_logs[0]["level"] == "WARNING"
    assert capture_logs[0]["correlation_id"] == "wf-s"


def test_real_botocore_lines_come_out_correlated(capture_logs: Any, aws_endpoint: str) -> None:
    import boto3

    botocore_logger = logging.getLogger("botocore")
    previous = (botocore_logger.level, botocore_logger.propagate)
    botocore_logger.propagate = False
    install(botocore_logger, level=logging.DEBUG)
    logging_config.configure("svc", level="DEBUG", env={})
    try:
        with logging_config.start_workflow("wf-boto"):
            sqs = boto3.client("sqs", endpoint_url=aws_endpoint, region_name="us-east-1")
            sqs.create_queue(QueueName="bridge-test")
    finally:
        uninstall(botocore_logger)
        botocore_logger.setLevel(previous[0])
        botocore_logger.propagate = previous[1]
    bridged = [line for line in capture_logs if str(line.get("logger", "")).startswith("botocore")]
    assert len(bridged) > 5
    assert all(line["correlation_id"] == "wf-boto" for line in bridged)
    assert any("CreateQueue" in str(line["message"]) for line in bridged)
    assert all(line["level"] in ("DEBUG", "INFO", "WARNING") for line in bridged)


def test_structlog_front_filters_levels_and_buffers_debug(
    fronts: dict[str, Any], capture_logs: Any
) -> None:
    log = fronts["structlog"]
    with logging_config.start_workflow("wf-b"), logging_config.invocation():
        log.debug("held")
        log.info("written")
        log.error("failure")
    assert capture_logs.messages() == ["written", "held", "failure"]


def test_structlog_contextvars_are_merged(fronts: dict[str, Any], capture_logs: Any) -> None:
    structlog.contextvars.bind_contextvars(strategy="nuclear")
    try:
        with logging_config.start_workflow():
            fronts["structlog"].info("m")
    finally:
        structlog.contextvars.clear_contextvars()
    assert capture_logs[0]["strategy"] == "nuclear"


def test_strict_applies_to_every_front(fronts: dict[str, Any]) -> None:
    logging_config.configure("svc", strict=True, env={})
    for front in ("native", "structlog"):
        with pytest.raises(logging_config.MissingCorrelationError):
            fronts[front].info("uncorrelated")
    with pytest.raises(logging_config.MissingCorrelationError):
        fronts["stdlib"].info("uncorrelated")
