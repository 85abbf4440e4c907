"""obskit's runtime logging library: correlated JSON lines for event-driven services on AWS.

Every line is one JSON object with Powertools' key names and the workflow's ``correlation_id``,
``causation_id``, ``event_id`` and ``event_type``; secrets are redacted, nothing raises into the
caller, no line exceeds CloudWatch's 256 KB event limit::

    import logging_config

    logging_config.configure("execution")            # $OBSKIT_* / $POWERTOOLS_* override
    log = logging_config.get_logger(__name__, service="execution")  # survives other handlers

    @logging_config.inject_lambda_context
    def handler(event, context):
        with logging_config.event_context(event) as ctx:
            log.info("order placed", symbol="AAPL", qty=10)
            return ctx.child_event("TradeExecuted", {"symbol": "AAPL"})

A logger's own ``service`` wins over the process-wide one, so several handlers imported into one
process (a local runner, a test) keep their names. Settings come from :func:`configure` and,
overriding it, the environment: ``OBSKIT_SERVICE`` /
``POWERTOOLS_SERVICE_NAME``, ``OBSKIT_LOG_LEVEL`` / ``POWERTOOLS_LOG_LEVEL``, ``OBSKIT_STRICT``,
``OBSKIT_DEBUG_SAMPLE_RATE``, ``OBSKIT_REDACT_KEYS``, ``OBSKIT_DEBUG_BUFFER_BYTES`` (see
:mod:`logging_config.config`).

Public API: :func:`configure`, :func:`get_logger`, :func:`event_context`, :func:`start_workflow`,
:func:`inject_lambda_context`, :func:`invocation`, :class:`MissingCorrelationError`,
:func:`current_ids`, :func:`stats`, and the ``metrics`` submodule (EMF). For simulators and
tests: :func:`set_clock` (every timestamp the library writes), :func:`set_id_source` (the random
bytes of new IDs) and :func:`mark_cold_start`. Fronts for code already
on structlog (:mod:`logging_config.structlog_front`) or the stdlib ``logging`` module
(:mod:`logging_config.stdlib_bridge`) produce the same lines. The pytest plugin
(:mod:`logging_config.pytest_plugin`) provides the ``capture_logs`` fixture.
"""

from __future__ import annotations

from logging_config import metrics
from logging_config.config import configure, current_service
from logging_config.context import current_ids
from logging_config.debug_buffer import invocation
from logging_config.errors import MissingCorrelationError
from logging_config.events import EventContext, event_context, set_id_source, start_workflow
from logging_config.lambda_context import inject_lambda_context, mark_cold_start
from logging_config.logger import Logger, get_logger
from logging_config.stats import missing_correlation_count, reset_stats, stats
from logging_config.timestamps import set_clock

__all__ = [
    "EventContext",
    "Logger",
    "MissingCorrelationError",
    "configure",
    "current_ids",
    "current_service",
    "event_context",
    "get_logger",
    "inject_lambda_context",
    "invocation",
    "mark_cold_start",
    "metrics",
    "missing_correlation_count",
    "reset_stats",
    "set_clock",
    "set_id_source",
    "start_workflow",
    "stats",
]
