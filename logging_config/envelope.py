"""Find the EventBridge ``detail`` inside whatever a handler receives.

Accepted shapes (nested as AWS delivers them):

* an EventBridge event: ``{"detail-type": …, "source": …, "id": …, "detail": {…}}``;
* an SQS record whose ``body`` is an EventBridge event, a bare detail, or an SNS notification;
* an SNS record (``{"EventSource": "aws:sns", "Sns": {"Message": "…"}}``) or an SNS notification
  (``{"Type": "Notification", "Message": "…"}``) whose message is any of the above;
* a detail dict itself.

::

    from logging_config.envelope import unwrap

    unwrap({"detail-type": "TradeExecuted", "id": "e1", "detail": {"event_id": "x"}})
    # Envelope(detail={'event_id': 'x'}, envelope_id='e1', detail_type='TradeExecuted', time=None)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import orjson

_MAX_NESTING = 5


class Envelope(NamedTuple):
    """The detail found; the EventBridge ``id``, ``detail-type`` and ``time`` when there was an
    envelope."""

    detail: dict[str, Any] | None
    envelope_id: str | None
    detail_type: str | None
    time: str | None = None


def _parse_json(text: Any) -> Any:
    """The JSON value of an SQS body or SNS message, ``None`` when it is not JSON.

    SQS accepts only XML characters in a body (no raw surrogate:
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html),
    but a JSON body may still *escape* one (``"\\ud800"``: plain ASCII text), as a producer's JSON
    encoder writes a lone surrogate it was given. orjson refuses such text, and a local runner may
    hand a raw surrogate over as well. A body orjson refuses is parsed again by the stdlib's
    ``json``, which keeps the surrogate (the logger replaces it with U+FFFD when it writes the
    value): the event keeps its IDs instead of starting a new correlation.
    """
    if isinstance(text, dict):
        return text
    if not isinstance(text, str | bytes | bytearray):
        return None
    try:
        return orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError):
        pass
    import json  # only for bodies orjson refuses: not an import-time cost

    try:
        if not isinstance(text, str):
            text = bytes(text).decode("utf-8", "surrogateescape")
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def is_sqs_record(event: Any) -> bool:
    """An SQS record as Lambda delivers it."""
    return isinstance(event, dict) and (
        event.get("eventSource") == "aws:sqs" or ("body" in event and "messageId" in event)
    )


def is_sns_record(event: Any) -> bool:
    """An SNS record as Lambda delivers it."""
    return isinstance(event, dict) and isinstance(event.get("Sns"), dict)


def unwrap(event: Any, _depth: int = 0) -> Envelope:
    """The :class:`Envelope` for ``event`` (``detail`` is ``None`` when none can be found)."""
    if not isinstance(event, dict) or _depth > _MAX_NESTING:
        return Envelope(None, None, None)
    if is_sqs_record(event):
        return unwrap(_parse_json(event.get("body")), _depth + 1)
    if is_sns_record(event):
        return unwrap(_parse_json(event["Sns"].get("Message")), _depth + 1)
    if event.get("Type") == "Notification" and "Message" in event:
        return unwrap(_parse_json(event.get("Message")), _depth + 1)
    if "detail" in event and ("detail-type" in event or "source" in event):
        detail = _parse_json(event.get("detail"))
        envelope_id = event.get("id")
        detail_type = event.get("detail-type")
        sent = event.get("time")
        return Envelope(
            detail if isinstance(detail, dict) else None,
            envelope_id if isinstance(envelope_id, str) else None,
            detail_type if isinstance(detail_type, str) else None,
            sent if isinstance(sent, str) else None,
        )
    return Envelope(event, None, None)


def batch_records(event: Any) -> list[Any] | None:
    """The ``Records`` of an SQS or SNS batch event, else ``None``."""
    if not isinstance(event, dict):
        return None
    records = event.get("Records")
    if isinstance(records, list) and all(
        is_sqs_record(record) or is_sns_record(record) for record in records
    ):
        return records
    return None
