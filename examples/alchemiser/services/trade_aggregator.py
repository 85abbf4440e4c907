"""trade-aggregator: waits for every order of a plan, then closes the trading step.

The second fan-in: it keeps each correlation's trades by ``order_id`` (a retried execution may
re-send an order under a new event ID) in the shared state table and, when all ``order_count``
orders are in, publishes ``AllTradesCompleted`` — or ``WorkflowFailed`` if any order was
rejected — caused by the trade that completed the set. Closing the plan is a conditional write
only one invocation wins, however many execution environments saw the set complete
(:mod:`services.state`). Its designed failure (fault switch ``fail``): the reconciliation with the
broker fails, which also ends the workflow with ``WorkflowFailed``.
"""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from services import faults, runtime, state
from services.common import DUPLICATE_MESSAGE, detail_of, required_count, required_text

SERVICE = "trade-aggregator"
TRIGGER = "eventbridge"
TIMEOUT_S = 60
CONSUMES = ("TradeExecuted",)
EMITS = ("AllTradesCompleted", "WorkflowFailed")

runtime.name_process(SERVICE)
log = get_logger(__name__)
_trades = state.FanIn(SERVICE)


@inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Record one executed trade; close the step when the plan's last order is in."""
    with event_context(event) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        order_id = required_text(detail, "order_id", SERVICE)
        expected = required_count(detail, "order_count", SERVICE)
        fault = faults.before_work(SERVICE)
        correlation_id = str(detail.get("correlation_id"))
        trade = {
            "status": detail.get("status"),
            "symbol": detail.get("symbol"),
            "notional_usd": detail.get("notional_usd"),
            "reason": detail.get("reason"),
        }
        recorded = _trades.add(correlation_id, order_id, trade, event_id)
        trades = recorded.parts
        if recorded.added:
            log.info("Trade recorded", order_id=order_id, received=len(trades), expected=expected)
        # Whoever finds the plan complete and open tries to close it; one of them wins.
        if (
            recorded.completed
            or len(trades) < expected
            or not _trades.close(correlation_id, event_id)
        ):
            return _not_closing(recorded, order_id, event_id, expected)
        try:
            outcome = _close(ctx, trades, detail.get("workflow_started_at"), fail=fault.fail)
            runtime.publish(SERVICE, outcome)
        except Exception:
            _trades.reopen(correlation_id, event_id)
            raise
    return {"status": outcome["event_type"]}


def _not_closing(
    recorded: state.Recorded, order_id: str, event_id: str, expected: int
) -> dict[str, Any]:
    """Log why this trade publishes nothing, and say so."""
    received = len(recorded.parts)
    if recorded.is_copy(order_id, event_id):
        log.warning(DUPLICATE_MESSAGE, dedupe_key=event_id, order_id=order_id)
        return {"status": "duplicate"}
    if recorded.completed or received >= expected:
        log.warning("Trade arrived after its plan was closed", order_id=order_id)
        return {"status": "late"}
    if not recorded.added:
        log.warning("Trade of this order already recorded", order_id=order_id)
    return {"status": "waiting", "received": received, "expected": expected}


def _close(
    ctx: Any, trades: dict[str, dict[str, Any]], started_at: Any, *, fail: bool
) -> dict[str, Any]:
    filled = sorted(order for order, t in trades.items() if t["status"] == "filled")
    rejected = sorted(order for order, t in trades.items() if t["status"] != "filled")
    if rejected or fail:
        reason = (
            f"{len(rejected)} of {len(trades)} orders rejected"
            if rejected
            else "Trade reconciliation failed: fault switch: fail"
        )
        log.error("Trading step failed", reason=reason, rejected_orders=rejected)
        return dict(
            ctx.child_event(
                "WorkflowFailed",
                {
                    "failed_step": "execution" if rejected else SERVICE,
                    "reason": reason,
                    "rejected_orders": rejected,
                    "trades_executed": len(filled),
                    "workflow_started_at": started_at,
                },
            )
        )
    notional = round(sum(float(trades[o]["notional_usd"] or 0.0) for o in filled), 2)
    log.info("All trades completed", trades_executed=len(filled), notional_usd=notional)
    return dict(
        ctx.child_event(
            "AllTradesCompleted",
            {
                "trades_executed": len(filled),
                "notional_usd": notional,
                "workflow_started_at": started_at,
            },
        )
    )
