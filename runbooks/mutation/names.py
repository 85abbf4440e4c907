"""The catalog's resource names by kind, and the deterministic "wrong one of the same kind".

A wrong-resource mutant names another resource an operator could plausibly have typed: one of
the same kind from the same catalog (another DLQ for a DLQ, another function for a function), so
the command is well formed and may even succeed, as it would on AWS. The choice is the next name
in sorted order (wrapping around), so the same catalog always yields the same mutants.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Catalog
from insights_queries.library import build_queries

KINDS = ("dlq", "queue", "function", "rule", "topic", "bus", "log-group", "query", "workflow")


@dataclass(frozen=True)
class CatalogNames:
    """Every name per kind (sorted, distinct)."""

    system: str
    by_kind: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, catalog: Catalog) -> CatalogNames:
        dlqs = {q.name for q in catalog.dlqs()}
        functions = {
            s.function_name or f"{catalog.system}-{catalog.stage}-{s.name}"
            for s in catalog.services
        }
        queries = {q.name for q in build_queries(catalog)}
        tails = {q.removeprefix(f"{catalog.system}/") for q in queries}
        kinds = {
            "dlq": dlqs,
            "queue": {q.name for q in catalog.queues} - dlqs,
            "function": functions,
            "rule": {r.name for _, r in catalog.rules()},
            "topic": {t.name for t in catalog.topics},
            "bus": {b.name for b in catalog.buses},
            "log-group": set(catalog.log_groups()),
            "query": queries | tails,
            "workflow": {w.name for w in catalog.workflows},
        }
        by_kind = {kind: tuple(sorted(names)) for kind, names in kinds.items()}
        # a query is named whole or by its tail: the wrong one keeps the form used
        by_kind["query-tail"] = tuple(sorted(tails))
        by_kind["query"] = tuple(sorted(queries))
        return cls(catalog.system, by_kind)

    def kind_of(self, name: str, kinds: tuple[str, ...]) -> str | None:
        """The first of ``kinds`` that has ``name`` (a DLQ before a queue)."""
        for kind in kinds:
            if kind == "queue" and name in self.by_kind["dlq"]:
                return "dlq"
            if kind == "query" and name in self.by_kind["query-tail"]:
                return "query-tail"
            if name in self.by_kind.get(kind, ()):
                return kind
        return None

    def other(self, name: str, kinds: tuple[str, ...]) -> tuple[str, str] | None:
        """``(kind, another name of that kind)``, or None when ``name`` is not a catalog name
        of ``kinds`` or is the only one of its kind (no plausible wrong one)."""
        kind = self.kind_of(name, kinds)
        if kind is None:
            return None
        names = self.by_kind[kind]
        if len(names) < 2 and kind == "dlq":  # another queue is the next plausible slip
            kind, names = "queue", tuple(sorted({*names, *self.by_kind["queue"]}))
        if len(names) < 2:
            return None
        following = names[(names.index(name) + 1) % len(names)]
        return (kind.removesuffix("-tail"), following)
