"""A bounded fuzz of hostile logger calls: never an exception into the caller, always exactly one
valid JSON line per call, with its correlation ID — called directly, from threads and from asyncio
tasks (issue 16)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import threading
from collections.abc import Callable
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import logging_config
from logging_config.truncate import MAX_LINE_BYTES


class Boom(Exception):
    """What every hostile method raises."""


class RaisingRepr:
    def __repr__(self) -> str:
        raise Boom("repr")

    def __str__(self) -> str:
        raise Boom("str")


class RaisingGetattr:
    """Any attribute lookup beyond the instance raises (``model_dump``, ``__dataclass_fields__``)."""

    def __getattr__(self, name: str) -> Any:
        raise Boom(name)


class RaisingGetattribute:
    """Every attribute lookup raises, ``__class__`` included (so ``isinstance`` raises too)."""

    def __getattribute__(self, name: str) -> Any:
        raise Boom(name)


class RaisingHash:
    """A dict key whose first hash (putting it in its dict) works and every later one raises."""

    def __init__(self) -> None:
        self.hashed = False

    def __hash__(self) -> int:
        if self.hashed:
            raise Boom("hash")
        self.hashed = True
        return 1


class RaisingStrSubclass(str):
    def __str__(self) -> str:
        raise Boom("str")

    def __len__(self) -> int:
        raise Boom("len")


class RaisingModel:
    """Duck-typed like a pydantic model whose dump raises."""

    def model_dump(self, mode: str = "python") -> Any:
        raise Boom("dump")


@dataclasses.dataclass
class Node:
    name: str
    children: list[Any]


def _cycle() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    return loop


def _dataclass_cycle() -> Node:
    node = Node("n", [])
    node.children.append(node)
    node.children.append({"back": node})
    return node


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


class Make:
    """A recipe for a hostile value, built only inside the call (hypothesis inspects what it
    generates, and these values raise when inspected)."""

    def __init__(self, name: str, make: Callable[[], Any]) -> None:
        self.name, self.make = name, make

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _build(value: Any) -> Any:
    return value.make() if isinstance(value, Make) else value


HOSTILE = st.sampled_from(
    [
        Make("raising repr and str", RaisingRepr),
        Make("raising __getattr__", RaisingGetattr),
        Make("raising __getattribute__", RaisingGetattribute),
        Make("str subclass raising __str__/__len__", lambda: RaisingStrSubclass("hostile")),
        Make("model_dump raising", RaisingModel),
        Make("self-referencing dict", _cycle),
        Make("dataclass cycle", _dataclass_cycle),
        Make("key with raising repr", lambda: {RaisingRepr(): 1, "ok": 2}),
        Make("key whose hash raises", lambda: {RaisingHash(): "h"}),
        Make("300 nested lists", lambda: _deep(300)),
        Make("lone surrogate", lambda: "lone \ud800 surrogate"),
        Make("surrogate key", lambda: {"\udcff": "surrogate key"}),
        Make("string over the line limit", lambda: "x" * (MAX_LINE_BYTES + 10)),
        Make("100-bit int", lambda: 2**100),
        Make("list with a raising object", lambda: [RaisingGetattribute(), "kept"]),
        Make("invalid UTF-8 bytes", lambda: b"\xff\xfe"),
        Make("NaN", lambda: float("nan")),
    ]
)
VALUE = HOSTILE | st.text(max_size=20) | st.integers() | st.none()
MESSAGE = HOSTILE | st.text(max_size=30)
NAMES = st.text(min_size=1, max_size=8) | st.sampled_from(
    ["level", "message", "event_type", "password", "exc_info", "self", "event_age_ms"]
)
METHODS = ["debug", "info", "warning", "error", "exception", "critical", "log"]


class Call:
    """One hostile logging call, made by :meth:`run` in whatever thread or task runs it."""

    def __init__(
        self, method: str, message: Any, fields: dict[str, Any], bound: dict[str, Any]
    ) -> None:
        self.method, self.message, self.fields, self.bound = method, message, fields, bound

    def run(self, correlation_id: str) -> None:
        message = _build(self.message)
        fields = {name: _build(value) for name, value in self.fields.items()}
        bound = {name: _build(value) for name, value in self.bound.items()}
        log = logging_config.get_logger("fuzz", service="fuzzed").bind(**bound)
        with logging_config.start_workflow(correlation_id):
            if self.method == "log":
                log.log(fields.pop("level", "INFO"), message, **fields)
            else:
                getattr(log, self.method)(message, **fields)

    def __repr__(self) -> str:
        return f"Call({self.method!r}, {self.message!r}, {self.fields!r}, bound={self.bound!r})"


CALLS = st.builds(
    Call,
    st.sampled_from(METHODS),
    MESSAGE,
    st.dictionaries(NAMES, VALUE, max_size=4),
    st.dictionaries(NAMES, VALUE, max_size=2),
)


def _run_everywhere(calls: list[Call]) -> list[str]:
    """Run each call directly, in a thread and in an asyncio task; the correlation IDs used."""
    expected: list[str] = []
    failures: list[BaseException] = []

    def guarded(call: Call, cid: str) -> None:
        try:
            call.run(cid)
        except BaseException as error:  # an exception into the caller is the failure we hunt
            failures.append(error)

    for index, call in enumerate(calls):
        cid = f"wf-direct-{index}"
        expected.append(cid)
        guarded(call, cid)
    threads = []
    for index, call in enumerate(calls):
        cid = f"wf-thread-{index}"
        expected.append(cid)
        threads.append(threading.Thread(target=guarded, args=(call, cid)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def tasks() -> None:
        async def one(call: Call, cid: str) -> None:
            await asyncio.sleep(0)
            guarded(call, cid)

        await asyncio.gather(*(one(call, f"wf-task-{index}") for index, call in enumerate(calls)))

    expected.extend(f"wf-task-{index}" for index in range(len(calls)))
    asyncio.run(tasks())
    assert failures == [], f"a logging call raised into its caller: {failures[0]!r}"
    return expected


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(calls=st.lists(CALLS, min_size=1, max_size=3))
def test_hostile_calls_never_raise_and_write_one_valid_line_each(calls: list[Call]) -> None:
    stream = io.BytesIO()
    logging_config.configure("svc", level="DEBUG", stream=stream, env={})
    expected = _run_everywhere(calls)
    raw = stream.getvalue()
    assert raw.endswith(b"\n")
    lines = raw.split(b"\n")[:-1]
    assert len(lines) == len(expected)  # exactly one line per call
    parsed = [orjson.loads(line) for line in lines]
    assert all(len(line) <= MAX_LINE_BYTES for line in lines)
    assert sorted(line["correlation_id"] for line in parsed) == sorted(expected)
    assert all(line["service"] == "fuzzed" for line in parsed)
