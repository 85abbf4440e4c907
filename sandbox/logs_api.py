"""What the sandbox's own CloudWatch Logs operations share: their errors and where their state lives.

The state (queries run, saved query definitions) hangs on moto's logs backend of the caller's
account and region, so it follows the backend's life: moto's reset forgets it, and the
snapshot/restore of :mod:`sandbox.moto_snapshot` copies and puts it back with everything else.

Errors are answered in the JSON protocol's shape (HTTP 400, ``__type`` and ``message``), with
the exception names of the CloudWatch Logs API reference
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_STATE_KEY = "_obskit_insights_state"


class LogsApiError(Exception):
    """An error CloudWatch Logs would answer: its exception name, message and extra members."""

    def __init__(self, code: str, message: str, **members: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.members = members

    def body(self) -> dict[str, Any]:
        return {"__type": self.code, "message": self.message, **self.members}


def invalid(message: str) -> LogsApiError:
    return LogsApiError("InvalidParameterException", message)


def not_found(message: str) -> LogsApiError:
    return LogsApiError("ResourceNotFoundException", message)


@dataclass
class InsightsState:
    """The sandbox's Logs Insights state in one account and region."""

    queries: dict[str, Any] = field(default_factory=dict)
    """queryId → :class:`sandbox.insights_runs.QueryRun`, in the order started."""
    definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """queryDefinitionId → the definition as DescribeQueryDefinitions returns it."""


def state_of(backend: Any) -> InsightsState:
    """The state kept on moto's ``LogsBackend`` ``backend`` (made on first use)."""
    found = backend.__dict__.get(_STATE_KEY)
    if found is None:
        found = InsightsState()
        backend.__dict__[_STATE_KEY] = found
    return found


def required(params: dict[str, Any], name: str) -> Any:
    if params.get(name) is None:
        raise invalid(f"1 validation error detected: {name} is required")
    return params[name]


def integer(params: dict[str, Any], name: str, low: int, high: int) -> int | None:
    """Optional integer parameter ``name`` within ``low..high``."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise invalid(f"{name} {value} is outside {low}..{high}")
    return value


def text(params: dict[str, Any], name: str, low: int, high: int, *, needed: bool = True) -> Any:
    """String parameter ``name`` whose length must be within ``low..high``."""
    value = params.get(name)
    if value is None:
        if needed:
            raise invalid(f"1 validation error detected: {name} is required")
        return None
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    if not low <= len(value) <= high:
        raise invalid(
            f"{name} is {len(value):,} characters; it must have length {low:,} to {high:,}"
        )
    return value
