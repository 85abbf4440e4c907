"""The saved Logs Insights queries, from ``insights_queries.library``, for templates and files.

The query library belongs to another package of the same layer; it is imported lazily so that
dashboards and alarms still generate while that package (or one of its functions) is absent, and
``generate`` reports the queries as skipped instead of failing. The library builds (and checks)
every query, which is not free on large catalogs: build once with :func:`saved_queries` and pass
the result on.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalog.models import Catalog

_NEEDED = ("build_queries", "cfn_resources", "put_query_definition_kwargs", "render_markdown")


@dataclass(frozen=True)
class SavedQueries:
    """The library module and the catalog's queries (``SavedQuery`` objects)."""

    library: Any
    queries: tuple[Any, ...]


@dataclass(frozen=True)
class QueryBundle:
    """The generated queries in the three shapes obskit writes."""

    cfn_resources: dict[str, Any]
    put_kwargs: dict[str, dict[str, Any]]
    """Query name → ``logs.put_query_definition`` kwargs."""
    markdown: str


def saved_queries(catalog: Catalog) -> SavedQueries | None:
    """The catalog's saved queries, or None when ``insights_queries.library`` is not available."""
    try:
        library: Any = importlib.import_module("insights_queries.library")
    except ImportError:
        return None
    if not all(hasattr(library, name) for name in _NEEDED):
        return None
    return SavedQueries(library, tuple(library.build_queries(catalog)))


def bundle(saved: SavedQueries) -> QueryBundle:
    library, queries = saved.library, list(saved.queries)
    return QueryBundle(
        cfn_resources=dict(library.cfn_resources(queries)),
        put_kwargs={q.name: dict(library.put_query_definition_kwargs(q)) for q in queries},
        markdown=str(library.render_markdown(queries)),
    )


def load_queries(catalog: Catalog) -> QueryBundle | None:
    saved = saved_queries(catalog)
    return None if saved is None else bundle(saved)


# Saved queries shown as log widgets: (name suffix, widget title). The dashboard shows the same
# query text an operator finds under Logs Insights → Saved queries.
DASHBOARD_QUERIES = (
    ("/errors/recent-errors", "recent errors"),
    ("/latency/step-timeline", "workflow step timeline (by correlation id)"),
)


def dashboard_log_queries(
    catalog: Catalog, saved: SavedQueries | None
) -> Sequence[tuple[str, str]] | None:
    """(title, query text) of the saved queries the dashboard shows; None without any."""
    if saved is None:
        return None
    queries = [q for q in saved.queries if not q.parameters]
    chosen: list[tuple[str, str]] = []
    for suffix, title in DASHBOARD_QUERIES:
        chosen.extend((title, q.text) for q in queries if q.name.endswith(suffix))
    for workflow in catalog.workflows:
        suffix = f"/workflows/{workflow.name}-past-sla"
        chosen.extend(
            (f"workflow {workflow.name}: started, not finished within SLA", q.text)
            for q in queries
            if q.name.endswith(suffix)
        )
    return chosen or None
