"""The layout engine: flows widgets onto the 24-column grid, one section after another.

Widgets of a section go left to right and wrap when the next one would pass column 24; every
section starts on a fresh row so a service's graphs never share a row with the next service's.
Positions are computed, never written by hand, so a dashboard cannot overlap or leave the grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dashboards.widgets import GRID_COLUMNS, Widget


@dataclass(frozen=True)
class Section:
    """A titled group of widgets that starts on its own row (e.g. one service)."""

    title: str
    widgets: tuple[Widget, ...]

    @property
    def metric_count(self) -> int:
        return sum(w.metric_count for w in self.widgets)


@dataclass(frozen=True)
class PlacedWidget:
    widget: Widget
    x: int
    y: int


def layout(sections: Sequence[Section]) -> list[PlacedWidget]:
    """Place every widget; a widget wider than the grid is placed at x 0 (the validator reports it)."""
    placed: list[PlacedWidget] = []
    y = 0
    for section in sections:
        x = 0
        row_height = 0
        for widget in section.widgets:
            if x > 0 and x + widget.width > GRID_COLUMNS:
                y += row_height
                x = 0
                row_height = 0
            placed.append(PlacedWidget(widget, x, y))
            x += widget.width
            row_height = max(row_height, widget.height)
        y += row_height
    return placed
