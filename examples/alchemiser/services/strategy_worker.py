"""strategy-worker: evaluates one strategy and publishes its partial signal.

Invoked asynchronously by strategy-orchestrator, once per strategy, with the ``WorkflowStarted``
detail plus ``strategy`` and ``strategy_number``. All workers of a run share the started event's
ID, so the dedupe key is that ID *and* the strategy name.
"""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from services import faults, runtime, state
from services.common import is_duplicate

SERVICE = "strategy-worker"
TRIGGER = "direct"
TIMEOUT_S = 300
CONSUMES = ("WorkflowStarted",)
EMITS = ("PartialSignalGenerated",)

#: Each strategy's target weights (what evaluating its DSL file yields on the sample day).
BOOKS: dict[str, dict[str, float]] = {
    "nuclear_feaver": {"SMR": 0.4, "LEU": 0.3, "BIL": 0.3},
    "beam_chain": {"TQQQ": 0.5, "SOXL": 0.2, "BIL": 0.3},
    "beefier_3x": {"UPRO": 0.6, "TMF": 0.4},
    "chicken_rice": {"SPY": 0.7, "GLD": 0.3},
}

runtime.name_process(SERVICE)
log = get_logger(__name__)
_processed = state.IdempotencyStore(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Evaluate ``event['strategy']`` and publish a ``PartialSignalGenerated``."""
    with event_context(event) as ctx:
        strategy = event.get("strategy")
        if strategy not in BOOKS:
            raise ValueError(f"{SERVICE}: unknown strategy {strategy!r}; known: {sorted(BOOKS)}")
        key = f"{event.get('event_id')}:{strategy}"
        if is_duplicate(_processed, key, log, strategy=strategy):
            return {"status": "duplicate"}
        fault = faults.before_work(SERVICE)
        log.info("Evaluating strategy", strategy=strategy, dsl_file=f"{strategy}.clj")
        if fault.fail:
            log.error("Strategy evaluation failed", strategy=strategy, reason="fault switch: fail")
            raise faults.InjectedFault(f"{SERVICE}: failure injected by its fault switch")
        allocations = _evaluate(strategy)
        partial = ctx.child_event(
            "PartialSignalGenerated",
            {
                "strategy": strategy,
                "strategy_number": event.get("strategy_number"),
                "total_strategies": event.get("total_strategies"),
                "allocations": allocations,
                "workflow_started_at": event.get("workflow_started_at"),
            },
        )
        runtime.publish(SERVICE, partial)
        log.info("Partial signal published", strategy=strategy, symbols=len(allocations))
    return {"status": "published", "strategy": strategy}


def _evaluate(strategy: str) -> dict[str, float]:
    book = BOOKS[strategy]
    for symbol, weight in book.items():
        # The real workers log every DSL step at DEBUG: buffered, and only written on an error.
        log.debug("dispatching_dsl_function", function="weight-equal", symbol=symbol)
        log.debug("Computed indicator", symbol=symbol, indicator="rsi", window=10, weight=weight)
    return dict(book)
