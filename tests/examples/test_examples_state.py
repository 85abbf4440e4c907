"""Cross-invocation state shared by execution environments: DynamoDB on a moto_server.

On Lambda each execution environment is a process of its own, and several run at once. Here an
"environment" is the handler module imported afresh (its own module object, its own globals),
and invocations of two environments are interleaved by running one inside the other (at the
moment a write of the first returns, the second runs whole). With the state table both still
produce exactly one ``SignalGenerated`` / ``AllTradesCompleted`` and absorb duplicates delivered
to the other environment; with memory per environment (the old design) the fan-in emits zero or
two, which the contrast tests show.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import boto3
import pytest
from services import local_router, runtime, state
from services.common import DUPLICATE_MESSAGE
from services.state_memory import MemoryBackend, Parts

SERVICES_DIR = local_router.__file__.rsplit("/", 1)[0]
CORRELATION = "workflow-race-1"


class Recorder:
    """A transport that keeps what is published (and can run something in the middle)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
        self.events.append(detail)

    def invoke_async(self, *, function_name: str, payload: dict[str, Any]) -> None:
        pass

    def notify(self, *, topic: str, subject: str, message: dict[str, Any]) -> None:
        pass

    def of(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event_type"] == event_type]


@pytest.fixture
def sent() -> Iterator[Recorder]:
    recorder = Recorder()
    runtime.set_transport(recorder)
    yield recorder
    runtime.set_transport(None)


@pytest.fixture
def table(aws_endpoint: str) -> Iterator[Any]:
    """The package's state table on a clean moto_server, and the package using it."""
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    (spec,) = state.tables()
    client.create_table(
        TableName=spec["name"],
        AttributeDefinitions=[{"AttributeName": spec["key"], "AttributeType": "S"}],
        KeySchema=[{"AttributeName": spec["key"], "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    state.set_client(client)
    yield client
    state.set_client(None)


def environment(module: str) -> ModuleType:
    """A fresh execution environment of ``services.<module>``: its own module object."""
    spec = importlib.util.spec_from_file_location(
        f"services._env_{uuid.uuid4().hex}_{module}", f"{SERVICES_DIR}/{module}.py"
    )
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def _context(service: str) -> local_router.LambdaContext:
    return local_router.LambdaContext(f"alchemiser-dev-{service}", uuid.uuid4().hex, 60)


def _event(event_type: str, payload: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    detail = {
        "event_id": event_id or uuid.uuid4().hex,
        "event_type": event_type,
        "correlation_id": CORRELATION,
        "causation_id": CORRELATION,
        "timestamp": "2026-01-05T14:00:00.000Z",
        "schema_version": "1.0",
        **payload,
    }
    return {"detail-type": event_type, "source": "alchemiser.test", "detail": detail}


def _partial(strategy: str, total: int = 2, event_id: str | None = None) -> dict[str, Any]:
    payload = {"strategy": strategy, "total_strategies": total, "allocations": {strategy: 1.0}}
    return _event("PartialSignalGenerated", payload, event_id)


def _trade(order_id: str, total: int = 2, event_id: str | None = None) -> dict[str, Any]:
    payload = {
        "order_id": order_id,
        "order_count": total,
        "status": "filled",
        "symbol": "SPY",
        "notional_usd": 100.0,
    }
    return _event("TradeExecuted", payload, event_id)


FanInCase = tuple[str, str, str, Callable[..., dict[str, Any]]]
FAN_INS: list[FanInCase] = [
    ("signal_aggregator", "signal-aggregator", "SignalGenerated", _partial),
    ("trade_aggregator", "trade-aggregator", "AllTradesCompleted", _trade),
]


def _invoke(env: ModuleType, event: dict[str, Any]) -> Any:
    return env.handler(event, _context(env.SERVICE))


@contextmanager
def own_memory(env: ModuleType, backend: MemoryBackend) -> Iterator[None]:
    """The old design: state in the environment's own memory (what one process would see)."""
    saved = state.backend
    state.backend = lambda: backend  # type: ignore[assignment]
    try:
        yield
    finally:
        state.backend = saved  # type: ignore[assignment]


@pytest.mark.parametrize(("module", "service", "emitted", "make"), FAN_INS)
def test_parts_split_across_two_environments_complete_once(
    table: Any, sent: Recorder, module: str, service: str, emitted: str, make: Any
) -> None:
    first, second = environment(module), environment(module)
    assert first is not second
    assert _invoke(first, make("a"))["status"] == "waiting"
    assert _invoke(second, make("b"))["status"] in ("aggregated", emitted)
    (done,) = sent.of(emitted)
    assert done["correlation_id"] == CORRELATION


@pytest.mark.parametrize(("module", "service", "emitted", "make"), FAN_INS)
def test_contrast_memory_per_environment_never_completes_a_split_set(
    sent: Recorder, module: str, service: str, emitted: str, make: Any
) -> None:
    first, second = environment(module), environment(module)
    with own_memory(first, MemoryBackend()):
        _invoke(first, make("a"))
    with own_memory(second, MemoryBackend()):
        _invoke(second, make("b"))
    assert sent.of(emitted) == []  # each environment saw half the set


@pytest.mark.parametrize(("module", "service", "emitted", "make"), FAN_INS)
def test_duplicates_delivered_to_another_environment_are_absorbed(
    table: Any,
    sent: Recorder,
    capture_logs: Any,
    module: str,
    service: str,
    emitted: str,
    make: Any,
) -> None:
    first, second = environment(module), environment(module)
    events = [make("a"), make("b")]
    for event in events:
        _invoke(first, event)
    for event in events:  # EventBridge delivers at least once: the copies reach another environment
        assert _invoke(second, event) == {"status": "duplicate"}
    assert len(sent.of(emitted)) == 1
    duplicates = [line for line in capture_logs if line.get("message") == DUPLICATE_MESSAGE]
    assert len(duplicates) == 2


@pytest.mark.parametrize(("module", "service", "emitted", "make"), FAN_INS)
def test_contrast_memory_per_environment_completes_twice_on_duplicates(
    sent: Recorder, module: str, service: str, emitted: str, make: Any
) -> None:
    first, second = environment(module), environment(module)
    events = [make("a"), make("b")]
    for env in (first, second):
        with own_memory(env, MemoryBackend()):
            for event in events:
                _invoke(env, event)
    assert len(sent.of(emitted)) == 2


class Interleave:
    """Wraps the store: after the first ``add_part`` of the watched member returns, runs ``then``."""

    def __init__(self, inner: Any, member: str, then: Callable[[], None]) -> None:
        self.inner, self.member, self.then = inner, member, then
        self.closes: list[bool] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def add_part(self, pk: str, member: str, value: str, now: float) -> Any:
        parts = self.inner.add_part(pk, member, value, now)
        if member == self.member and self.then is not None:
            run, self.then = self.then, None  # type: ignore[assignment]
            run()
        return parts

    def close(self, pk: str, token: str) -> bool:
        won = bool(self.inner.close(pk, token))
        self.closes.append(won)
        return won


@pytest.mark.parametrize(("module", "service", "emitted", "make"), FAN_INS)
def test_two_environments_that_both_see_the_set_complete_emit_once(
    table: Any,
    sent: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    service: str,
    emitted: str,
    make: Any,
) -> None:
    """Both read the full set, then both write: the conditional close lets one through.

    The last part comes twice under two event IDs (a retried producer re-sends it), to two
    environments at once: each one's write returns the complete set before either closes it.
    """
    first, second = environment(module), environment(module)
    _invoke(first, make("a"))
    real = state.backend()
    watched = Interleave(real, "b", lambda: _invoke(second, make("b")))
    monkeypatch.setattr(state, "backend", lambda: watched)
    result = _invoke(first, make("b"))
    assert sorted(watched.closes) == [False, True]
    assert result["status"] == "late"
    assert len(sent.of(emitted)) == 1


def test_a_duplicate_arriving_while_the_first_copy_is_in_progress_is_absorbed(
    table: Any, monkeypatch: pytest.MonkeyPatch, capture_logs: Any
) -> None:
    """Claim, then confirm: the copy finds the claim even before the first copy succeeded."""
    first, second = environment("portfolio"), environment("portfolio")
    signal = _event("SignalGenerated", {"allocations": {"SPY": 1.0}})
    results: list[Any] = []

    class Midway(Recorder):
        def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
            if not results:  # the first copy is publishing: the second copy arrives elsewhere
                results.append(_invoke(second, signal))
            super().put_event(source=source, detail_type=detail_type, detail=detail)

    recorder = Midway()
    runtime.set_transport(recorder)
    try:
        assert _invoke(first, signal)["status"] == "planned"
    finally:
        runtime.set_transport(None)
    assert results == [{"status": "duplicate"}]
    assert len(recorder.of("RebalancePlanned")) == 1


def test_a_crash_releases_the_claim_so_the_retry_in_another_environment_works(
    table: Any, sent: Recorder
) -> None:
    from services import faults

    first, second = environment("portfolio"), environment("portfolio")
    signal = _event("SignalGenerated", {"allocations": {"SPY": 1.0}})
    faults.set_fault("portfolio", "crash")
    with pytest.raises(faults.InjectedFault):
        _invoke(first, signal)
    faults.clear_faults()
    assert _invoke(second, signal)["status"] == "planned"
    assert len(sent.of("RebalancePlanned")) == 1


def test_a_claim_left_by_a_timed_out_invocation_lapses_at_its_deadline(table: Any) -> None:
    store = state.backend()
    assert store.claim("svc#event#e1", now=1000.0, until=1060.0)
    assert not store.claim("svc#event#e1", now=1059.0, until=1119.0)  # still running elsewhere
    assert store.claim("svc#event#e1", now=1061.0, until=1121.0)  # its invocation is gone
    store.confirm("svc#event#e1", now=1070.0)
    assert not store.claim("svc#event#e1", now=10_000_000.0, until=10_000_060.0)


def test_reset_all_empties_the_table(table: Any, sent: Recorder) -> None:
    _invoke(environment("signal_aggregator"), _partial("a"))  # a fan-in
    _invoke(environment("portfolio"), _event("SignalGenerated", {"allocations": {"SPY": 1.0}}))
    assert table.scan(TableName=state.table_name())["Count"] == 2  # and a claim
    state.reset_all()
    assert table.scan(TableName=state.table_name())["Count"] == 0


def test_without_a_table_the_store_is_in_memory_with_the_same_semantics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(state.TABLE_ENV, raising=False)
    state.set_client(None)
    store = state.backend()
    assert isinstance(store, MemoryBackend)
    assert store.claim("k", now=0.0, until=10.0) and not store.claim("k", now=5.0, until=15.0)
    assert store.add_part("f", "a", "1", now=0.0) == Parts({"a": "1"}, added=True, completed=False)
    assert store.add_part("f", "a", "9", now=0.0) == Parts({"a": "1"}, added=False, completed=False)
    assert store.close("f", "t1") and not store.close("f", "t2")
    late = store.add_part("f", "b", "2", now=0.0)
    assert late == Parts({"a": "1"}, added=False, completed=True)


@pytest.mark.parametrize(("module", "service", "emitted", "make"), FAN_INS)
def test_a_retry_after_a_failed_publish_completes_the_fan_in(
    table: Any, module: str, service: str, emitted: str, make: Any
) -> None:
    """The close is undone when the fan-in event cannot be published, so the retry closes it."""

    class Refusing(Recorder):
        refuse = True

        def put_event(self, *, source: str, detail_type: str, detail: dict[str, Any]) -> None:
            if self.refuse:
                raise runtime.PublishError("PutEvents refused")
            super().put_event(source=source, detail_type=detail_type, detail=detail)

    recorder = Refusing()
    runtime.set_transport(recorder)
    try:
        env = environment(module)
        last = make("b")
        recorder.refuse = False
        _invoke(env, make("a"))
        recorder.refuse = True
        with pytest.raises(runtime.PublishError):
            _invoke(env, last)
        recorder.refuse = False
        _invoke(environment(module), last)  # Lambda's retry, in another environment
        assert len(recorder.of(emitted)) == 1
        assert _invoke(env, last) == {"status": "duplicate"}
    finally:
        runtime.set_transport(None)


def test_a_missing_table_is_one_line_naming_it(aws_endpoint: str) -> None:
    from services.state_dynamodb import DynamoBackend, StateTableError

    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    store = DynamoBackend(client, "no-such-table")
    with pytest.raises(StateTableError, match="state table 'no-such-table': put_item failed"):
        store.claim("k", now=0.0, until=1.0)
