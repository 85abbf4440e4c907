"""A saved Logs Insights query as the library builds it and every output shape reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from insights_queries.ast import Query
from insights_queries.render import render


@dataclass(frozen=True)
class SavedQuery:
    """One saved Logs Insights query: what it is called, what it answers, where it looks."""

    name: str
    description: str
    log_groups: tuple[str, ...]
    query: Query
    parameters: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def text(self) -> str:
        """The Logs Insights text of :attr:`query` (rendered once, on first use)."""
        return render(self.query)
