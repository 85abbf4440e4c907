"""Reading one event: service, level, message and correlation id from the shapes seen in logs."""

from __future__ import annotations

import pytest

from tools.logreport.lines import ServiceNames, normalise_level, to_line


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("debug", "DEBUG"),
        ("Warn", "WARNING"),
        ("exception", "ERROR"),
        ("fatal", "CRITICAL"),
        (20, "INFO"),
        (45, "ERROR"),
        (None, "NONE"),
        ("custom", "CUSTOM"),
    ],
)
def test_levels(value: object, level: str) -> None:
    assert normalise_level(value) == level


def test_service_message_and_ids() -> None:
    names = ServiceNames({"/aws/lambda/app-dev-orders": "orders"})
    logger = to_line(
        {
            "@message": '{"x":1}',
            "@log": "/aws/lambda/app-dev-orders",
            "level": "INFO",
            "message": "placed",
            "service": "checkout",
            "correlation_id": "wf",
            "function_request_id": "r1",
        },
        names,
    )
    assert (logger.service, logger.level, logger.message) == ("checkout", "INFO", "placed")
    assert (logger.correlation_id, logger.nested, logger.request_id) == ("wf", False, "r1")
    assert logger.size == len(b'{"x":1}')
    structlog = to_line(
        {
            "@message": "{}",
            "@log": "/aws/lambda/app-dev-orders",
            "level": "debug",
            "event": "held",
            "extra": {"correlation_id": "wf2"},
        },
        names,
    )
    assert (structlog.service, structlog.message, structlog.correlation_id) == (
        "orders",
        "held",
        "wf2",
    )
    assert structlog.nested is True
    unknown = to_line({"@message": "plain text", "@log": "/aws/lambda/other-fn"}, names)
    assert (unknown.service, unknown.level, unknown.message) == ("other-fn", "NONE", "plain text")
    python_text = to_line(
        {"@message": "[ERROR]\t2026-01-05T10:00:00.000Z\treq\tboom", "@log": "g"}, names
    )
    assert (python_text.level, python_text.message) == ("ERROR", "boom")
