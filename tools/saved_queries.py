"""The catalog's generated saved queries for ``obskit query --query-name``, from a cache.

Finding one saved query by name means loading the catalog (YAML, pydantic) and building every
query: most of a short ``obskit query --query-name`` run, every run, and an incident drill runs
that command as a new process again and again. The first build stores what the command reads of
each query (name, log groups, Logs Insights text) as plain values beside the trace's compiled
catalog (:mod:`tools.tracing.catalog_cache`: same directory, same keying on the catalog file and
the code that shapes the value, here the ``catalog`` and ``insights_queries`` packages, same
``OBSKIT_NO_CACHE``). Later runs parse back the text of the one query they run: the library
checks, as it builds each query, that its text parses back to the same query.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from insights_queries import Query, parse
from tools.tracing.catalog_cache import catalog_file, entry_for, read_entry, store_plain

_QUERIES_PACKAGE = Path(__file__).resolve().parent.parent / "insights_queries"
_KIND = "saved-queries"


class CatalogUnavailable(Exception):
    """The catalog failed to load; the message is the ``CatalogError``'s (the caller need not
    import the catalog package, with its models, just to catch it)."""


@dataclass(frozen=True)
class NamedQuery:
    """What ``obskit query --query-name`` needs of a saved query."""

    name: str
    log_groups: tuple[str, ...]
    text: str

    @property
    def query(self) -> Query:
        """The query itself, parsed from its text (only for the query that runs)."""
        return parse(self.text)


def named_queries(path: Path | None, stage: str | None) -> list[NamedQuery]:
    """Every generated query of the catalog at ``path``, in ``build_queries`` order.

    :class:`CatalogUnavailable` when the catalog fails to load (never cached); other errors are
    those of ``catalog.load_catalog``.
    """
    use_cache = os.environ.get("OBSKIT_NO_CACHE", "") in ("", "0")
    entry = entry_for(catalog_file(path), stage, _KIND, (_QUERIES_PACKAGE,)) if use_cache else None
    if entry is not None:
        stored = read_entry(entry)
        if isinstance(stored, list) and all(_plain_record(r) for r in stored):
            return [NamedQuery(name, tuple(groups), text) for name, groups, text in stored]
    queries = _build(path, stage)
    if entry is not None:
        store_plain(entry, [[q.name, list(q.log_groups), q.text] for q in queries])
    return queries


def _plain_record(record: object) -> bool:
    return (
        isinstance(record, list)
        and len(record) == 3
        and isinstance(record[0], str)
        and isinstance(record[1], list)
        and all(isinstance(g, str) for g in record[1])
        and isinstance(record[2], str)
    )


def _build(path: Path | None, stage: str | None) -> list[NamedQuery]:
    from catalog import CatalogError, load_catalog
    from insights_queries.library import build_queries

    try:
        catalog = load_catalog(path, stage=stage)
    except CatalogError as error:
        raise CatalogUnavailable(str(error)) from error
    return [NamedQuery(q.name, tuple(q.log_groups), q.text) for q in build_queries(catalog)]
