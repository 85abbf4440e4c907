"""The correlation IDs of the current event, held in :mod:`contextvars`.

Context variables follow threads and asyncio tasks on their own: a value set in one task or thread
is never seen by another, so concurrent SQS records or requests cannot leak IDs into each other's
lines. Everything that needs the IDs (the logger, EMF metrics) reads them here::

    from logging_config.context import current_ids

    current_ids()  # {'correlation_id': None, 'causation_id': None, 'event_id': None, 'event_type': None}

The IDs are set by :func:`logging_config.event_context` and :func:`logging_config.start_workflow`;
the Lambda fields by :func:`logging_config.inject_lambda_context`.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from orjson import dumps

#: The bound field saying how old the event being handled is (the catalog's ``event_age_field``).
AGE_KEY = "event_age_ms"
_AGE_PREFIX = b',"' + AGE_KEY.encode() + b'":'


class EventIds:
    """The IDs bound for one event; ``generated`` marks a correlation this process started.

    ``fragment`` is the IDs' part of a JSON line, serialized once when the context is bound
    instead of on every line. ``event_age_ms`` (how old the event was when its context was
    entered, ``None`` when it carried no time) is a bound field rather than an ID: it has its own
    ``age_fragment`` and stays out of equality.
    """

    __slots__ = (
        "correlation_id",
        "causation_id",
        "event_id",
        "event_type",
        "generated",
        "fragment",
        "event_age_ms",
        "age_fragment",
    )

    def __init__(
        self,
        correlation_id: str | None,
        causation_id: str | None,
        event_id: str | None,
        event_type: str | None,
        generated: bool = False,
        event_age_ms: int | None = None,
    ) -> None:
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.event_id = event_id
        self.event_type = event_type
        self.generated = generated
        fragment = (
            b',"correlation_id":'
            + _json(correlation_id)
            + b',"causation_id":'
            + _json(causation_id)
            + b',"event_id":'
            + _json(event_id)
            + b',"event_type":'
            + _json(event_type)
        )
        self.fragment = fragment + b',"correlation_generated":true' if generated else fragment
        self.event_age_ms = event_age_ms
        self.age_fragment = b"" if event_age_ms is None else _AGE_PREFIX + b"%d" % event_age_ms

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventIds) and self.fragment == other.fragment

    def __hash__(self) -> int:
        return hash(self.fragment)

    def __repr__(self) -> str:
        return (
            f"EventIds(correlation_id={self.correlation_id!r}, causation_id={self.causation_id!r}, "
            f"event_id={self.event_id!r}, event_type={self.event_type!r}, "
            f"generated={self.generated!r}, event_age_ms={self.event_age_ms!r})"
        )


class LambdaFields:
    """Powertools' Lambda keys for the current invocation (and their JSON ``fragment``)."""

    __slots__ = ("function_name", "function_request_id", "cold_start", "xray_trace_id", "fragment")

    def __init__(
        self,
        function_name: str | None,
        function_request_id: str | None,
        cold_start: bool,
        xray_trace_id: str | None,
    ) -> None:
        self.function_name = function_name
        self.function_request_id = function_request_id
        self.cold_start = cold_start
        self.xray_trace_id = xray_trace_id
        self.fragment = (
            b',"function_name":'
            + _json(function_name)
            + b',"function_request_id":'
            + _json(function_request_id)
            + b',"cold_start":'
            + (b"true" if cold_start else b"false")
            + b',"xray_trace_id":'
            + _json(xray_trace_id)
        )

    def __repr__(self) -> str:
        return (
            f"LambdaFields(function_name={self.function_name!r}, "
            f"function_request_id={self.function_request_id!r}, cold_start={self.cold_start!r}, "
            f"xray_trace_id={self.xray_trace_id!r})"
        )


def _json(value: str | None) -> bytes:
    """JSON for an ID; never raises (lone surrogates become U+FFFD, as the sanitizer does)."""
    text = value if value is None or type(value) is str else str(value)
    try:
        return dumps(text)
    except Exception:
        cleaned = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in str(text))
        return dumps(cleaned)


EVENT_IDS: ContextVar[EventIds | None] = ContextVar("obskit_event_ids", default=None)
LAMBDA_FIELDS: ContextVar[LambdaFields | None] = ContextVar("obskit_lambda_fields", default=None)


def current_ids() -> dict[str, str | None]:
    """The four IDs of the current context (``None`` each outside any context)."""
    ids = EVENT_IDS.get()
    if ids is None:
        return {"correlation_id": None, "causation_id": None, "event_id": None, "event_type": None}
    return {
        "correlation_id": ids.correlation_id,
        "causation_id": ids.causation_id,
        "event_id": ids.event_id,
        "event_type": ids.event_type,
    }


def current_event_ids() -> EventIds | None:
    """The bound :class:`EventIds`, or ``None`` outside any context."""
    return EVENT_IDS.get()


def bind_ids(ids: EventIds) -> Token[EventIds | None]:
    """Bind ``ids`` for the current context; pass the token to :func:`reset_ids` when done."""
    return EVENT_IDS.set(ids)


def reset_ids(token: Token[EventIds | None]) -> None:
    """Undo :func:`bind_ids`; tolerates a token from another context (never raises)."""
    try:
        EVENT_IDS.reset(token)
    except ValueError:
        EVENT_IDS.set(token.old_value if token.old_value is not Token.MISSING else None)


def current_lambda_fields() -> LambdaFields | None:
    """The Lambda fields of the current invocation, or ``None`` outside a decorated handler."""
    return LAMBDA_FIELDS.get()
