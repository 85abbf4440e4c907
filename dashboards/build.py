"""From a catalog to everything monitored: alarms, composite alarms, dashboards and the metric
filters some alarms read, validated.

Each catalog resource goes through its facade (``collect``); the facades' widgets become
dashboard sections, packed into as many dashboards as AWS's limits need (``pages``). Overrides
from the catalog are applied last, then every validator runs: ``build_monitoring`` either returns
something AWS will accept or raises with every problem listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from catalog.models import Catalog
from dashboards.alarm_model import Alarm, CompositeAlarm
from dashboards.collect import collect
from dashboards.dashboard_model import Dashboard
from dashboards.descriptions import with_description
from dashboards.metric_filter_model import MetricFilter
from dashboards.naming import prefix
from dashboards.overrides import apply_overrides, resolved_overrides
from dashboards.pages import follow_thresholds, header_sections, paginate
from dashboards.queries_bridge import SavedQueries, saved_queries
from dashboards.validation.alarm_limits import validate_alarm, validate_composite
from dashboards.validation.dashboard_limits import validate_dashboard
from dashboards.validation.issues import Issue, MonitoringValidationError
from dashboards.validation.metric_filter_limits import validate_metric_filters


@dataclass(frozen=True)
class Monitoring:
    """Everything generated for one catalog and stage."""

    system: str
    stage: str
    alarms: tuple[Alarm, ...]
    composite_alarms: tuple[CompositeAlarm, ...]
    dashboards: tuple[Dashboard, ...]
    metric_filters: tuple[MetricFilter, ...] = ()
    """Log lines → metrics the alarms read (hop latency), by log group then name."""

    def alarm(self, name: str) -> Alarm:
        """The metric alarm called ``name`` (KeyError otherwise)."""
        for alarm in self.alarms:
            if alarm.name == name:
                return alarm
        raise KeyError(f"no alarm named {name!r}")


def validate_monitoring(
    alarms: Sequence[Alarm],
    composites: Sequence[CompositeAlarm],
    dashboards: Sequence[Dashboard],
    metric_filters: Sequence[MetricFilter] = (),
) -> list[Issue]:
    """Every issue in alarms, composite alarms, dashboards and metric filters, including
    duplicate names."""
    issues: list[Issue] = []
    names = [a.name for a in alarms] + [c.name for c in composites]
    for name in sorted(n for n, times in Counter(names).items() if times > 1):
        issues.append(Issue(f"alarm '{name}'", "name", "generated more than once"))
    for alarm in alarms:
        issues.extend(validate_alarm(alarm))
    for composite in composites:
        issues.extend(validate_composite(composite, names))
    for dashboard in dashboards:
        issues.extend(validate_dashboard(dashboard))
    issues.extend(validate_metric_filters(metric_filters))
    return issues


_LOAD = object()


def build_monitoring(catalog: Catalog, saved: SavedQueries | None | object = _LOAD) -> Monitoring:
    """Alarms, composite alarms and dashboards for ``catalog``; raises on any invalid output.

    ``saved``: the catalog's saved queries (``queries_bridge.saved_queries``), when the caller
    already built them; by default they are built here. The dashboard's log widgets show them.

    Raises OverrideError for an override that names no alarm or field, and
    MonitoringValidationError listing every limit or syntax violation.
    """
    queries = saved_queries(catalog) if saved is _LOAD else saved
    collected = collect(catalog, queries if isinstance(queries, SavedQueries) else None)
    overrides = resolved_overrides(catalog.system, catalog.stage, catalog.alarm_overrides)
    alarms, composites = apply_overrides(collected.alarms, collected.composites, overrides)
    alarms = [  # the facades described the defaults; describe what overrides changed
        with_description(a, catalog.runbook_url)
        if a.name in overrides and "description" not in overrides[a.name]
        else a
        for a in alarms
    ]
    all_names = sorted([a.name for a in alarms] + [c.name for c in composites])
    sections = follow_thresholds(
        header_sections(catalog, all_names) + collected.overview + collected.services, alarms
    )
    dashboards = paginate(prefix(catalog.system, catalog.stage), sections)
    issues = validate_monitoring(alarms, composites, dashboards, collected.metric_filters)
    if issues:
        raise MonitoringValidationError(issues)
    return Monitoring(
        system=catalog.system,
        stage=catalog.stage,
        alarms=tuple(sorted(alarms, key=lambda a: a.name)),
        composite_alarms=tuple(sorted(composites, key=lambda c: c.name)),
        dashboards=tuple(dashboards),
        metric_filters=tuple(sorted(collected.metric_filters, key=lambda f: f.key)),
    )
