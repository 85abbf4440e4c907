"""Every catalog resource through its facade: the alarms, composite alarms and widget sections.

The facades do the thinking per resource type; this module only decides which facade each
catalog entry gets (a queue is a DLQ when something redrives or dead-letters into it; a workflow
gets a heartbeat when a schedule starts it; a service a schedule invokes without starting a
workflow (a nightly job) gets a missed-run alarm; an event type gets hop-latency monitoring when it has
a hop SLA and a consumer) and groups the widgets into dashboard sections.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Catalog, Queue
from dashboards.alarm_model import Alarm, CompositeAlarm
from dashboards.emf_names import workflow_dimensions
from dashboards.facades.base import Context, log_group
from dashboards.facades.event_type import EventTypeMonitoring, hop_filter_name, hop_monitored
from dashboards.facades.eventbridge import EventBridgeRuleMonitoring
from dashboards.facades.lambda_function import LambdaFunctionMonitoring
from dashboards.facades.logs import LogsMonitoring
from dashboards.facades.queue import QueueMonitoring
from dashboards.facades.schedule import ScheduleHeartbeatMonitoring
from dashboards.facades.scheduled_job import ScheduledJobMonitoring, scheduled_jobs
from dashboards.facades.sns_topic import SnsTopicMonitoring
from dashboards.facades.workflow import WorkflowMonitoring
from dashboards.layout import Section
from dashboards.metric_filter_model import MetricFilter
from dashboards.queries_bridge import SavedQueries, dashboard_log_queries
from dashboards.widgets import Widget


@dataclass
class Collected:
    """The facades' output, before overrides: overview sections first, then one per service."""

    alarms: list[Alarm]
    composites: list[CompositeAlarm]
    overview: list[Section]
    services: list[Section]
    metric_filters: list[MetricFilter]
    """Each once, though several event types share a consumer's log group."""


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
        if service.on_failure_destination:
            add(service.on_failure_destination, f"failure records of {service.name}")
    for topic in catalog.topics:
        for subscription in topic.subscriptions:
            if subscription.dlq:
                add(subscription.dlq, f"the {subscription.protocol} subscription of {topic.name}")
    return {dlq: " and ".join(found) for dlq, found in sources.items()}


def _hops(ctx: Context, catalog: Catalog) -> tuple[list[Alarm], list[MetricFilter], list[Widget]]:
    """Hop-latency alarms, metric filters (each once) and widgets of every event type with a hop
    SLA and a consumer."""
    alarms: list[Alarm] = []
    filters: dict[str, MetricFilter] = {}
    widgets: list[Widget] = []
    age_field = catalog.log_conventions.event_age_field
    writers: dict[str, list[str]] = {}
    for service in catalog.services:
        writers.setdefault(log_group(catalog, service), []).append(service.name)
    for event in hop_monitored(catalog):
        consumers = tuple(
            (s.name, group, hop_filter_name(ctx, group, writers[group]))
            for s in catalog.consumers_of(event.name)
            for group in [log_group(catalog, s)]
        )
        facade = EventTypeMonitoring(ctx, event, consumers, age_field)
        alarms.extend(facade.alarms())
        widgets.extend(facade.widgets())
        for metric_filter in facade.metric_filters():
            filters.setdefault(metric_filter.key, metric_filter)
    return alarms, list(filters.values()), widgets


def _heartbeats(ctx: Context, catalog: Catalog) -> dict[str, ScheduleHeartbeatMonitoring]:
    beats: dict[str, ScheduleHeartbeatMonitoring] = {}
    for schedule in catalog.schedules:
        for wf in catalog.scheduled_workflows(schedule):
            dims = workflow_dimensions(catalog, wf)
            beats.setdefault(wf.name, ScheduleHeartbeatMonitoring(ctx, schedule, wf, dims))
    return beats


def collect(catalog: Catalog, saved: SavedQueries | None) -> Collected:
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

    hop_alarms, metric_filters, hop_widgets = _hops(ctx, catalog)
    alarms.extend(hop_alarms)
    if hop_widgets:
        overview.append(Section("Hop latency", tuple(hop_widgets)))

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

    jobs: dict[str, list[ScheduledJobMonitoring]] = {}
    for schedule, job in scheduled_jobs(catalog):
        jobs.setdefault(job.name, []).append(ScheduledJobMonitoring(ctx, catalog, schedule, job))
    services: list[Section] = []
    for service in catalog.services:
        lf = LambdaFunctionMonitoring.from_catalog(ctx, catalog, service)
        alarms.extend(lf.alarms())
        widgets = list(lf.widgets())
        for monitoring in jobs.get(service.name, [])[:1]:  # one missed-run alarm per function
            alarms.extend(monitoring.alarms())
            widgets.extend(monitoring.widgets())
        services.append(Section(f"service {service.name}", tuple(widgets)))
    return Collected(alarms, composites, overview, services, metric_filters)
