"""Lambda's documented behaviour, as plain functions and constants the runner and pollers share.

Asynchronous invocation (lambda/latest/dg/invocation-async-error-handling.html): "If the function
returns an error, by default Lambda attempts to run it two more times, with a one-minute wait
between the first two attempts, and two minutes between the second and third attempts. Function
errors include errors returned by the function's code and errors returned by the function's
runtime, such as timeouts." Throttled events go back to the queue and are retried "for up to 6
hours", the interval growing "exponentially from 1 second after the first attempt to a maximum of
5 minutes". An event that fails every attempt, or expires, goes to the function's dead-letter
queue / on-failure destination if it has one, and is discarded otherwise.

Asynchronous invocation settings (lambda/latest/dg/invocation-async-configuring.html):
``MaximumRetryAttempts`` 0-2 (default 2) and ``MaximumEventAgeInSeconds`` 60-21600 (default 6 h);
an event older than its maximum age is discarded instead of run (condition ``EventAgeExceeded``).

Reserved concurrency 0 (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
AsyncEventsDropped: events are dropped when "reserved concurrency may be set to 0"; "if you
configure a dead-letter queue (DLQ) or OnFailure target, events are sent there before being
dropped"): an event for a function whose reservation is 0 is not kept and retried like an event
throttled for lack of free concurrency; Lambda sends it to the DLQ / on-failure destination at
once, or drops it. Only a throttle with concurrency to wait for is retried for up to 6 hours.

Asynchronous invocation metrics (same page): ``AsyncEventsReceived`` per event queued,
``AsyncEventAge`` (ms from queueing to each invocation), ``AsyncEventsDropped`` per event given up
(whether or not it reached a DLQ or destination), ``DeadLetterErrors`` per failed write to the
DLQ, ``DestinationDeliveryFailures`` per failed write to the on-failure destination.

On-failure destination records (https://docs.aws.amazon.com/lambda/latest/dg/
invocation-async-retain-records.html): ``{"version": "1.0", "timestamp", "requestContext":
{"requestId", "functionArn", "condition", "approximateInvokeCount"}, "requestPayload",
"responseContext": {"statusCode", "executedVersion", "functionError"}, "responsePayload"}``;
a classic DLQ gets the event as it was, with message attributes RequestID, ErrorCode, ErrorMessage
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq).

SQS event source (lambda/latest/dg/services-sqs-errorhandling.html): a failed batch (or, with
ReportBatchItemFailures, the records listed in ``batchItemFailures``) becomes visible again when
the queue's visibility timeout runs out; "if the function throws an exception, the entire batch
is considered a complete failure"; after maxReceiveCount receives SQS moves the message to the
queue's dead-letter queue.

Log lines: every invocation writes ``START RequestId: <id> Version: $LATEST``, the function's own
lines, ``END RequestId: <id>`` and ``REPORT RequestId: <id>\\tDuration: 12.34 ms\\tBilled Duration:
13 ms\\tMemory Size: 512 MB\\tMax Memory Used: 80 MB\\t`` with ``Init Duration: 234.56 ms\\t`` added on
a cold start (the format CloudWatch Logs Insights parses into @duration, @billedDuration,
@memorySize, @maxMemoryUsed and @initDuration). Billed duration is the duration rounded up to
the next millisecond (1 ms granularity since December 2020). A timeout writes
``<timestamp> <id> Task timed out after 3.00 seconds``.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from typing import Any, Literal

ASYNC_MAX_RETRIES = 2
ASYNC_RETRY_DELAYS_S = (60.0, 120.0)
ASYNC_MAX_EVENT_AGE_S = 6 * 3600.0
THROTTLE_FIRST_DELAY_S = 1.0
THROTTLE_MAX_DELAY_S = 300.0
VERSION = "$LATEST"
RECORD_VERSION = "1.0"

Condition = Literal["RetriesExhausted", "EventAgeExceeded"]
RETRIES_EXHAUSTED: Condition = "RetriesExhausted"
EVENT_AGE_EXCEEDED: Condition = "EventAgeExceeded"


def async_retry_delay(failed_attempts: int, max_retries: int = ASYNC_MAX_RETRIES) -> float | None:
    """Seconds before the next attempt after ``failed_attempts`` function errors (None: give up).

    ``max_retries`` is the function's MaximumRetryAttempts (0-2): 0 gives up after the first
    error, 1 after the second.
    """
    if failed_attempts < 1:
        raise ValueError(f"failed_attempts: expected >= 1, got {failed_attempts}")
    if not 0 <= max_retries <= ASYNC_MAX_RETRIES:
        raise ValueError(f"max_retries: expected 0-{ASYNC_MAX_RETRIES}, got {max_retries}")
    if failed_attempts > max_retries:
        return None
    return ASYNC_RETRY_DELAYS_S[failed_attempts - 1]


def event_expired(age_s: float, max_event_age_s: float) -> bool:
    """Whether an event that has waited ``age_s`` is past the function's maximum event age."""
    return age_s > max_event_age_s


@dataclass(frozen=True)
class GiveUp:
    """Why Lambda stops trying an asynchronous event, as its DLQ attributes and record say."""

    condition: Condition
    error_code: str
    """The DLQ's ErrorCode attribute: the status of the last attempt (200 for a function error,
    429 for a throttle)."""
    error_message: str
    function_error: str | None = None
    """``Unhandled`` when the function itself failed (responseContext.functionError)."""


def invocation_record(
    *,
    payload: Any,
    request_id: str,
    function_arn: str,
    give_up: GiveUp,
    attempts: int,
    timestamp_iso: str,
) -> dict[str, Any]:
    """The on-failure destination's invocation record for one event Lambda gave up on."""
    response: dict[str, Any] = {
        "statusCode": int(give_up.error_code) if give_up.error_code.isdigit() else 200,
        "executedVersion": VERSION,
    }
    if give_up.function_error is not None:
        response["functionError"] = give_up.function_error
    return {
        "version": RECORD_VERSION,
        "timestamp": timestamp_iso,
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:{VERSION}",
            "condition": give_up.condition,
            "approximateInvokeCount": attempts,
        },
        "requestPayload": payload,
        "responseContext": response,
        "responsePayload": (
            {"errorMessage": give_up.error_message} if give_up.function_error is not None else None
        ),
    }


def throttle_retry_delay(throttles: int) -> float:
    """Seconds before retrying an event throttled ``throttles`` times (1 s doubling, 5 min cap)."""
    if throttles < 1:
        raise ValueError(f"throttles: expected >= 1, got {throttles}")
    return min(THROTTLE_FIRST_DELAY_S * 2 ** (throttles - 1), THROTTLE_MAX_DELAY_S)


def billed_duration_ms(duration_ms: float) -> int:
    return max(1, math.ceil(duration_ms))


def start_line(request_id: str) -> str:
    return f"START RequestId: {request_id} Version: {VERSION}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None = None,
) -> str:
    parts = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_duration_ms(duration_ms)} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_used_mb} MB",
    ]
    if init_duration_ms is not None:
        parts.append(f"Init Duration: {init_duration_ms:.2f} ms")
    return "\t".join(parts) + "\t"


def timeout_line(timestamp_iso: str, request_id: str, timeout_s: int) -> str:
    return f"{timestamp_iso} {request_id} Task timed out after {timeout_s:.2f} seconds"


def log_stream_name(date: str, container_id: str) -> str:
    """``2025/12/17/[$LATEST]<32 hex>``: one stream per execution environment."""
    return f"{date}/[{VERSION}]{container_id}"


@dataclass(frozen=True)
class CostModel:
    """How long work takes and how much memory it uses, drawn from a seeded generator.

    The handlers run in microseconds in process; a Lambda spends tens to hundreds of
    milliseconds. These ranges give the Duration metric and REPORT lines realistic, reproducible
    values; a ``slow`` fault adds its seconds on top.
    """

    work_ms: tuple[float, float] = (15.0, 180.0)
    init_ms: tuple[float, float] = (250.0, 900.0)
    memory_base_mb: tuple[int, int] = (70, 140)


class Randomness:
    """Every random choice the sandbox makes, from one seed."""

    def __init__(self, seed: int, model: CostModel | None = None) -> None:
        self._rng = random.Random(seed)
        self.model = model or CostModel()

    def request_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def random_bytes(self, size: int) -> bytes:
        return self._rng.randbytes(size)

    def container_id(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def work_ms(self) -> float:
        low, high = self.model.work_ms
        return round(self._rng.uniform(low, high), 2)

    def init_ms(self) -> float:
        low, high = self.model.init_ms
        return round(self._rng.uniform(low, high), 2)

    def memory_used_mb(self, memory_mb: int) -> int:
        low, high = self.model.memory_base_mb
        return min(memory_mb, self._rng.randint(low, high))
