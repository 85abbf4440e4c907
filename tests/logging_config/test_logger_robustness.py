"""A logging call never raises and never loses a line, whatever the fields hold (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
import uuid
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logging_config
from logging_config import fast_path, record, render
from logging_config.context import EventIds, bind_ids, reset_ids
from logging_config.truncate import MAX_LINE_BYTES


class ReprRaises:
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")

    def __str__(self) -> str:
        raise RuntimeError("str exploded")


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Order:
    symbol: str
    api_key: str
    children: list[Any] = dataclasses.field(default_factory=list)


class FakeModel:
    """Duck-typed like a pydantic v2 model (no pydantic import needed)."""

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        return {"name": "m", "secret": "hunter2", "mode": mode}


def _circular() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    return loop


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"d": [value]}
    return value


NASTY: dict[str, Any] = {
    "non_str_keys": {1: "a", (2, 3): "b", None: "c", 1.5: "d"},
    "circular": _circular(),
    "big_int": 2**200,
    "negative_big_int": -(2**70),
    "repr_raises": ReprRaises(),
    "lone_surrogate": "ok \ud800 bad",
    "surrogate_key": {"\udcff": 1},
    "invalid_bytes": b"\xff\xfe valid",
    "datetime": dt.datetime(2025, 12, 17, 20, 38, 58, tzinfo=dt.UTC),
    "date": dt.date(2025, 12, 17),
    "decimal": Decimal("187.2500"),
    "uuid": uuid.UUID("2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a"),
    "set": {3, 1, 2},
    "frozenset": frozenset({"b", "a"}),
    "dataclass": Order("AAPL", "AKIAIOSFODNN7EXAMPLE"),
    "model": FakeModel(),
    "exception": ValueError("bad value"),
    "deep": _deep(400),
    "enum": Color.RED,
    "nan": float("nan"),
    "type": int,
    "function": len,
}


@pytest.mark.parametrize("name", sorted(NASTY))
def test_nasty_value_yields_one_valid_line(capture_logs: Any, name: str) -> None:
    with logging_config.start_workflow("wf-nasty"):
        logging_config.get_logger("x").info("nasty", value=NASTY[name], after="kept")
    assert len(capture_logs) == 1
    line = capture_logs[0]
    assert line["message"] == "nasty"
    assert line["correlation_id"] == "wf-nasty"
    assert line["after"] == "kept"
    assert "value" in line


def test_specific_conversions(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("x").info("conv", **NASTY)
    line = capture_logs[0]
    assert line["big_int"] == str(2**200)
    assert line["negative_big_int"] == str(-(2**70))
    assert line["repr_raises"] == "<unrepresentable ReprRaises>"
    assert line["lone_surrogate"] == "ok \ufffd bad"
    assert line["invalid_bytes"] == "\\xff\\xfe valid"
    assert line["datetime"] == "2025-12-17T20:38:58+00:00"
    assert line["decimal"] == "187.2500"
    assert line["uuid"] == "2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a"
    assert line["set"] == [1, 2, 3]
    assert line["frozenset"] == ["a", "b"]
    assert line["dataclass"] == {"symbol": "AAPL", "api_key": "[REDACTED]", "children": []}
    assert line["model"] == {"name": "m", "secret": "[REDACTED]", "mode": "json"}
    assert line["field_exception"] == "ValueError: bad value"  # "exception" is reserved
    assert line["circular"] == {"a": 1, "self": "[circular]"}
    assert set(line["non_str_keys"]) == {"1", "(2, 3)", "None", "1.5"}
    assert line["enum"] == "red"
    assert line["nan"] is None
    assert logging_config.stats()["sanitized"] >= 1


def test_deep_nesting_is_cut_not_lost(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("x").info("deep", tree=_deep(1000))
    text = orjson.dumps(capture_logs[0]["tree"]).decode()
    assert "nested too deep" in text


def test_a_stream_that_fails_does_not_raise_and_is_counted() -> None:
    broken = io.StringIO()
    broken.close()
    logging_config.configure("svc", stream=broken, env={})
    with logging_config.start_workflow():
        logging_config.get_logger("x").info("lost to a closed stream")
    assert logging_config.stats()["failed_writes"] >= 1


# Text including lone surrogates (hypothesis leaves category Cs out by default).
ANY_TEXT = st.text(st.characters(exclude_categories=()))
JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | ANY_TEXT
    | st.binary(max_size=20)
    | st.decimals(allow_nan=False)
    | st.datetimes()
    | st.uuids()
)
ANY_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | st.integers() | st.booleans(), inner, max_size=4)
        | st.frozensets(st.integers(), max_size=4)
        | st.tuples(inner, inner)
    ),
    max_leaves=20,
)
FIELD_NAMES = (
    st.text(st.characters(exclude_categories=()), max_size=12)
    | st.sampled_from(sorted(record.RESERVED_KEYS))
    | st.sampled_from(["password", "Authorization", "exc_info", "field_level"])
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    message=ANY_TEXT | st.integers() | st.none(),
    fields=st.dictionaries(FIELD_NAMES, ANY_VALUE, max_size=6),
    service=st.sampled_from(["svc", "sv\ud800c"]),
)
def test_property_any_fields_give_exactly_one_valid_bounded_line(
    message: Any, fields: dict[str, Any], service: str
) -> None:
    stream = io.BytesIO()
    logging_config.configure(service, stream=stream, env={})
    token = bind_ids(EventIds("wf-prop", "c", "e", "T"))
    try:
        logging_config.get_logger("prop").info(message, **fields)
    finally:
        reset_ids(token)
    lines = stream.getvalue().split(b"\n")
    assert lines[-1] == b""
    assert len(lines) == 2
    assert len(lines[0]) <= MAX_LINE_BYTES
    parsed = orjson.loads(lines[0])
    assert parsed["correlation_id"] == "wf-prop"
    assert parsed["level"] == "INFO"
    assert parsed["logger"] == "prop"


PLAIN_VALUE = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40) | ANY_TEXT
)

#: Field names, sometimes the one the event context binds by itself (``event_age_ms``).
FIELD_NAME = st.text(max_size=10) | st.just("event_age_ms")


@settings(max_examples=150, deadline=None)
@given(
    message=st.text(max_size=40) | ANY_TEXT,
    fields=st.dictionaries(FIELD_NAME, PLAIN_VALUE, max_size=6),
    bound=st.dictionaries(FIELD_NAME, PLAIN_VALUE, max_size=3),
    generated=st.booleans(),
    age=st.none() | st.integers(min_value=0, max_value=10**12),
    logger_name=st.sampled_from(["lg", "test-service", None]),
)
def test_property_fast_path_and_general_path_write_the_same_bytes(
    message: str,
    fields: dict[str, Any],
    bound: dict[str, Any],
    generated: bool,
    age: int | None,
    logger_name: str | None,
) -> None:
    now = 1_766_003_938.084
    token = bind_ids(EventIds("wf", "cause", "ev", "TradeExecuted", generated, age))
    try:
        fast = fast_path.fast_line(20, message, fields, bound, logger_name, "f:1", now)
        general = render.render(
            record.build_record("INFO", message, fields, bound, logger_name, "f:1", None, now)
        )
    finally:
        reset_ids(token)
    if fast is not None:
        assert fast == general + b"\n"


def test_if_building_the_record_fails_an_emergency_line_still_carries_the_ids(
    capture_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from logging_config import logger as logger_module

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("record builder bug")

    monkeypatch.setattr(logger_module, "build_record", broken)
    with logging_config.start_workflow("wf-emergency"):
        # An exception takes the general path (the one that builds a record).
        logging_config.get_logger("x").error("must not be lost", exc_info=ValueError("boom"))
    line = capture_logs[0]
    assert line["correlation_id"] == "wf-emergency"
    assert line["causation_id"] == "wf-emergency"
    assert line["message"] == "must not be lost"
    assert line["level"] == "ERROR"
    assert "logging_error" in line
    assert logging_config.stats()["emergency"] == 1


@pytest.mark.parametrize("mode", ["wb", "w"])
def test_threads_writing_to_a_real_file_never_interleave_lines(tmp_path: Any, mode: str) -> None:
    import threading

    path = tmp_path / "lines.jsonl"
    with open(path, mode) as stream:
        logging_config.configure("svc", stream=stream, env={})
        log = logging_config.get_logger("x")

        def work(n: int) -> None:
            with logging_config.start_workflow(f"wf-{n}"):
                for i in range(200):
                    log.info("line", worker=n, i=i, pad="p" * (n * 300))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    lines = [orjson.loads(raw) for raw in path.read_bytes().splitlines()]
    assert len(lines) == 8 * 200
    assert all(line["correlation_id"] == f"wf-{line['worker']}" for line in lines)


#: JSON-like values as services log them: nested dicts and lists, now and then a sensitive key,
#: a reserved name, a secret-looking string or a tuple.
NESTED_VALUE = st.recursive(
    PLAIN_VALUE | st.sampled_from(["Bearer abcdefghijklmnop", "AKIAIOSFODNN7EXAMPLE"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(
            st.text(max_size=8) | st.sampled_from(["password", "api_key", "level", "token"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=12,
)
RICH_NAME = FIELD_NAME | st.sampled_from(
    ["event_type", "level", "field_level", "message", "password", "X-Api-Key", "order"]
)


@settings(max_examples=150, deadline=None)
@given(
    message=st.text(max_size=40) | st.sampled_from(["token Bearer abcdefghijklmnop"]),
    fields=st.dictionaries(RICH_NAME, NESTED_VALUE, max_size=6),
    bound=st.dictionaries(RICH_NAME, NESTED_VALUE, max_size=3),
    logger_name=st.sampled_from(["lg", "test-service", None]),
    service=st.sampled_from([None, "own", "lg"]),
)
def test_property_rich_calls_take_the_fast_path_and_write_the_general_paths_bytes(
    message: str,
    fields: dict[str, Any],
    bound: dict[str, Any],
    logger_name: str | None,
    service: str | None,
) -> None:
    """Nested values, renamed and sensitive keys: the fast path now writes these lines itself,
    byte for byte what the general path (record, then render) writes."""
    now = 1_766_003_938.084
    token = bind_ids(EventIds("wf", "cause", "ev", "TradeExecuted", False, 12))
    try:
        fast = fast_path.fast_line(
            20, message, fields, bound, logger_name, "f:1", now, None, service
        )
        general = render.render(
            record.build_record(
                "INFO", message, fields, bound, logger_name, "f:1", None, now, service
            )
        )
    finally:
        reset_ids(token)
    if fast is not None:
        assert fast == general + b"\n"
    else:  # only what orjson refuses (lone surrogates, huge ints) is left to the general path
        with pytest.raises(orjson.JSONEncodeError):
            orjson.dumps([message, fields, bound])


def test_rich_calls_stay_on_the_fast_path(
    capture_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nested values, a reserved name, a sensitive name, a secret in a nested string: all written
    without building a record (the general path is made to fail here), redacted all the same."""
    from logging_config import logger as logger_module

    def general_path(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("the general path was taken")

    monkeypatch.setattr(logger_module, "build_record", general_path)
    with logging_config.start_workflow("wf-rich"):
        logging_config.get_logger("x").info(
            "order placed",
            order={"account": "paper", "limits": {"max_qty": 100}},
            legs=[{"symbol": "SPY", "qty": 3}, ("TLT", 2)],
            event_type="OrderPlaced",
            password="hunter2",
            note={"auth": "Bearer abcdefghijklmnop", "api_key": "k"},
        )
    line = capture_logs[0]
    assert "logging_error" not in line
    assert line["order"] == {"account": "paper", "limits": {"max_qty": 100}}
    assert line["legs"] == [{"symbol": "SPY", "qty": 3}, ["TLT", 2]]
    assert line["field_event_type"] == "OrderPlaced"
    assert line["event_type"] is None  # the real key: no event is being handled
    assert line["password"] == "[REDACTED]"
    assert line["note"] == {"auth": "Bearer [REDACTED]", "api_key": "[REDACTED]"}
