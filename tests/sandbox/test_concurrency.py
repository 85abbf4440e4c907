"""Concurrency on the simulated clock: invocations overlap, execution environments are created
and reused as Lambda does, concurrency limits throttle, module state lives per environment, and
a FIFO queue's groups stay in order (sandbox.environments, sandbox.scheduler, sandbox.clock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from catalog import load_catalog
from sandbox.clock import SimClock
from sandbox.environments import Environments, check_limits
from sandbox.errors import SandboxError
from sandbox.function_runner import Invocation
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.scheduler import Deferred
from sandbox.session import Sandbox
from sandbox.sqs_poller import EventSourcePoller
from sandbox.transport import DELIVERY_STEP_S, delivery_time

WORKER = "strategy-worker"


def _points(box: Sandbox, name: str) -> list[tuple[dict[str, str], float]]:
    """Record every datapoint named ``name`` the sandbox publishes from now on."""
    seen: list[tuple[dict[str, str], float]] = []
    original = box.metrics.put

    def put(namespace: str, metric: str, dimensions: Any, value: float, **kw: Any) -> None:
        if metric == name:
            seen.append((dict(dimensions), value))
        original(namespace, metric, dimensions, value, **kw)

    box.metrics.put = put  # type: ignore[method-assign,assignment]
    return seen


def _runs(box: Sandbox, service: str) -> list[Invocation]:
    return [i for i in box.runner.invocations if i.service == service and not i.throttled]


def test_a_burst_overlaps_with_cold_starts_reuse_and_hops_of_seconds(
    sandbox: Sandbox,
) -> None:
    concurrent = _points(sandbox, "ConcurrentExecutions")
    hops = _points(sandbox, "HopLatency")
    counts = sandbox.run_workflows(20, spacing_s=0.0)
    assert counts.completed == 20
    workers = _runs(sandbox, WORKER)
    assert len(workers) == 80
    # invocations overlap: some worker starts before another one ended
    ordered = sorted(workers, key=lambda i: i.started)
    assert any(b.started < a.ended for a, b in zip(ordered, ordered[1:], strict=False))
    fn = str(sandbox.runner.service(WORKER).function_name)
    peak = max(v for d, v in concurrent if d == {"FunctionName": fn})
    assert peak > 1
    # several environments (cold starts), each reused for later invocations
    cold = sum(1 for i in workers if i.cold_start)
    environments = sandbox.runner.environments.of(WORKER)
    assert 1 < cold == len(environments) == sandbox.runner.environments.cold_starts[WORKER]
    assert cold < len(workers)
    assert len({e.log_stream for e in environments}) == cold
    # hop latencies are what AWS shows, not a wait behind every other invocation
    assert hops and max(v for _d, v in hops) < 3000.0


def test_reserved_concurrency_caps_environments_and_throttles_the_rest(sandbox: Sandbox) -> None:
    sandbox.runner.set_reserved_concurrency(WORKER, 2)
    counts = sandbox.run_workflows(5, spacing_s=0.0)
    assert counts.completed == 5  # throttled async events are retried with backoff
    assert len(sandbox.runner.environments.of(WORKER)) == 2
    assert sandbox.runner.stats[WORKER].throttles > 0
    workers = _runs(sandbox, WORKER)
    for run in workers:  # never more than two at once
        at_once = sum(1 for o in workers if o.started <= run.started < o.ended)
        assert at_once <= 2


def test_fifo_consumer_with_reservation_one_runs_batches_in_order_one_at_a_time(
    sandbox: Sandbox,
) -> None:
    sandbox.run_workflows(5, spacing_s=0.0)
    batches = _runs(sandbox, "execution")
    assert len(batches) == 5
    for first, second in zip(batches, batches[1:], strict=False):
        assert second.started >= first.ended  # one message group, one batch at a time
    handled = [
        json.loads(r["body"])["detail"]["event_id"] for b in batches for r in b.event["Records"]
    ]
    sent = [e for e in sandbox.transport.published if e.detail_type == "RebalancePlanned"]
    assert handled == [e.detail["event_id"] for e in sorted(sent, key=lambda e: e.at)]


@pytest.fixture
def isolated(aws_endpoint: str) -> Iterator[Sandbox]:
    with Sandbox.start(None, endpoint_url=aws_endpoint, seed=0, isolate_modules=True) as box:
        yield box


def test_each_environment_imports_the_handler_afresh_with_the_hooks_wired(
    isolated: Sandbox,
) -> None:
    isolated.inject_fault("portfolio", "slow:0.01")
    isolated.run_workflows(3, spacing_s=0.0)
    environments = isolated.runner.environments.of(WORKER)
    assert len(environments) > 1
    handlers = {id(e.modules["services.strategy_worker"]) for e in environments}
    assert len(handlers) == len(environments)  # module-level state per environment
    for env in environments:
        assert env.modules["services.runtime"].current_transport() is isolated.transport
        assert env.modules["services.faults"].current("portfolio").slow_s == 0.01
    isolated.clear_faults()
    assert all(e.modules["services.faults"].current("portfolio").slow_s == 0 for e in environments)


def test_the_account_pool_keeps_unreserved_concurrency_and_refuses_overcommitment() -> None:
    pool = Environments(account_limit=3)
    reservations: dict[str, int | None] = {"a": None, "b": None}
    assert pool.can_run("a", reservations, 0.0)
    catalog = load_catalog(None)
    with pytest.raises(SandboxError, match="leaving less than 3 of the account's 3 unreserved"):
        check_limits(catalog.services, 3)


def test_an_invocation_runs_on_its_own_timeline() -> None:
    clock = SimClock(100.0)
    with clock.local_timeline(100.0):
        clock.advance(30.0)
        assert clock.now() == 130.0 and clock.scheduler_now() == 100.0
    assert clock.now() == 100.0 and not clock.in_invocation
    with pytest.raises(ValueError, match="before the scheduler"), clock.local_timeline(99.0):
        pass


def test_held_actions_run_in_time_then_sequence_order() -> None:
    deferred, ran = Deferred(), []
    deferred.at(2.0, lambda: ran.append("late"))
    deferred.at(1.0, lambda: ran.append("first"))
    deferred.at(1.0, lambda: ran.append("second"))
    assert deferred.run_due(1.5) == 2 and ran == ["first", "second"]
    assert deferred.next_due() == 2.0
    assert delivery_time(10.01) == 10.0 + DELIVERY_STEP_S


def test_a_send_is_never_delivered_at_the_moment_it_was_sent() -> None:
    """A send on a step's exact moment (a warm invocation started on a whole minute) arrives a
    step later, not at once: otherwise a chain of warm invocations takes no time and the
    workflow's duration reads 0 (regression: every run after the first recorded 0 s)."""
    for sent in (10.0, 10.5, 220.0, 10.01, 10.49999, 1796288220.0):
        assert sent < delivery_time(sent) <= sent + DELIVERY_STEP_S


def test_concurrent_executions_counts_what_runs_at_once(sandbox: Sandbox) -> None:
    assert isinstance(sandbox.metrics, MetricsPublisher)
    concurrent = _points(sandbox, "ConcurrentExecutions")
    sandbox.run_workflows(1)
    fn = str(sandbox.runner.service(WORKER).function_name)
    worker_points = [v for d, v in concurrent if d == {"FunctionName": fn}]
    assert len(worker_points) == 4 and max(worker_points) == 4  # four strategies at once


def test_an_sqs_mapping_scales_from_five_batches_by_300_a_minute_up_to_1000() -> None:
    poller = EventSourcePoller.__new__(EventSourcePoller)
    poller.queue = SimpleNamespace(fifo=False)  # type: ignore[assignment]
    poller._active_since = None
    assert poller.max_batches(0.0) == 5
    poller._active_since = 0.0
    assert [poller.max_batches(t) for t in (0.0, 30.0, 60.0, 600.0)] == [5, 155, 305, 1000]
    poller.queue = SimpleNamespace(fifo=True)  # type: ignore[assignment]
    assert poller.max_batches(0.0) == 1000  # a FIFO queue: bounded by its message groups
