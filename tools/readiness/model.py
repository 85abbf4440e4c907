"""The readiness report's vocabulary: an item of a checklist, its status and its evidence.

A status is PASS (the evidence proves it), FAIL (an automatable item the evidence disproves, or
whose evidence is missing: ``action`` then says what to run to produce it) or MANUAL (only a
person can confirm it: ``action`` says what). Only FAIL items make ``obskit ready`` exit non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["PASS", "FAIL", "MANUAL"]
PASS: Status = "PASS"
FAIL: Status = "FAIL"
MANUAL: Status = "MANUAL"

CHECKLISTS = {
    "observability": "Observability",
    "operations": "Operational readiness",
    "performance": "Performance validation",
    "deployed": "Deployed account",
}
SCHEMA = "obskit.readiness/1"


class ReadinessInputError(ValueError):
    """An input of ``obskit ready`` / ``obskit baseline`` is unreadable: the message says which."""


@dataclass(frozen=True)
class Item:
    """One checklist line: what the seed document asks, what we found, what to do about it."""

    id: str
    checklist: str
    title: str
    status: Status
    evidence: tuple[str, ...] = ()
    action: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "checklist": self.checklist,
            "title": self.title,
            "status": self.status,
            "evidence": list(self.evidence),
            "action": self.action,
        }


def passed(checklist: str, id_: str, title: str, *evidence: str) -> Item:
    return Item(id_, checklist, title, PASS, tuple(evidence))


def failed(checklist: str, id_: str, title: str, action: str, *evidence: str) -> Item:
    return Item(id_, checklist, title, FAIL, tuple(evidence), action)


def manual(checklist: str, id_: str, title: str, confirm: str, *evidence: str) -> Item:
    return Item(id_, checklist, title, MANUAL, tuple(evidence), confirm)


@dataclass(frozen=True)
class Report:
    """Every item of every checklist run, in checklist order, and where the evidence came from."""

    system: str
    stage: str
    items: tuple[Item, ...]
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[Item]:
        return [i for i in self.items if i.status == FAIL]

    @property
    def manual(self) -> list[Item]:
        return [i for i in self.items if i.status == MANUAL]

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for i in self.items if i.status == s) for s in (PASS, FAIL, MANUAL)}

    def item(self, id_: str) -> Item:
        """The item called ``id_`` (KeyError naming the known ids otherwise)."""
        for it in self.items:
            if it.id == id_:
                return it
        raise KeyError(f"no readiness item {id_!r}; known: {', '.join(i.id for i in self.items)}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "system": self.system,
            "stage": self.stage,
            "ready": self.ready,
            "counts": self.counts(),
            "inputs": self.inputs,
            "items": [i.as_dict() for i in self.items],
        }
