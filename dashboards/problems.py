"""Monitoring errors as ``FILE:LINE: message``, pointing into the catalog where that is possible.

An override error points at the ``alarm_overrides`` entry (or field) that caused it; a limit
violation of an overridden alarm points at that alarm's overrides. Both commands that build the
monitoring (generate, deploy/diff) print errors this way.
"""

from __future__ import annotations

from catalog.models import Catalog
from dashboards.overrides import OverrideError, override_keys
from dashboards.validation.issues import MonitoringValidationError


def _where(catalog: Catalog, alarm: str, field: str | None = None) -> str:
    keys = override_keys(catalog.system, catalog.stage, catalog.alarm_overrides)
    if alarm not in keys:
        return catalog.source_file
    path: list[str | int] = ["alarm_overrides", keys[alarm]]
    if field:
        path.append(field)
    line = catalog.source_line(path)
    return f"{catalog.source_file}:{line}" if line else catalog.source_file


def problem_lines(catalog: Catalog, exc: OverrideError | MonitoringValidationError) -> list[str]:
    """One ``FILE[:LINE]: message`` per problem."""
    if isinstance(exc, OverrideError):
        return [f"{_where(catalog, exc.alarm, exc.field)}: {exc}"]
    return [f"{_where(catalog, issue.subject)}: {issue}" for issue in exc.issues]
