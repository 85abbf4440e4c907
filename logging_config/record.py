"""Build the record (a dict in the line's key order) for one logging call.

The order and names follow DESIGN.md (Powertools' names): ``timestamp``, ``level``, ``message``,
``service``, ``logger``, ``location``, ``correlation_id``, ``causation_id``, ``event_id``,
``event_type``, then the Lambda keys inside a decorated handler, the exception keys when there is
one, then the bound fields (``event_age_ms`` of the event being handled, then ``bind()``'s) and
the call's own fields; a call's field wins over a bound one of the same name (in the bound one's
place). ``logger`` is left out when it is the service name (or unset): it would repeat
``service`` on every line. ``service`` is the logger's own (``get_logger(service=...)``), else the
configured one::

    from logging_config.record import build_record

    build_record("INFO", "hi", {"level": "x"}, None, "app", "main:1", None)["field_level"]   # 'x'

The record is built by a pipeline of small processors (:data:`PROCESSORS`), structlog-style, each
``(record, call) -> record`` with one job: :func:`add_base`, :func:`add_ids`,
:func:`add_lambda_fields`, :func:`add_exception`, :func:`add_event_age`, :func:`add_call_fields`.

A call field named like a reserved key (:data:`RESERVED_KEYS`) never replaces the real key: it is
kept under ``field_<name>`` (``field_field_<name>`` if that is taken too). Field values are
redacted here (sensitive key names, secret-looking strings; see
:mod:`logging_config.field_values`); objects are converted later by the serializer's ``default``
hook, which redacts what it produces. Nothing here raises: a value that cannot be processed is
replaced, alone, by a marker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from logging_config.config import STATE
from logging_config.context import AGE_KEY, EVENT_IDS, LAMBDA_FIELDS, EventIds
from logging_config.exception_fields import exception_fields
from logging_config.field_values import RENAMED_PREFIX, RESERVED_KEYS, add_fields, field_plan
from logging_config.redaction import MIN_SECRET_LENGTH, redact_text, redact_tree, unserializable
from logging_config.sanitize import _text_of
from logging_config.timestamps import iso_timestamp

__all__ = ["PROCESSORS", "RENAMED_PREFIX", "RESERVED_KEYS", "Call", "add_fields", "build_record"]

_NO_IDS = EventIds(None, None, None, None, False)


def message_value(message: Any) -> Any:
    """The ``message`` value: strings redacted, mappings kept (redacted), other objects as text.

    Never raises: a message whose inspection raises (an attribute lookup that raises, a mapping
    whose items raise) is written as :func:`~logging_config.redaction.unserializable`'s marker.
    """
    if type(message) is str:
        return redact_text(message) if len(message) >= MIN_SECRET_LENGTH else message
    try:
        if isinstance(message, str):
            return redact_text(str(message))
        if isinstance(message, Mapping):
            return redact_tree(dict(message))
        return redact_text(_text_of(message))
    except Exception:
        return unserializable(message)


class Call:
    """What one logging call asked for: the input every record processor reads."""

    __slots__ = (
        "level_name",
        "message",
        "fields",
        "bound",
        "logger_name",
        "location",
        "error",
        "now",
        "service",
    )

    def __init__(
        self,
        level_name: str,
        message: Any,
        fields: Mapping[str, Any] | None,
        bound: Mapping[str, Any] | None,
        logger_name: str | None,
        location: str | None,
        error: BaseException | None,
        now: float | None = None,
        service: str | None = None,
    ) -> None:
        self.service = STATE.service if service is None else service
        self.level_name = level_name
        self.message = message
        self.fields = fields
        self.bound = bound
        self.logger_name = logger_name
        self.location = location
        self.error = error
        self.now = now


RecordProcessor = Callable[[dict[str, Any], Call], dict[str, Any]]


def add_base(record: dict[str, Any], call: Call) -> dict[str, Any]:
    """``timestamp``, ``level``, ``message`` (redacted), ``service``, ``logger``, ``location``."""
    message = call.message
    if type(message) is not str or len(message) >= MIN_SECRET_LENGTH:
        message = message_value(message)
    service = call.service
    record["timestamp"] = iso_timestamp(call.now)
    record["level"] = call.level_name
    record["message"] = message
    record["service"] = service
    if call.logger_name is not None and call.logger_name != service:
        record["logger"] = call.logger_name
    record["location"] = call.location
    return record


def add_ids(record: dict[str, Any], call: Call) -> dict[str, Any]:
    """The four IDs of the current context (``null`` outside one), and the generated mark."""
    ids = EVENT_IDS.get() or _NO_IDS
    record["correlation_id"] = ids.correlation_id
    record["causation_id"] = ids.causation_id
    record["event_id"] = ids.event_id
    record["event_type"] = ids.event_type
    if ids.generated:
        record["correlation_generated"] = True
    return record


def add_lambda_fields(record: dict[str, Any], call: Call) -> dict[str, Any]:
    """Powertools' Lambda keys, inside a handler decorated with ``inject_lambda_context``."""
    lam = LAMBDA_FIELDS.get()
    if lam is not None:
        record["function_name"] = lam.function_name
        record["function_request_id"] = lam.function_request_id
        record["cold_start"] = lam.cold_start
        record["xray_trace_id"] = lam.xray_trace_id
    return record


def add_exception(record: dict[str, Any], call: Call) -> dict[str, Any]:
    """``exception``, ``exception_name``, ``stack_trace`` (redacted) when the call has one."""
    if call.error is not None:
        record.update(exception_fields(call.error))
    return record


def add_event_age(record: dict[str, Any], call: Call) -> dict[str, Any]:
    """``event_age_ms`` of the event being handled, the first bound field (unless the logger's
    bound fields or the call's own name it: theirs wins)."""
    ids = EVENT_IDS.get()
    age = None if ids is None else ids.event_age_ms
    if age is None or (call.bound and AGE_KEY in call.bound):
        return record
    if not (call.fields and AGE_KEY in call.fields):
        record[AGE_KEY] = age
    return record


def add_call_fields(record: dict[str, Any], call: Call) -> dict[str, Any]:
    """The bound fields, then the call's own (a call field takes a bound one's place): reserved
    names moved aside, secrets redacted (:mod:`logging_config.field_values`)."""
    bound, fields = call.bound, call.fields
    if bound and fields:
        try:
            merged = {**bound, **fields}
        except Exception:  # a key (a str subclass) whose equality raises: merge by plain names
            merged = {**_plain_keys(bound), **_plain_keys(fields)}
        add_fields(record, merged)
    elif bound or fields:
        add_fields(record, bound or fields or {})
    return record


def _plain_keys(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for (name, _), value in zip(field_plan(tuple(fields)).entries, fields.values(), strict=True)
    }


#: The record pipeline, structlog-style: each processor does one job, in the line's key order.
#: (Serializing, sanitizing and truncating follow in :mod:`logging_config.render`.)
PROCESSORS: tuple[RecordProcessor, ...] = (
    add_base,
    add_ids,
    add_lambda_fields,
    add_exception,
    add_event_age,
    add_call_fields,
)


def build_record(
    level_name: str,
    message: Any,
    fields: Mapping[str, Any] | None,
    bound: Mapping[str, Any] | None,
    logger_name: str | None,
    location: str | None,
    error: BaseException | None,
    now: float | None = None,
    service: str | None = None,
) -> dict[str, Any]:
    """The record of one call, in the line's key order: :data:`PROCESSORS` applied in turn.

    ``service`` is the logger's own service name (``None``: the configured one).
    """
    call = Call(level_name, message, fields, bound, logger_name, location, error, now, service)
    record: dict[str, Any] = {}
    for processor in PROCESSORS:
        record = processor(record, call)
    return record
