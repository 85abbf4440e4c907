"""One value the logger cannot process is replaced alone; nothing raises into the caller; an
SQS/SNS body holding a lone surrogate keeps its IDs (issue 16, item 11)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

import logging_config
from logging_config.events import ids_for_event


class ReprRaises:
    """A dict key whose ``repr`` and ``str`` raise (its hash works, so it can be a key)."""

    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")

    def __str__(self) -> str:
        raise RuntimeError("str exploded")

    def __hash__(self) -> int:
        return 7


class LookupRaises:
    """An object every attribute lookup of which raises (``__class__`` included)."""

    def __getattribute__(self, name: str) -> Any:
        raise RuntimeError(f"no attribute {name} for you")


@dataclasses.dataclass
class Holder:
    content: dict[str, Any]


def _self_referencing() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    return loop


HOSTILE_VALUES: dict[str, Any] = {
    "dataclass_with_a_self_referencing_dict": Holder(_self_referencing()),
    "dict_keyed_by_an_object_whose_repr_raises": {ReprRaises(): 1, "ok": 2},
    "object_whose_attribute_lookup_raises": LookupRaises(),
    "list_holding_such_an_object": [1, LookupRaises(), "kept"],
}


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
@pytest.mark.parametrize("path", ["fast", "general"])
def test_one_bad_value_is_replaced_alone_and_the_line_keeps_every_other_field(
    capture_logs: Any, name: str, path: str
) -> None:
    # An exception sends the call down the general path (record, then render).
    extra: dict[str, Any] = {"exc_info": ValueError("boom")} if path == "general" else {}
    with logging_config.start_workflow("wf-iso"):
        logging_config.get_logger("x").warning(
            "order placed", before="kept", value=HOSTILE_VALUES[name], after=3, **extra
        )
    assert len(capture_logs) == 1
    line = capture_logs[0]
    assert "logging_error" not in line
    assert line["message"] == "order placed"
    assert line["correlation_id"] == "wf-iso"
    assert line["before"] == "kept"
    assert line["after"] == 3
    assert "value" in line
    if path == "general":
        assert line["exception_name"] == "ValueError"


def test_the_marker_names_the_type_and_siblings_survive(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("x").info(
            "m", bad=LookupRaises(), nested={"bad": LookupRaises(), "good": "yes"}
        )
    line = capture_logs[0]
    assert line["bad"] == "<unserializable: LookupRaises>"
    assert line["nested"] == {"bad": "<unserializable: LookupRaises>", "good": "yes"}


def test_a_key_whose_repr_raises_keeps_its_value_and_its_siblings(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("x").info("m", d={ReprRaises(): 1, "ok": 2})
    assert capture_logs[0]["d"] == {"<unrepresentable ReprRaises>": 1, "ok": 2}


def test_a_dataclass_holding_a_self_referencing_dict_keeps_its_fields(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("x").info("m", holder=Holder(_self_referencing()), n=1)
    line = capture_logs[0]
    assert line["holder"] == {"content": {"a": 1, "self": "[circular]"}}
    assert line["n"] == 1


def test_bind_accepts_a_field_called_self(capture_logs: Any) -> None:
    log = logging_config.get_logger("x").bind(self="me", other=1)
    with logging_config.start_workflow():
        log.info("bound")
    assert capture_logs[0]["self"] == "me"
    assert capture_logs[0]["other"] == 1


@pytest.mark.parametrize("method", ["debug", "info", "warning", "error", "critical", "exception"])
def test_a_message_whose_attribute_lookup_raises_is_written_not_raised(
    capture_logs: Any, method: str
) -> None:
    logging_config.configure("svc", level="DEBUG", env={})
    with logging_config.start_workflow("wf-msg"):
        getattr(logging_config.get_logger("x"), method)(LookupRaises(), n=1)
    line = capture_logs[0]
    assert line["message"] == "<unserializable: LookupRaises>"
    assert line["correlation_id"] == "wf-msg"
    assert line["n"] == 1


def test_a_hostile_message_under_strict_mode_still_raises_only_the_strict_error() -> None:
    logging_config.configure("svc", strict=True, env={})
    with pytest.raises(logging_config.MissingCorrelationError, match="outside any correlation"):
        logging_config.get_logger("x").info(LookupRaises())


def test_a_hostile_level_or_exc_info_never_raises(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with logging_config.start_workflow():
        log.log(LookupRaises(), "odd level")  # type: ignore[arg-type]
        log.error("odd exc_info", exc_info=LookupRaises(), n=2)
    assert [line["level"] for line in capture_logs] == ["ERROR", "ERROR"]
    assert capture_logs[0]["field_level"] == "<unserializable: LookupRaises>"
    assert capture_logs[1]["n"] == 2


# --- a lone surrogate in an SQS / SNS body never costs the event its IDs ----------------------

DETAIL = {
    "event_id": "ev-1",
    "event_type": "TradeExecuted",
    "correlation_id": "workflow-keep",
    "causation_id": "plan-1",
}


def _eventbridge_text(note_json: str) -> str:
    """An EventBridge event as JSON text whose detail carries ``note`` (raw JSON)."""
    detail = json.dumps(DETAIL)[:-1] + f', "note": {note_json}}}'
    return (
        '{"version": "0", "id": "env-1", "detail-type": "TradeExecuted", '
        f'"source": "alchemiser.execution", "detail": {detail}}}'
    )


def _sqs(body: str | bytes) -> dict[str, Any]:
    return {"messageId": "m-1", "eventSource": "aws:sqs", "body": body}


def _sns(message: str) -> dict[str, Any]:
    return {"EventSource": "aws:sns", "Sns": {"Type": "Notification", "Message": message}}


SURROGATE_BODIES: dict[str, dict[str, Any]] = {
    "sqs, escaped lone surrogate": _sqs(_eventbridge_text('"bad \\ud800 text"')),
    "sqs, escaped low surrogate in a key": _sqs(_eventbridge_text('{"\\udcff": 1}')),
    "sqs, raw lone surrogate in the text": _sqs(_eventbridge_text('"bad \ud800 text"')),
    "sqs, invalid UTF-8 bytes": _sqs(
        _eventbridge_text('"bad XX"').encode().replace(b"XX", b"\xff")
    ),
    "sns, escaped lone surrogate": _sns(_eventbridge_text('"bad \\udfff"')),
    "sqs carrying sns": _sqs(
        json.dumps({"Type": "Notification", "Message": _eventbridge_text('"x \\ud83d"')})
    ),
}


@pytest.mark.parametrize("name", sorted(SURROGATE_BODIES))
def test_a_lone_surrogate_in_the_body_keeps_the_event_ids(name: str) -> None:
    ids, detail = ids_for_event(SURROGATE_BODIES[name])
    assert ids.correlation_id == "workflow-keep"
    assert ids.event_id == "ev-1"
    assert ids.causation_id == "plan-1"
    assert ids.generated is False
    assert detail is not None and "note" in detail


def test_a_line_logged_for_such_an_event_carries_its_ids_and_valid_text(capture_logs: Any) -> None:
    record = SURROGATE_BODIES["sqs, escaped lone surrogate"]
    with logging_config.event_context(record) as ctx:
        logging_config.get_logger("x").info("handled", note=ctx.detail["note"])
    line = capture_logs[0]
    assert line["correlation_id"] == "workflow-keep"
    assert "correlation_generated" not in line
    assert line["note"] == "bad \ufffd text"


def test_a_body_that_is_not_json_still_starts_a_new_correlation() -> None:
    ids, detail = ids_for_event(_sqs("not json \ud800 at all"))
    assert ids.generated is True
    assert detail is None


class EqualityRaises(str):
    """A field name (a ``str`` subclass, as ``**`` accepts) whose equality and text raise."""

    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq exploded")

    def __str__(self) -> str:
        raise RuntimeError("str exploded")


def test_a_field_name_whose_equality_raises_loses_nothing(capture_logs: Any) -> None:
    log = logging_config.get_logger("x").bind(**{EqualityRaises("kk"): 1, "b": 2})
    with logging_config.start_workflow("wf-eq"):
        log.info("m", kk=3, c=[4])
        log.info("m", **{EqualityRaises("level"): {"a": 1}})
    assert capture_logs[0]["kk"] == 3  # the call's field wins, as for any name
    assert (capture_logs[0]["b"], capture_logs[0]["c"]) == (2, [4])
    assert capture_logs[1]["field_level"] == {"a": 1}
    assert all("logging_error" not in line for line in capture_logs)
