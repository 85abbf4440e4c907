"""The Alchemiser's Lambda services, small but shaped like the real ones.

One module per service, each with a Lambda-shaped ``handler(event, context)`` and four constants the
in-process router and the catalog tests read: ``SERVICE`` (the catalog name), ``TRIGGER``
(schedule, direct, eventbridge or sqs), ``CONSUMES`` and ``EMITS`` (event types).

The flow of one ``trading`` workflow::

    strategy-orchestrator --WorkflowStarted--> strategy-worker x N (direct async invokes: fan-out)
    strategy-worker --PartialSignalGenerated--> signal-aggregator (fan-in)
    signal-aggregator --SignalGenerated--> portfolio --RebalancePlanned--> execution (SQS FIFO)
    execution --TradeExecuted x orders--> trade-aggregator (fan-in)
    trade-aggregator --AllTradesCompleted | WorkflowFailed--> notifications --WorkflowCompleted-->
    metrics (EMF business metrics; it also counts WorkflowFailed)

Supporting modules: ``runtime`` (publishing and invoking through a pluggable transport, and the
service name of the process), ``faults`` (the per-service fail / crash / slow / duplicate
switches), ``state`` (idempotency claims and fan-in parts, in a DynamoDB table every execution
environment shares), ``common`` (the shared
handler helpers), ``local_router`` (runs the whole flow in one process).

The services never call ``logging_config.configure``: a deployed function is named by
``OBSKIT_SERVICE`` (or, failing that, by ``runtime.name_process`` at import), and in one process
``runtime.as_service`` names each handler's lines while it runs.
"""

from __future__ import annotations

#: catalog service name -> module under ``services`` (the catalog's ``handler: services.<module>``)
SERVICE_MODULES: dict[str, str] = {
    "strategy-orchestrator": "strategy_orchestrator",
    "strategy-worker": "strategy_worker",
    "signal-aggregator": "signal_aggregator",
    "portfolio": "portfolio",
    "execution": "execution",
    "trade-aggregator": "trade_aggregator",
    "notifications": "notifications",
    "metrics": "metrics",
}
