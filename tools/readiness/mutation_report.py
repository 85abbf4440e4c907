"""Read the report ``obskit drill mutate --report FILE`` writes, for the readiness item.

The file is ``{"mutants": [...], "scores": {...}, "overall": {...}, ...}``, each mutant with
:data:`runbooks.mutation.report.MUTANT_KEYS` (one definition, shared with the writer). Anything
else is refused with the file and the entry named: a readiness verdict must not rest on a report
misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from runbooks.mutation.report import MUTANT_KEYS
from tools.readiness.model import ReadinessInputError

STATUSES = frozenset({"killed", "survived", "error"})


@dataclass(frozen=True)
class MutantEntry:
    id: str
    scenario: str
    status: str
    detail: str
    harmless: str | None


@dataclass(frozen=True)
class MutationEntries:
    path: Path
    mutants: tuple[MutantEntry, ...]

    def count(self, status: str) -> int:
        return sum(1 for m in self.mutants if m.status == status)

    def score(self) -> float | None:
        judged = self.count("killed") + self.count("survived")
        return None if judged == 0 else self.count("killed") / judged


def _mutant(raw: Any, where: str) -> MutantEntry:
    if not isinstance(raw, dict) or set(raw) != set(MUTANT_KEYS):
        keys = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise ReadinessInputError(f"{where}: expected exactly {list(MUTANT_KEYS)}, got {keys}")
    if raw["status"] not in STATUSES:
        raise ReadinessInputError(
            f"{where}.status: {raw['status']!r} is not one of {sorted(STATUSES)}"
        )
    for key in ("id", "scenario", "detail"):
        if not isinstance(raw[key], str):
            raise ReadinessInputError(f"{where}.{key}: expected a string")
    harmless = raw["harmless"]
    if harmless is not None and not isinstance(harmless, str):
        raise ReadinessInputError(f"{where}.harmless: expected a string or null")
    return MutantEntry(raw["id"], raw["scenario"], raw["status"], raw["detail"], harmless)


def load_mutation_report(path: Path) -> MutationEntries:
    """The mutation report at ``path``; ReadinessInputError naming the file and entry otherwise."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ReadinessInputError(f"{path}: cannot read the mutation report: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("mutants"), list):
        raise ReadinessInputError(
            f"{path}: not a mutation report (expected an object with a 'mutants' list, as "
            "`obskit drill mutate --report FILE` writes)"
        )
    mutants = [_mutant(raw, f"{path}: mutant {n}") for n, raw in enumerate(document["mutants"])]
    return MutationEntries(path, tuple(mutants))
