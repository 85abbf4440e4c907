"""A validation finding: where (dashboard/widget/alarm), which field, what is wrong."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"

    @property
    def subject(self) -> str:
        """The alarm or dashboard name in ``where`` (``alarm 'x'`` → ``x``)."""
        found = re.search(r"'([^']*)'", self.where)
        return found.group(1) if found else ""


class MonitoringValidationError(ValueError):
    """Raised with every issue found, one per line."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))
