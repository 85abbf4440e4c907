"""One event (from a file reader or CloudWatch) reduced to what the volume report counts.

Events come from :mod:`insights_queries.sources` (files) or :mod:`tools.logreport.aws`
(FilterLogEvents): a JSON line's own fields plus ``@message`` (the line as written), ``@log``
(its log group) and, for Lambda text lines, ``@requestId``/``@type``. What is read here:

- size: the UTF-8 bytes of ``@message``: what the service wrote, which is what CloudWatch
  ingests (its per-event overhead is not billed as data);
- service: the line's ``service`` field (the logger's schema), else the catalog service whose log
  group wrote it, else the log group's last path part;
- level: ``level`` (any case; ``warn``/``fatal``/``exception`` normalised), a runtime text-format
  ``[LEVEL]`` prefix, ``PLATFORM`` for Lambda's START/END/REPORT lines, ``NONE`` otherwise;
- message: ``message`` (the logger's schema, Powertools), ``event`` (structlog's default) or
  ``msg``; for a text line, the text itself;
- correlation id: top-level ``correlation_id`` or nested ``extra.correlation_id``; a line with
  neither keeps its text so the id can be found in it later (see :mod:`tools.logreport.volume`);
- request id: ``function_request_id`` (the logger), ``aws_request_id`` or ``@requestId``, which
  separates Lambda invocations for the DEBUG-buffer model;
- kind: an EMF line (a ``_aws.CloudWatchMetrics`` key: the metrics the alarms read, per
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
  or one of Lambda's own system lines (``START``/``END``/``REPORT``/``INIT_START``... in the text
  format, ``"type": "platform.*"`` in the JSON format, per
  https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html): the
  service wrote neither as a log statement, so the advice never asks it to cut or change them.

The message used for the call-site template is bounded (``MESSAGE_CHARS``): a template is read
from the start of a message, and a line of a megabyte must not cost a megabyte per regex.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_LEVELS = {
    "debug": "DEBUG",
    "trace": "DEBUG",
    "info": "INFO",
    "notice": "INFO",
    "warning": "WARNING",
    "warn": "WARNING",
    "error": "ERROR",
    "exception": "ERROR",
    "err": "ERROR",
    "critical": "CRITICAL",
    "fatal": "CRITICAL",
}
LEVEL_ORDER = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "PLATFORM", "NONE")
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL"})
MESSAGE_KEYS = ("message", "event", "msg")
REQUEST_ID_KEYS = ("function_request_id", "aws_request_id", "@requestId")
LAMBDA_PREFIX = "/aws/lambda/"
MESSAGE_CHARS = 4_096
# Lambda's system lines in the text format (the runtime writes them, not the function's code)
LAMBDA_SYSTEM_PREFIXES = (
    "START RequestId:",
    "END RequestId:",
    "REPORT RequestId:",
    "INIT_START ",
    "INIT_REPORT ",
    "INIT_RUNTIME_DONE",
    "RESTORE_START ",
    "RESTORE_REPORT ",
    "EXTENSION\t",
    "EXTENSION ",
    "TELEMETRY\t",
    "TELEMETRY ",
)


@dataclass(frozen=True, slots=True)
class Line:
    """What the report needs of one log line."""

    service: str
    level: str
    message: str
    size: int
    text: str
    correlation_id: str | None
    nested: bool  # the correlation id was under extra.correlation_id
    request_id: str | None
    platform: str | None  # START / END / REPORT for Lambda's own lines
    emf: bool = False  # an embedded-metric-format line: metrics, never to be cut
    system: bool = False  # one of Lambda's own lines: no correlation id is expected


def is_emf(event: Mapping[str, Any]) -> bool:
    """Whether the line carries CloudWatch metrics (``_aws.CloudWatchMetrics``)."""
    meta = event.get("_aws")
    return isinstance(meta, dict) and "CloudWatchMetrics" in meta


def is_lambda_system(event: Mapping[str, Any], text: str) -> bool:
    """Whether Lambda wrote the line itself (platform line, text or JSON format)."""
    if isinstance(event.get("@type"), str):
        return True
    kind = event.get("type")
    if isinstance(kind, str) and kind.startswith("platform."):
        return True
    return text.startswith(LAMBDA_SYSTEM_PREFIXES)


class ServiceNames:
    """Log group → service name, from the catalog where it names the group."""

    def __init__(self, groups: Mapping[str, str] | None = None) -> None:
        self.groups = dict(groups or {})
        self._cache: dict[str, str] = {}

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> ServiceNames:
        return cls(dict(pairs))

    def __call__(self, log_group: str) -> str:
        name = self._cache.get(log_group)
        if name is None:
            name = self.groups.get(log_group) or _short(log_group)
            self._cache[log_group] = name
        return name


def _short(log_group: str) -> str:
    if log_group.startswith(LAMBDA_PREFIX):
        return log_group[len(LAMBDA_PREFIX) :] or log_group
    return log_group.rsplit("/", 1)[-1] or log_group or "unknown"


_NUMERIC_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


def normalise_level(value: Any) -> str:
    """``DEBUG``/``INFO``/``WARNING``/``ERROR``/``CRITICAL`` (others upper-cased as written).

    Python's numeric levels (``levelno`` 10-50) are read too; other numbers round down.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10:
        return _NUMERIC_LEVELS[min(value // 10 * 10, 50)]
    if not isinstance(value, str) or not value:
        return "NONE"
    return _LEVELS.get(value.lower(), value.upper())


def _text_level(text: str) -> str:
    """The level of a runtime text-format line (``[INFO]\\t...`` or ``ts\\tid\\tINFO\\t...``)."""
    if text.startswith("[") and "]" in text[:12]:
        return normalise_level(text[1 : text.index("]")])
    parts = text.split("\t", 3)
    if len(parts) >= 4:
        level = normalise_level(parts[2])
        if level in LEVEL_ORDER:
            return level
    return "NONE"


def to_line(event: Mapping[str, Any], services: ServiceNames) -> Line:
    """The :class:`Line` of one reader event."""
    text = event.get("@message")
    if not isinstance(text, str):
        text = ""
    log_group = event.get("@log")
    service = event.get("service")
    if not isinstance(service, str) or not service:
        service = services(log_group if isinstance(log_group, str) else "unknown")
    platform = event.get("@type") if isinstance(event.get("@type"), str) else None
    level_field = event.get("level")
    if level_field is not None:
        level = normalise_level(level_field)
    elif platform is not None:
        level = "PLATFORM"
    else:
        level = _text_level(text)
    message = next((v for v in (event.get(k) for k in MESSAGE_KEYS) if isinstance(v, str)), None)
    if message is None:
        message = text.rsplit("\t", 1)[-1] if "\t" in text else text
    message = message[:MESSAGE_CHARS]
    correlation = event.get("correlation_id")
    nested = False
    if not isinstance(correlation, str) or not correlation:
        extra = event.get("extra")
        inner = extra.get("correlation_id") if isinstance(extra, dict) else None
        correlation = inner if isinstance(inner, str) and inner else None
        nested = correlation is not None
    request_id = next(
        (v for v in (event.get(k) for k in REQUEST_ID_KEYS) if isinstance(v, str) and v), None
    )
    return Line(
        service=service,
        level=level,
        message=message,
        size=len(text.encode()),
        text=text,
        correlation_id=correlation,
        nested=nested,
        request_id=request_id,
        platform=platform,
        emf=is_emf(event),
        system=is_lambda_system(event, text),
    )
