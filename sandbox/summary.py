"""What a sandbox run amounts to, as data and as rich tables (the demo and ``sandbox run`` print it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table

if TYPE_CHECKING:
    from sandbox.queue_metrics import QueueDepth
    from sandbox.session import WorkflowCounts

STATE_STYLES = {"OK": "green", "ALARM": "bold red", "INSUFFICIENT_DATA": "yellow"}


@dataclass(frozen=True)
class ServiceLine:
    service: str
    invocations: int
    errors: int
    throttles: int


@dataclass(frozen=True)
class Summary:
    now: datetime
    workflows: WorkflowCounts
    services: list[ServiceLine]
    queues: dict[str, QueueDepth]
    alarms: dict[str, str]
    notifications: int
    dlqs: frozenset[str] = frozenset()
    """Dead-letter queues: shown in red when they hold messages."""

    def alarm_counts(self) -> dict[str, int]:
        counts = {"OK": 0, "ALARM": 0, "INSUFFICIENT_DATA": 0}
        for state in self.alarms.values():
            counts[state] = counts.get(state, 0) + 1
        return counts

    def render(self) -> Group:
        flows = Table(title=f"Workflows (simulated time {self.now:%Y-%m-%d %H:%M:%S} UTC)")
        for column in ("started", "completed", "failed"):
            flows.add_column(column, justify="right")
        flows.add_row(
            str(self.workflows.started), str(self.workflows.completed), str(self.workflows.failed)
        )
        services = Table(title="Functions")
        services.add_column("service")
        for column in ("invocations", "errors", "throttles"):
            services.add_column(column, justify="right")
        for line in self.services:
            style = "red" if line.errors or line.throttles else None
            services.add_row(
                line.service,
                str(line.invocations),
                str(line.errors),
                str(line.throttles),
                style=style,
            )
        queues = Table(title="Queues")
        queues.add_column("queue")
        queues.add_column("visible", justify="right")
        queues.add_column("in flight", justify="right")
        for name, depth in sorted(self.queues.items()):
            style = "red" if depth.visible and name in self.dlqs else None
            queues.add_row(name, str(depth.visible), str(depth.not_visible), style=style)
        counts = self.alarm_counts()
        alarms = Table(
            title=(
                f"Alarms: {counts['OK']} OK, {counts['ALARM']} ALARM, "
                f"{counts['INSUFFICIENT_DATA']} INSUFFICIENT_DATA; "
                f"{self.notifications} notifications sent"
            )
        )
        alarms.add_column("alarm")
        alarms.add_column("state")
        for name, state in sorted(self.alarms.items()):
            style = STATE_STYLES.get(state, "")
            alarms.add_row(name, f"[{style}]{state}[/{style}]")
        return Group(flows, services, queues, alarms)
