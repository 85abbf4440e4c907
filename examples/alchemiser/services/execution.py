"""execution: places the orders of a rebalance plan and publishes one ``TradeExecuted`` per order.

Reads an SQS FIFO queue fed by the rule on ``RebalancePlanned``: each record's body is the
EventBridge event. Records are handled one at a time, each in its own event context, and a record
that raises is reported in ``batchItemFailures`` so only it is retried (then dead-lettered after
maxReceiveCount). Dedupe is by the plan's ``event_id``, never by SQS MessageId. Its designed
failure: the broker rejects the plan's first order ("asset is not fractionable").
"""

from __future__ import annotations

from typing import Any

from logging_config import event_context, get_logger, inject_lambda_context
from services import faults, runtime, state
from services.common import detail_of, is_duplicate

SERVICE = "execution"
TRIGGER = "sqs"
TIMEOUT_S = 120
CONSUMES = ("RebalancePlanned",)
EMITS = ("TradeExecuted",)

#: Sample-day prices used to turn a notional into a quantity.
PRICES_USD: dict[str, float] = {
    "BIL": 91.5, "GLD": 240.0, "LEU": 210.0, "QQQ": 520.0, "SMR": 24.0, "SOXL": 31.0,
    "SPY": 600.0, "TMF": 40.0, "TQQQ": 80.0, "UPRO": 95.0,
}  # fmt: skip

runtime.name_process(SERVICE)
log = get_logger(__name__)
_processed = state.IdempotencyStore(SERVICE)


@inject_lambda_context(per_record=True)
@state.idempotent
def handler(record: dict[str, Any], context: Any) -> None:
    """Place every order of the plan in one SQS record (called once per record of the batch).

    ``per_record=True`` binds each record's IDs and turns a record that raises into an entry of
    ``batchItemFailures``, so SQS retries that record only.
    """
    with event_context(record) as ctx:
        detail = detail_of(ctx, SERVICE)
        event_id = str(detail.get("event_id"))
        if is_duplicate(_processed, event_id, log, message_id=record.get("messageId")):
            return
        fault = faults.before_work(SERVICE)
        orders = list(detail.get("orders") or [])
        log.info("Executing rebalance plan", order_count=len(orders))
        for index, order in enumerate(orders, start=1):
            status, reason = _place(order, reject=fault.fail and index == 1)
            trade = ctx.child_event(
                "TradeExecuted",
                {
                    **order,
                    "status": status,
                    "reason": reason,
                    "quantity": _quantity(order) if status == "filled" else 0,
                    "order_index": index,
                    "order_count": len(orders),
                    "workflow_started_at": detail.get("workflow_started_at"),
                },
            )
            runtime.publish(SERVICE, trade)


def _place(order: dict[str, Any], *, reject: bool) -> tuple[str, str | None]:
    if reject:
        reason = f"asset {order.get('symbol')} is not fractionable"
        log.error("Order rejected by broker", order_id=order.get("order_id"), reason=reason)
        return "rejected", reason
    log.info(
        "Order filled",
        order_id=order.get("order_id"),
        symbol=order.get("symbol"),
        side=order.get("side"),
        notional_usd=order.get("notional_usd"),
    )
    return "filled", None


def _quantity(order: dict[str, Any]) -> float:
    price = PRICES_USD.get(str(order.get("symbol")), 100.0)
    return round(float(order.get("notional_usd") or 0.0) / price, 4)
