"""signal-aggregator: collects every strategy's partial signal and publishes one consolidated signal.

The fan-in: it keeps the partials of each correlation ID in the shared state table and, when the
last expected strategy arrives, publishes ``SignalGenerated`` — whose causation ID is therefore the
event ID of the partial that completed the set. Several execution environments may hold partials
of one workflow at once: recording a partial returns every partial recorded so far (one atomic
write), and closing the set is a conditional write only one invocation wins, so exactly one
``SignalGenerated`` is published (:mod:`services.state`). Each strategy carries an equal share of
the portfolio.
"""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from services import faults, runtime, state
from services.common import DUPLICATE_MESSAGE, detail_of, required_count, required_text

SERVICE = "signal-aggregator"
TRIGGER = "eventbridge"
TIMEOUT_S = 60
CONSUMES = ("PartialSignalGenerated",)
EMITS = ("SignalGenerated",)

runtime.name_process(SERVICE)
log = get_logger(__name__)
_partials = state.FanIn(SERVICE)


@inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record one partial signal; publish the consolidated signal when the set is complete."""
    with event_context(event) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        strategy = required_text(detail, "strategy", SERVICE)
        expected = required_count(detail, "total_strategies", SERVICE)
        fault = faults.before_work(SERVICE)
        if fault.fail:
            log.error("Signal aggregation failed", strategy=strategy, reason="fault switch: fail")
            raise faults.InjectedFault(f"{SERVICE}: failure injected by its fault switch")
        correlation_id = str(detail.get("correlation_id"))
        allocations = dict(detail.get("allocations") or {})
        recorded = _partials.add(correlation_id, strategy, allocations, event_id)
        copy = recorded.is_copy(strategy, event_id)
        partials = recorded.parts
        if recorded.added:
            log.info(
                "Partial signal recorded",
                strategy=strategy,
                received=len(partials),
                expected=expected,
            )
        # Whoever finds the set complete and open tries to close it (the invocation that
        # completed it, or a retry of one that failed before publishing); one of them wins.
        if (
            recorded.completed
            or len(partials) < expected
            or not _partials.close(correlation_id, event_id)
        ):
            return _not_closing(recorded, copy, strategy, event_id, expected)
        merged = _consolidate(partials)
        signal = ctx.child_event(
            "SignalGenerated",
            {
                "strategies": sorted(partials),
                "allocations": merged,
                "workflow_started_at": detail.get("workflow_started_at"),
            },
        )
        try:
            runtime.publish(SERVICE, signal)
        except Exception:
            _partials.reopen(correlation_id, event_id)
            raise
        log.info("All strategy signals aggregated", strategies=len(partials), symbols=len(merged))
    return {"status": "aggregated"}


def _not_closing(
    recorded: state.Recorded, copy: bool, strategy: str, event_id: str, expected: int
) -> dict[str, Any]:
    """Log why this partial publishes nothing, and say so."""
    received = len(recorded.parts)
    if copy:
        log.warning(DUPLICATE_MESSAGE, dedupe_key=event_id, strategy=strategy)
        return {"status": "duplicate"}
    if recorded.completed or received >= expected:
        log.warning("Partial signal arrived after its aggregation completed", strategy=strategy)
        return {"status": "late"}
    if not recorded.added:
        log.warning("Partial signal of this strategy already recorded", strategy=strategy)
    return {"status": "waiting", "received": received, "expected": expected}


def _consolidate(partials: dict[str, dict[str, float]]) -> dict[str, float]:
    share = 1.0 / len(partials)
    merged: dict[str, float] = {}
    for strategy in sorted(partials):
        for symbol, weight in partials[strategy].items():
            merged[symbol] = merged.get(symbol, 0.0) + weight * share
    return {symbol: round(merged[symbol], 6) for symbol in sorted(merged)}
