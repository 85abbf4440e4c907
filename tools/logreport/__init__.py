"""``obskit logs report``: how much the services log, what it costs, and what to turn down.

Small modules, one job each: :mod:`~tools.logreport.templates` folds messages into call-site
templates, :mod:`~tools.logreport.lines` reads one event, :mod:`~tools.logreport.volume` counts,
:mod:`~tools.logreport.buffering` models the logger's DEBUG buffering,
:mod:`~tools.logreport.cost` prices, :mod:`~tools.logreport.advice` advises,
:mod:`~tools.logreport.report` assembles the dictionary every renderer shows
(``render_table``, ``render_json``, ``render_html``), :mod:`~tools.logreport.aws` reads CloudWatch.
:func:`analyse` is the one call other tools (``obskit ready``) need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from catalog import Catalog
from tools.logreport.cost import Prices
from tools.logreport.lines import ServiceNames
from tools.logreport.report import SCHEMA, Report, build
from tools.logreport.volume import count


def service_names(catalog: Catalog | None) -> ServiceNames:
    """Log group → service name from the catalog (empty without one)."""
    if catalog is None:
        return ServiceNames()
    return ServiceNames.from_pairs((s.log_group, s.name) for s in catalog.services if s.log_group)


def analyse(
    events: Iterable[Mapping[str, Any]],
    *,
    catalog: Catalog | None = None,
    prices: Prices | None = None,
    budget: int | None = None,
    source: dict[str, Any] | None = None,
    buffer_bytes: int | None = None,
    sample_rate: float = 0.0,
) -> Report:
    """The report of ``events``; ``budget`` defaults to the catalog's, prices to its budgets."""
    if prices is None:
        per_day = catalog.budgets.workflows_per_day if catalog is not None else 1
        prices = Prices(workflows_per_day=per_day)
    if budget is None and catalog is not None:
        budget = catalog.budgets.log_bytes_per_workflow
    volume = count(
        events, service_names(catalog), buffer_bytes=buffer_bytes, sample_rate=sample_rate
    )
    return build(volume, prices, budget=budget, source=source or {})


def analyse_files(
    paths: Sequence[Path | str], *, catalog: Catalog | None = None, **options: Any
) -> Report:
    """:func:`analyse` of log files in any format the query engine reads.

    Raises ``insights_queries.sources.SourceError`` for a file that is missing or unreadable.
    """
    from insights_queries.sources import LogFiles

    source = {"files": [str(p) for p in paths]}
    return analyse(LogFiles(paths), catalog=catalog, source=source, **options)


__all__ = ["SCHEMA", "Prices", "Report", "analyse", "analyse_files", "service_names"]
