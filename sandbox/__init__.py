"""The sandbox: the catalog's system running on moto_server, with what moto lacks built here.

moto stores queues, buses, topics, logs, metrics and alarms, but cannot run Lambda, publishes no
AWS/* metrics and never evaluates alarms. The sandbox adds those, once, on a simulated clock:
handlers run in process with Lambda's semantics (:mod:`.function_runner`, :mod:`.sqs_poller`),
what AWS would publish is published (:mod:`.metrics_publisher`, :mod:`.queue_metrics`), and alarms
are evaluated by :class:`dashboards.alarm_eval_timeline.AlarmEvaluator` (:mod:`.alarms`). moto's
Logs Insights ignores ``filter`` and ``stats``: the server answers those queries with obskit's
engine, and keeps saved query definitions (:mod:`.insights_endpoint`).

Entry point: :class:`Sandbox` (``Sandbox.start(catalog)`` ... ``.stop()``, or a ``with`` block).
"""

from __future__ import annotations

from sandbox.errors import SandboxError
from sandbox.session import Sandbox

__all__ = ["Sandbox", "SandboxError"]
