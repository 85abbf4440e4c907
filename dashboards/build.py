"""From a catalog to everything monitored: alarms, composite alarms and dashboards, validated.

Each catalog resource goes through its facade; the facades' widgets become dashboard sections
(overview first, then a row per service), packed into as many dashboards as AWS's limits need.
Overrides from the catalog are applied last, then every validator runs: ``build_monitoring``
either returns something AWS will accept or raises with every problem listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.models import Catalog, Queue
from dashboards.alarm_model import Alarm, CompositeAlarm
from dashboards.dashboard_model import Dashboard
from dashboards.descriptions import with_description
from dashboards.emf_names import workflow_dimensions
from dashboards.facades.base import Context, log_group
from dashboards.facades.eventbridge import EventBridgeRuleMonitoring
from dashboards.facades.lambda_function import LambdaFunctionMonitoring
from dashboards.facades.logs import LogsMonitoring
from dashboards.facades.queue import QueueMonitoring
from dashboards.facades.schedule import ScheduleHeartbeatMonitoring
from dashboards.facades.sns_topic import SnsTopicMonitoring
from dashboards.facades.workflow import WorkflowMonitoring
from dashboards.layout import Section, layout
from dashboards.naming import prefix
from dashboards.overrides import apply_overrides, resolved_overrides
from dashboards.queries_bridge import SavedQueries, dashboard_log_queries, saved_queries
from dashboards.validation.alarm_limits import validate_alarm, validate_composite
from dashboards.validation.dashboard_limits import (
    MAX_ALARMS_PER_ALARM_WIDGET,
    MAX_METRICS_PER_DASHBOARD,
    MAX_WIDGETS,
    validate_dashboard,
)
from dashboards.validation.issues import Issue, MonitoringValidationError
from dashboards.widgets import AlarmStatusWidget, TextWidget, Widget


@dataclass(frozen=True)
class Monitoring:
    """Everything generated for one catalog and stage."""

    system: str
    stage: str
    alarms: tuple[Alarm, ...]
    composite_alarms: tuple[CompositeAlarm, ...]
    dashboards: tuple[Dashboard, ...]

    def alarm(self, name: str) -> Alarm:
        for alarm in self.alarms:
            if alarm.name == name:
                return alarm
        raise KeyError(f"no alarm named {name!r}")


@dataclass
class _Collected:
    alarms: list[Alarm]
    composites: list[CompositeAlarm]
    overview: list[Section]
    services: list[Section]


def _dlq_sources(catalog: Catalog) -> dict[str, str]:
    """DLQ name → what sends to it (queues' redrive, rule targets, functions' on-failure)."""
    sources: dict[str, list[str]] = {}

    def add(dlq: str, source: str) -> None:
        if source not in sources.setdefault(dlq, []):
            sources[dlq].append(source)

    for queue in catalog.queues:
        if queue.dlq:
            add(queue.dlq, f"queue {queue.name}")
    for bus in catalog.buses:
        for rule in bus.rules:
            for target in rule.targets:
                if target.dlq:
                    add(target.dlq, f"rule targets on bus {bus.name}")
    for service in catalog.services:
        if service.on_failure_dlq:
            add(service.on_failure_dlq, f"async invocations of {service.name}")
    return {dlq: " and ".join(found) for dlq, found in sources.items()}


def _heartbeats(ctx: Context, catalog: Catalog) -> dict[str, ScheduleHeartbeatMonitoring]:
    workflows = {w.name: w for w in catalog.workflows}
    beats: dict[str, ScheduleHeartbeatMonitoring] = {}
    for schedule in catalog.schedules:
        names = {schedule.workflow} | {
            w.name for w in catalog.workflows if w.schedule == schedule.name
        }
        for name in sorted(n for n in names if n and n in workflows):
            wf = workflows[name]
            dims = workflow_dimensions(catalog, wf)
            beats.setdefault(name, ScheduleHeartbeatMonitoring(ctx, schedule, wf, dims))
    return beats


def _collect(catalog: Catalog, saved: SavedQueries | None) -> _Collected:
    ctx = Context.from_catalog(catalog)
    alarms: list[Alarm] = []
    composites: list[CompositeAlarm] = []
    overview: list[Section] = []

    beats = _heartbeats(ctx, catalog)
    workflow_widgets: list[Widget] = []
    for workflow in catalog.workflows:
        beat = beats.get(workflow.name)
        dims = workflow_dimensions(catalog, workflow)
        wf = WorkflowMonitoring(ctx, workflow, dims, beat.alarm_name if beat else None)
        alarms.extend(wf.alarms())
        workflow_widgets.extend(wf.widgets())
        if beat:
            alarms.extend(beat.alarms())
            workflow_widgets.extend(beat.widgets())
        composites.append(wf.composite())
    if workflow_widgets:
        overview.append(Section("Workflows", tuple(workflow_widgets)))

    rule_widgets: list[Widget] = []
    for bus in catalog.buses:
        for rule in bus.rules:
            facade = EventBridgeRuleMonitoring(ctx, bus, rule)
            alarms.extend(facade.alarms())
            rule_widgets.extend(facade.widgets())
    if rule_widgets:
        overview.append(Section("EventBridge", tuple(rule_widgets)))

    sources = _dlq_sources(catalog)
    queue_widgets: list[Widget] = []
    ordered: list[Queue] = sorted(catalog.queues, key=lambda q: (q.name in sources, q.name))
    for queue in ordered:
        qf = QueueMonitoring(ctx, queue, queue.name in sources, sources.get(queue.name))
        alarms.extend(qf.alarms())
        queue_widgets.extend(qf.widgets())
    if queue_widgets:
        overview.append(Section("Queues and dead-letter queues", tuple(queue_widgets)))

    topic_widgets: list[Widget] = []
    for topic in catalog.topics:
        tf = SnsTopicMonitoring(ctx, topic)
        alarms.extend(tf.alarms())
        topic_widgets.extend(tf.widgets())
    if topic_widgets:
        overview.append(Section("SNS topics", tuple(topic_widgets)))

    groups = tuple(log_group(catalog, s) for s in catalog.services)
    shown = dashboard_log_queries(catalog, saved)
    logs = LogsMonitoring(groups, tuple(shown)) if shown else LogsMonitoring(groups)
    overview.append(Section("Logs", tuple(logs.widgets())))

    services: list[Section] = []
    for service in catalog.services:
        lf = LambdaFunctionMonitoring.from_catalog(ctx, catalog, service)
        alarms.extend(lf.alarms())
        services.append(Section(f"service {service.name}", tuple(lf.widgets())))
    return _Collected(alarms, composites, overview, services)


def _header(catalog: Catalog, alarm_names: Sequence[str]) -> list[Section]:
    lines = [
        f"# {catalog.system} ({catalog.stage})",
        catalog.description.strip() or "Generated by obskit from the system catalog.",
        "",
        f"**Runbook:** [{catalog.runbook_url}]({catalog.runbook_url}) — every alarm's description "
        "links to its section. Generated from the catalog by `obskit generate`: edit the "
        "catalog, not this dashboard.",
    ]
    text = TextWidget("\n".join(lines), width=24, height=3)
    chunks = [
        tuple(alarm_names[i : i + MAX_ALARMS_PER_ALARM_WIDGET])
        for i in range(0, len(alarm_names), MAX_ALARMS_PER_ALARM_WIDGET)
    ]
    status = tuple(
        AlarmStatusWidget(
            f"alarms ({index}/{len(chunks)})" if len(chunks) > 1 else "alarms",
            chunk,
            height=max(3, min(12, 2 + len(chunk) // 4)),
        )
        for index, chunk in enumerate(chunks, start=1)
    )
    return [Section("header", (text,)), Section("alarms", status)]


def _paginate(name: str, sections: Sequence[Section]) -> list[Dashboard]:
    """Pack sections, in order, into dashboards that stay within the widget and metric limits."""
    pages: list[list[Section]] = [[]]
    widgets = metrics = 0
    for section in sections:
        w, m = len(section.widgets), section.metric_count
        if pages[-1] and (widgets + w > MAX_WIDGETS or metrics + m > MAX_METRICS_PER_DASHBOARD):
            pages.append([])
            widgets = metrics = 0
        pages[-1].append(section)
        widgets += w
        metrics += m
    return [
        Dashboard(name if index == 1 else f"{name}-part{index}", tuple(layout(page)))
        for index, page in enumerate(pages, start=1)
    ]


def validate_monitoring(
    alarms: Sequence[Alarm], composites: Sequence[CompositeAlarm], dashboards: Sequence[Dashboard]
) -> list[Issue]:
    """Every issue in alarms, composite alarms and dashboards, including duplicate names."""
    issues: list[Issue] = []
    names = [a.name for a in alarms] + [c.name for c in composites]
    for name in sorted({n for n in names if names.count(n) > 1}):
        issues.append(Issue(f"alarm '{name}'", "name", "generated more than once"))
    for alarm in alarms:
        issues.extend(validate_alarm(alarm))
    for composite in composites:
        issues.extend(validate_composite(composite, names))
    for dashboard in dashboards:
        issues.extend(validate_dashboard(dashboard))
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
    collected = _collect(catalog, queries if isinstance(queries, SavedQueries) else None)
    overrides = resolved_overrides(catalog.system, catalog.stage, catalog.alarm_overrides)
    alarms, composites = apply_overrides(collected.alarms, collected.composites, overrides)
    alarms = [  # the facades described the defaults; describe what overrides changed
        with_description(a, catalog.runbook_url)
        if a.name in overrides and "description" not in overrides[a.name]
        else a
        for a in alarms
    ]
    all_names = sorted([a.name for a in alarms] + [c.name for c in composites])
    sections = _header(catalog, all_names) + collected.overview + collected.services
    dashboards = _paginate(prefix(catalog.system, catalog.stage), sections)
    issues = validate_monitoring(alarms, composites, dashboards)
    if issues:
        raise MonitoringValidationError(issues)
    return Monitoring(
        system=catalog.system,
        stage=catalog.stage,
        alarms=tuple(sorted(alarms, key=lambda a: a.name)),
        composite_alarms=tuple(sorted(composites, key=lambda c: c.name)),
        dashboards=tuple(dashboards),
    )
