"""``inject_lambda_context``: a handler decorator that correlates everything the handler logs.

For each invocation it binds Powertools' Lambda keys (``function_name``, ``function_request_id``,
``cold_start``, ``xray_trace_id`` from ``_X_AMZN_TRACE_ID`` when X-Ray is on), opens an
:func:`~logging_config.invocation` (DEBUG buffer, sampling), binds the incoming event's IDs, and at
the end flushes EMF metrics (``logging_config.metrics.flush()``) while the IDs are still bound::

    import logging_config

    log = logging_config.get_logger(__name__)

    @logging_config.inject_lambda_context
    def handler(event, context):
        log.info("received")                        # the event's IDs + Lambda keys
        for record in event.get("Records", []):     # SQS/SNS batch: each record's own IDs
            log.info("record")                      #   while the loop body runs

    @logging_config.inject_lambda_context(per_record=True)
    def consume(record, context):                   # called once per SQS record; failures become
        ...                                         # {"batchItemFailures": [...]} (partial batch;
                                                    # FIFO: the first failure and all after it)

A batch's records are correlated while iterating ``event["Records"]`` (a list that binds each
record's context during its loop iteration). An exception escaping the handler is logged at ERROR
with the held DEBUG lines written before it, then re-raised.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from typing import Any, Literal, TypeVar, overload

from logging_config.context import (
    EVENT_IDS,
    LAMBDA_FIELDS,
    EventIds,
    LambdaFields,
    bind_ids,
    reset_ids,
)
from logging_config.debug_buffer import invocation
from logging_config.envelope import batch_records, is_sqs_record
from logging_config.events import event_context, ids_for_event
from logging_config.levels import ERROR, WARNING
from logging_config.logger import caller_location, emit, innermost_frame, log_uncaught

Handler = TypeVar("Handler", bound=Callable[..., Any])

_cold_start = True


def mark_cold_start(cold: bool = True) -> None:
    """For simulators and tests: say whether the next invocation is a cold start.

    On Lambda the first invocation of a process is its cold start and the decorator knows that by
    itself; a simulator running many functions in one process marks each function's first
    invocation (``cold_start`` on its lines) with this.
    """
    global _cold_start
    _cold_start = bool(cold)


def _take_cold_start() -> bool:
    global _cold_start
    cold, _cold_start = _cold_start, False
    return cold


def xray_trace_id() -> str | None:
    """The X-Ray root trace ID of this invocation (``None`` without X-Ray)."""
    header = os.environ.get("_X_AMZN_TRACE_ID")
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.partition("=")
        if key.strip() == "Root" and value:
            return value.strip()
    return None


def lambda_fields(context: Any) -> LambdaFields:
    """The Lambda keys for ``context`` (any object; missing attributes become ``None``)."""
    name = getattr(context, "function_name", None) or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    request_id = getattr(context, "aws_request_id", None)
    return LambdaFields(
        name if isinstance(name, str) else None,
        request_id if isinstance(request_id, str) else None,
        _take_cold_start(),
        xray_trace_id(),
    )


class CorrelatedRecords(list[Any]):
    """A batch's records; iterating binds each record's event context for its loop iteration."""

    interrupted: EventIds | None = None

    def __iter__(self) -> Iterator[Any]:
        for record in super().__iter__():
            ids, _detail = ids_for_event(record)
            token = bind_ids(ids)
            try:
                yield record
            except GeneratorExit:  # the loop was left (an exception, a break) on this record
                self.interrupted = ids
                raise
            finally:
                # A loop left by an exception closes this generator late, after the handler's
                # own context was restored: then there is nothing of ours left to undo.
                if EVENT_IDS.get() is ids:
                    reset_ids(token)


def _flush_metrics() -> None:
    """Flush EMF metrics; a failure (a bad namespace in the environment, a broken sink) is logged
    as an ERROR line, never raised into the handler: the handler's work is done by now, and
    failing the invocation would make Lambda or SQS run it again."""
    try:
        from logging_config import metrics  # type: ignore[attr-defined,unused-ignore]

        metrics.flush()
    except Exception as error:
        with suppress(Exception):  # the line cannot be written either: nothing else to try
            emit(
                ERROR,
                "metrics flush failed",
                None,
                logger_name="logging_config",
                location=caller_location(innermost_frame(error)),
                error=error,
                internal=True,
            )


def _log_with_failing_record(error: BaseException, correlated: CorrelatedRecords | None) -> None:
    """Log an escaping exception with the IDs of the record being handled when it escaped."""
    ids = correlated.interrupted if correlated is not None else None
    if ids is None:
        log_uncaught(error)
        return
    token = bind_ids(ids)
    try:
        log_uncaught(error)
    finally:
        reset_ids(token)


def is_fifo_record(record: Any) -> bool:
    """An SQS record from a FIFO queue (its ``eventSourceARN`` ends with ``.fifo``)."""
    arn = record.get("eventSourceARN") if isinstance(record, dict) else None
    return isinstance(arn, str) and arn.endswith(".fifo")


def _run_per_record(
    handler: Callable[..., Any], records: list[Any], context: Any, args: tuple[Any, ...]
) -> dict[str, Any]:
    """Call ``handler`` once per record, each in its own event context.

    A failing SQS record becomes an entry of ``batchItemFailures`` (SQS retries only those). From
    a FIFO queue, AWS requires stopping at the first failure: that record and every record after
    it are reported, unprocessed, so the retry keeps the group's order. SNS has no partial batch
    response: a failing SNS record is logged and re-raised, so Lambda's own retry keeps the
    message.
    """
    failures: list[dict[str, str]] = []
    stopped = False
    for record in records:
        with event_context(record):
            if stopped:
                _skip_after_fifo_failure(record)
                failures.append({"itemIdentifier": str(record.get("messageId"))})
                continue
            try:
                handler(record, context, *args)
            except Exception as error:
                if not is_sqs_record(record):
                    log_uncaught(error)
                    raise
                emit(
                    ERROR,
                    "record failed",
                    {"message_id": record.get("messageId")},
                    logger_name="logging_config",
                    location=caller_location(innermost_frame(error)),
                    error=error,
                    internal=True,
                )
                failures.append({"itemIdentifier": str(record.get("messageId"))})
                stopped = is_fifo_record(record)
            finally:
                _flush_metrics()
    return {"batchItemFailures": failures}


def _skip_after_fifo_failure(record: Any) -> None:
    """Say, in the record's own context, why it was returned to the queue without being run."""
    emit(
        WARNING,
        "record not processed: an earlier record of this FIFO batch failed",
        {"message_id": record.get("messageId")},
        logger_name="logging_config",
        internal=True,
    )


def _decorate(handler: Handler, per_record: bool) -> Handler:
    @functools.wraps(handler)
    def wrapper(event: Any, context: Any = None, *args: Any) -> Any:
        token = LAMBDA_FIELDS.set(lambda_fields(context))
        try:
            with invocation():
                records = batch_records(event)
                if records is not None and per_record:
                    return _run_per_record(handler, records, context, args)
                correlated: CorrelatedRecords | None = None
                with ExitStack() as stack:
                    if records is None:
                        stack.enter_context(event_context(event))
                    else:
                        if len(records) == 1:
                            stack.enter_context(event_context(records[0]))
                        correlated = CorrelatedRecords(records)
                        event = {**event, "Records": correlated}
                    try:
                        return handler(event, context, *args)
                    except BaseException as error:
                        _log_with_failing_record(error, correlated)
                        raise
                    finally:
                        _flush_metrics()
        finally:
            try:
                LAMBDA_FIELDS.reset(token)
            except ValueError:
                LAMBDA_FIELDS.set(None)

    return wrapper  # type: ignore[return-value]


@overload
def inject_lambda_context(handler: Handler, *, per_record: Literal[False] = False) -> Handler: ...


@overload
def inject_lambda_context(
    handler: None = None, *, per_record: Literal[False] = False
) -> Callable[[Handler], Handler]: ...


@overload
def inject_lambda_context(
    handler: None = None, *, per_record: Literal[True]
) -> Callable[[Callable[..., Any]], Callable[..., dict[str, Any]]]: ...


def inject_lambda_context(handler: Handler | None = None, *, per_record: bool = False) -> Any:
    """Decorate a Lambda handler (bare, or with ``per_record=True`` for SQS/SNS batches)."""
    if handler is None:
        return functools.partial(_decorate, per_record=per_record)
    if not callable(handler):
        raise TypeError(
            f"inject_lambda_context: expected a handler function, got {type(handler).__name__}"
        )
    return _decorate(handler, per_record)
