"""A scenario's mutants: every operator over every step of every part, with stable IDs.

A mutant's ID is ``<scenario>/<part>-<step>/<mutation>`` (the step counted from 1 within its
part, as RUNBOOK.md numbers it; a second mutant of the same kind on one step gets ``#2``), so the
same catalog yields the same IDs run after run and a documented harmless survivor keeps its name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from catalog.models import Catalog
from runbooks.drills.runner import drilled_steps
from runbooks.mutation.names import CatalogNames
from runbooks.mutation.operators import OPERATORS
from runbooks.scenarios.model import Scenario, Step

PARTS = ("diagnosis", "mitigation", "verification", "rollback")


@dataclass(frozen=True)
class Mutant:
    """One broken runbook: the scenario with one part rewritten."""

    scenario_id: str
    part: str
    step: int
    """The changed step, counted from 1 within ``part`` (for a swap: the first of the two)."""
    mutation: str
    detail: str
    scenario: Scenario
    ordinal: int = 1
    """1 unless the same operator changed the same step more than once."""

    @property
    def id(self) -> str:
        suffix = "" if self.ordinal == 1 else f"#{self.ordinal}"
        return f"{self.scenario_id}/{self.part}-{self.step}/{self.mutation}{suffix}"

    def equivalent_to(self, original: Scenario) -> bool:
        """Whether the drill cannot see the change: every step it runs is the original's (a
        drill is deterministic for its seed, so this mutant's verdict is the original's)."""
        return drilled_steps(self.scenario) == drilled_steps(original)


def generate_mutants(scenario: Scenario, names: CatalogNames) -> list[Mutant]:
    """Every mutant of ``scenario``, part by part, step by step, operator by operator."""
    out: list[Mutant] = []
    for part in PARTS:
        steps = getattr(scenario, part)
        for index in range(len(steps)):
            for mutation, operator in OPERATORS:
                for ordinal, change in enumerate(operator(names, steps, index), start=1):
                    mutated = _with_part(scenario, part, change.steps)
                    out.append(
                        Mutant(
                            scenario.id,
                            part,
                            index + 1,
                            mutation,
                            change.detail,
                            mutated,
                            ordinal,
                        )
                    )
    return out


def _with_part(scenario: Scenario, part: str, steps: tuple[Step, ...]) -> Scenario:
    if part == "diagnosis":
        return dataclasses.replace(scenario, diagnosis=steps)
    if part == "mitigation":
        return dataclasses.replace(scenario, mitigation=steps)
    if part == "verification":
        return dataclasses.replace(scenario, verification=steps)
    return dataclasses.replace(scenario, rollback=steps)


def catalog_mutants(catalog: Catalog, scenarios: list[Scenario]) -> list[Mutant]:
    names = CatalogNames.of(catalog)
    return [m for s in scenarios for m in generate_mutants(s, names)]
