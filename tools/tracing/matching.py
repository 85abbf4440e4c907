"""Does a log line belong to the workflow, and which fields of it does the trace read?

Real logs put the correlation ID in three places (all three occur in the Alchemiser capture):
a top-level ``correlation_id``, a nested one (``extra.correlation_id``, structlog's habit), or only
inside text (``[workflow-…] rejected order``, a ``session_id``). A line that names a correlation ID
in a field belongs to that workflow only; a line that names none belongs to it when the ID appears
in its text as a whole token (so ``workflow-1`` never matches ``workflow-12``).

Field spellings follow the contract (Powertools names) and fall back to what real loggers write:
structlog's ``event`` for the message, ``levelname``, the CloudWatch ``@log`` for the service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from insights_queries.timestamps import parse_timestamp
from tools.tracing.model import Line

if TYPE_CHECKING:  # the catalog (pydantic) is loaded only by commands that use it
    from catalog import Catalog

_MESSAGE_KEYS = ("message", "event", "msg")
_LEVEL_KEYS = ("level", "levelname", "log_level", "severity")
_REQUEST_KEYS = ("function_request_id", "@requestId", "aws_request_id", "request_id")
_LAMBDA_PREFIX = "/aws/lambda/"


class Matcher:
    """Decides membership for one correlation ID and builds :class:`Line` values."""

    def __init__(self, correlation_id: str, catalog: Catalog | None = None) -> None:
        self.correlation_id = correlation_id
        self._token = re.compile(r"(?<![\w-])" + re.escape(correlation_id) + r"(?![\w-])")
        self._by_group: dict[str, str] = {}
        self._by_function: dict[str, str] = {}
        self._group_of: dict[str, str] = {}
        if catalog is not None:
            for service in catalog.services:
                if service.log_group:
                    self._by_group[service.log_group] = service.name
                    self._group_of[service.name] = service.log_group
                if service.function_name:
                    self._by_function[service.function_name] = service.name

    def belongs(self, event: Mapping[str, Any]) -> bool:
        """True when the line names this workflow (field first, text only when no field)."""
        named = correlation_ids(event)
        if named:
            return self.correlation_id in named
        text = event.get("@message")
        return isinstance(text, str) and self._token.search(text) is not None

    def line(self, event: Mapping[str, Any]) -> Line | None:
        """The :class:`Line` of a matching event, or ``None`` when it has no time at all."""
        at = timestamp_of(event)
        if at is None:
            return None
        group = str(event.get("@log") or "")
        service = self.service_of(event, group)
        return Line(
            at=at,
            service=service,
            log_group=self._group_of.get(service, group),
            level=_first_text(event, _LEVEL_KEYS).upper(),
            message=_first_text(event, _MESSAGE_KEYS) or str(event.get("@message", "")),
            event_id=_id_field(event, "event_id"),
            event_type=_id_field(event, "event_type"),
            causation_id=_id_field(event, "causation_id"),
            request_id=_first_text(event, _REQUEST_KEYS) or None,
            fields={k: v for k, v in event.items() if k != "@message"},
        )

    def service_of(self, event: Mapping[str, Any], group: str) -> str:
        """The catalog service that wrote the line: its ``service`` field, function or group."""
        named = event.get("service")
        if isinstance(named, str) and named:
            return named
        function = event.get("function_name")
        if isinstance(function, str) and function in self._by_function:
            return self._by_function[function]
        if group in self._by_group:
            return self._by_group[group]
        return group.removeprefix(_LAMBDA_PREFIX) or "unknown"


def correlation_ids(event: Mapping[str, Any]) -> set[str]:
    """Correlation IDs the line names in a field: top level or one object down."""
    found: set[str] = set()
    top = event.get("correlation_id")
    if isinstance(top, str) and top:
        found.add(top)
    for value in event.values():
        if isinstance(value, dict):
            nested = value.get("correlation_id")
            if isinstance(nested, str) and nested:
                found.add(nested)
    return found


def timestamp_of(event: Mapping[str, Any]) -> int | None:
    """When the line was written: its CloudWatch time, else its own ``timestamp``/``time``."""
    for key in ("@timestamp", "timestamp", "time", "@ingestionTime"):
        stamp = parse_timestamp(event.get(key))
        if stamp is not None:
            return int(stamp)
    return None


def _first_text(event: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = event.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _id_field(event: Mapping[str, Any], key: str) -> str | None:
    """A top-level ID field only: the contract puts the *handled* event's IDs there, while real
    loggers nest the IDs of events they publish (``extra.event_id``), which are not the line's."""
    value = event.get(key)
    return value if isinstance(value, str) and value else None
