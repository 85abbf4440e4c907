"""Layer 1: the system description (catalog) as typed models, its loader and its validation.

Public API: ``load_catalog``, ``default_catalog_path``, ``catalog_from_yaml``,
``catalog_from_data``, ``validate``,
``Catalog`` (with lookup helpers), ``CatalogError`` and ``Problem``.
"""

from catalog.loader import (
    catalog_from_data,
    catalog_from_yaml,
    default_catalog_path,
    fill_defaults,
    load_catalog,
)
from catalog.models import (
    Bus,
    Catalog,
    EventType,
    Queue,
    Rule,
    RuleTarget,
    Schedule,
    Service,
    Topic,
    Workflow,
)
from catalog.problems import CatalogError, Problem
from catalog.validate import validate

__all__ = [
    "Bus",
    "Catalog",
    "CatalogError",
    "EventType",
    "Problem",
    "Queue",
    "Rule",
    "RuleTarget",
    "Schedule",
    "Service",
    "Topic",
    "Workflow",
    "catalog_from_data",
    "catalog_from_yaml",
    "default_catalog_path",
    "fill_defaults",
    "load_catalog",
    "validate",
]
