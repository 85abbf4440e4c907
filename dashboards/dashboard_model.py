"""A dashboard: a name and its placed widgets, rendered to AWS's DashboardBody JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dashboards.layout import PlacedWidget


@dataclass(frozen=True)
class Dashboard:
    name: str
    widgets: tuple[PlacedWidget, ...]
    start: str = "-PT6H"

    def body(self) -> dict[str, Any]:
        """The DashboardBody object (what ``put_dashboard`` takes, as JSON)."""
        return {
            "periodOverride": "inherit",
            "start": self.start,
            "widgets": [
                {
                    "height": p.widget.height,
                    "properties": p.widget.properties(),
                    "type": p.widget.type,
                    "width": p.widget.width,
                    "x": p.x,
                    "y": p.y,
                }
                for p in self.widgets
            ],
        }

    def body_json(self) -> str:
        """Compact, key-sorted JSON: the same dashboard always yields the same bytes."""
        return json.dumps(self.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def metric_count(self) -> int:
        return sum(p.widget.metric_count for p in self.widgets)
