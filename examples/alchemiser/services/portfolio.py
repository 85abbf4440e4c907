"""portfolio: turns the consolidated signal into a rebalance plan (one order per position to move).

Compares the target weights with what the account holds and plans sells first (they free the cash
the buys need), each order at least ``MIN_TRADE_USD``. Its designed failure — the risk check
refusing the plan — ends the workflow with ``WorkflowFailed``.
"""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from services import faults, runtime, state
from services.common import detail_of, is_duplicate

SERVICE = "portfolio"
TRIGGER = "eventbridge"
TIMEOUT_S = 120
CONSUMES = ("SignalGenerated",)
EMITS = ("RebalancePlanned", "WorkflowFailed")

PORTFOLIO_VALUE_USD = 100_000.0
MIN_TRADE_USD = 50.0
#: What the account holds before the run (USD notional per symbol).
HOLDINGS_USD: dict[str, float] = {"SPY": 30_000.0, "BIL": 25_000.0, "QQQ": 10_000.0}

runtime.name_process(SERVICE)
log = get_logger(__name__)
_processed = state.IdempotencyStore(SERVICE)


@inject_lambda_context
@state.idempotent
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Plan the rebalance for a ``SignalGenerated`` (or fail the workflow if the plan is refused)."""
    with event_context(event) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        if is_duplicate(_processed, event_id, log):
            return {"status": "duplicate"}
        fault = faults.before_work(SERVICE)
        started_at = detail.get("workflow_started_at")
        if fault.fail:
            reason = "Risk check refused the plan: fault switch: fail"
            log.error("Portfolio analysis failed", reason=reason)
            failed = ctx.child_event(
                "WorkflowFailed",
                {"failed_step": SERVICE, "reason": reason, "workflow_started_at": started_at},
            )
            runtime.publish(SERVICE, failed)
            return {"status": "failed"}
        orders = plan_orders(dict(detail.get("allocations") or {}))
        planned = ctx.child_event(
            "RebalancePlanned",
            {
                "orders": orders,
                "order_count": len(orders),
                "portfolio_value_usd": PORTFOLIO_VALUE_USD,
                "workflow_started_at": started_at,
            },
        )
        runtime.publish(SERVICE, planned)
        log.info(
            "Rebalance planned",
            order_count=len(orders),
            sells=sum(o["side"] == "sell" for o in orders),
            buys=sum(o["side"] == "buy" for o in orders),
        )
    return {"status": "planned", "orders": len(orders)}


def plan_orders(allocations: dict[str, float]) -> list[dict[str, Any]]:
    """Orders that move ``HOLDINGS_USD`` to ``allocations`` of the portfolio: sells, then buys."""
    symbols = sorted(set(allocations) | set(HOLDINGS_USD))
    moves = []
    for symbol in symbols:
        target = round(allocations.get(symbol, 0.0) * PORTFOLIO_VALUE_USD, 2)
        delta = round(target - HOLDINGS_USD.get(symbol, 0.0), 2)
        if abs(delta) >= MIN_TRADE_USD:
            moves.append((0 if delta < 0 else 1, symbol, delta))
    orders = []
    for number, (_order, symbol, delta) in enumerate(sorted(moves), start=1):
        orders.append(
            {
                "order_id": f"ord-{number:03d}",
                "symbol": symbol,
                "side": "sell" if delta < 0 else "buy",
                "notional_usd": abs(delta),
            }
        )
    return orders
