"""What is wrong with a catalog, and where: the one error type every catalog failure comes out as."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


def format_path(path: Sequence[str | int]) -> str:
    """``('services', 3, 'consumes', 0)`` → ``services[3].consumes[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Problem:
    """One finding: the file and line to open, the YAML path inside it, and what is wrong."""

    file: str
    line: int | None
    path: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        path = f" {self.path}:" if self.path else ""
        level = " warning:" if self.severity == "warning" else ""
        return f"{where}:{path}{level} {self.message}"


class CatalogError(Exception):
    """A catalog could not be loaded; ``problems`` lists every finding (errors and warnings)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
