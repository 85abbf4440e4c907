"""The generated query library: the Logs Insights questions an operator asks, for one catalog.

Every query is built with the query model (``insights_queries.ast``) and rendered, never pasted
together as text; the rendered text is parsed back to prove it is valid. Names are
``<system>/<category>/<name>`` (``/`` makes folders in the CloudWatch console). AWS limits
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html and the
PutQueryDefinition API): a query is at most 10,000 characters, targets at most 50 log groups, and a
saved query name is 1–255 characters; a query over more log groups is split into numbered parts.

The queries read fields through :mod:`insights_queries.library_fields`, so they give the same answer
on obskit's logger schema and on structlog lines such as the real Alchemiser capture.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from catalog import Catalog, Workflow
from insights_queries.ast import Command, Query
from insights_queries.library_builders import (
    cold_starts,
    dead_lettered,
    duplicates_detected,
    error_rate_by_service,
    errors_by_service,
    failed_events_by_type,
    handled_more_than_once,
    hop_latency,
    hop_sla_breaches,
    missing_correlation_id,
    recent_errors,
    step_timeline,
    trace_correlation_id,
    volume_by_level,
    volume_by_message,
    volume_by_service,
    workflow_durations,
    workflow_outcomes,
    workflows_past_sla,
)
from insights_queries.library_model import SavedQuery
from insights_queries.library_output import (
    cfn_resources,
    logical_id,
    put_query_definition_kwargs,
    render_markdown,
)
from insights_queries.parser import parse

__all__ = [
    "SavedQuery",
    "build_queries",
    "cfn_resources",
    "logical_id",
    "put_query_definition_kwargs",
    "query_by_name",
    "render_markdown",
]

MAX_QUERY_CHARS = 10_000
MAX_LOG_GROUPS = 50
MAX_NAME_CHARS = 255
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class _Spec:
    category: str
    name: str
    description: str
    commands: tuple[Command, ...]
    log_groups: tuple[str, ...]
    parameters: Mapping[str, str] = field(default_factory=dict)


def _services_of_workflow(catalog: Catalog, workflow: Workflow) -> tuple[str, ...]:
    """Log groups of the services that emit or consume any event of ``workflow``."""
    events = {workflow.start_event, workflow.success_event, *workflow.failure_events}
    events.update(workflow.steps)
    groups = [
        s.log_group
        for s in catalog.services
        if s.log_group and (events & set(s.consumes) or events & set(s.emits))
    ]
    return tuple(groups)


def _specs(catalog: Catalog) -> list[_Spec]:
    everywhere = tuple(catalog.log_groups())
    specs = [
        _Spec(
            "trace",
            "correlation-id",
            "Which lines, in every service, belong to one workflow (correlation ID), in time order?",
            trace_correlation_id(),
            everywhere,
            {"correlation_id": "The workflow's correlation ID, e.g. workflow-2a4425f1-…"},
        ),
        _Spec(
            "errors",
            "recent-errors",
            "Which error lines were written most recently, by which service and in which workflow?",
            recent_errors(),
            everywhere,
        ),
        _Spec(
            "errors",
            "errors-by-service",
            "How many error lines did each service (log group) write?",
            errors_by_service(),
            everywhere,
        ),
        _Spec(
            "errors",
            "error-rate-by-service",
            "What share of each service's log lines are errors?",
            error_rate_by_service(),
            everywhere,
        ),
        _Spec(
            "latency",
            "hop-latency",
            "How long does each event type take from emitted to handled "
            f"({catalog.log_conventions.event_age_field})?",
            hop_latency(catalog.log_conventions.event_age_field),
            everywhere,
        ),
        _Spec(
            "latency",
            "step-timeline",
            "When was each event type of each workflow first and last handled?",
            step_timeline(),
            everywhere,
        ),
    ]
    breaches = hop_sla_breaches(catalog)
    for number, commands in enumerate(breaches, start=1):
        several = len(breaches) > 1
        specs.append(
            _Spec(
                "latency",
                f"hop-sla-breaches-types-{number}-of-{len(breaches)}"
                if several
                else "hop-sla-breaches",
                "Which events were handled later than their event type's hop SLA"
                + (f" (event types, part {number} of {len(breaches)})?" if several else "?"),
                commands,
                everywhere,
            )
        )
    for workflow in catalog.workflows:
        groups = _services_of_workflow(catalog, workflow) or everywhere
        specs += [
            _Spec(
                "workflows",
                f"{workflow.name}-outcomes",
                f"How many '{workflow.name}' workflows started, completed and failed?",
                workflow_outcomes(workflow),
                groups,
            ),
            _Spec(
                "workflows",
                f"{workflow.name}-durations",
                f"How long did each '{workflow.name}' workflow run, from its first line to its last?",
                workflow_durations(workflow),
                groups,
            ),
            _Spec(
                "workflows",
                f"{workflow.name}-past-sla",
                f"Which '{workflow.name}' workflows started but did not finish within their "
                f"{workflow.sla_s:g} s SLA?",
                workflows_past_sla(workflow),
                groups,
            ),
        ]
    specs += [
        _Spec(
            "events",
            "failed-by-type",
            "Which event types failed in their handlers, how often and for how many events?",
            failed_events_by_type(),
            everywhere,
        ),
    ]
    for queue in catalog.queues:
        if queue.dlq is None or queue.consumer is None or queue.max_receive_count is None:
            continue
        consumer = catalog.service(queue.consumer)
        specs.append(
            _Spec(
                "events",
                f"dead-lettered-{consumer.name}",
                f"Which events failed {queue.max_receive_count} times in '{consumer.name}' and "
                f"so moved to dead-letter queue '{queue.dlq}'?",
                dead_lettered(queue.max_receive_count),
                (consumer.log_group or "",),
            )
        )
    specs += [
        _Spec(
            "events",
            "duplicates-detected",
            "Which events were delivered again and skipped as duplicates "
            f"('{catalog.log_conventions.duplicate_message}')?",
            duplicates_detected(catalog.log_conventions.duplicate_message),
            everywhere,
        ),
        _Spec(
            "events",
            "handled-more-than-once",
            "Which event_ids were handled in more than one invocation (redelivered or retried)?",
            handled_more_than_once(),
            everywhere,
        ),
        _Spec(
            "lambda",
            "cold-starts",
            "How many invocations were cold starts, and how long did initialisation take?",
            cold_starts(),
            everywhere,
        ),
        _Spec(
            "volume",
            "by-service",
            "Which services write the most log lines and bytes?",
            volume_by_service(),
            everywhere,
        ),
        _Spec(
            "volume",
            "by-level",
            "How are the log lines and bytes split by level?",
            volume_by_level(),
            everywhere,
        ),
        _Spec(
            "volume",
            "by-message",
            "Which messages dominate log volume (candidates for a lower level or sampling)?",
            volume_by_message(),
            everywhere,
        ),
        _Spec(
            "hygiene",
            "missing-correlation-id",
            "Which application lines carry no correlation ID, and where do they come from?",
            missing_correlation_id(),
            everywhere,
        ),
    ]
    return specs


def _chunks(groups: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(groups[i : i + size]) for i in range(0, len(groups), size)] or [()]


def _check(saved: SavedQuery, *, parse_back: bool = True) -> None:
    """Fail loudly on a query AWS would reject or our own parser cannot read back."""
    if not 1 <= len(saved.name) <= MAX_NAME_CHARS:
        raise ValueError(f"query name {saved.name!r} is not 1-{MAX_NAME_CHARS} characters")
    for part in saved.name.split("/"):
        if not _NAME_PART.match(part):
            raise ValueError(f"query name {saved.name!r}: part {part!r} is not a plain name")
    text = saved.text
    if len(text) > MAX_QUERY_CHARS:
        raise ValueError(f"query {saved.name}: {len(text)} characters > {MAX_QUERY_CHARS}")
    if len(saved.log_groups) > MAX_LOG_GROUPS:
        raise ValueError(f"query {saved.name}: {len(saved.log_groups)} log groups > 50")
    if parse_back and parse(text) != saved.query:
        raise ValueError(f"query {saved.name}: its rendered text does not parse back to itself")


def build_queries(catalog: Catalog) -> list[SavedQuery]:
    """Every saved query for ``catalog``, in a fixed order (same catalog → same list)."""
    queries: list[SavedQuery] = []
    for spec in _specs(catalog):
        base = f"{catalog.system}/{spec.category}/{spec.name}"
        parts = _chunks(spec.log_groups, MAX_LOG_GROUPS)
        for number, groups in enumerate(parts, start=1):
            name = base if len(parts) == 1 else f"{base}-part-{number}-of-{len(parts)}"
            description = spec.description
            if len(parts) > 1:
                description = description[:-1] + f" (log groups, part {number} of {len(parts)})?"
            saved = SavedQuery(
                name=name,
                description=description,
                log_groups=groups,
                query=Query(spec.commands),
                parameters=dict(spec.parameters),
            )
            _check(saved, parse_back=number == 1)  # the parts share one text
            queries.append(saved)
    return queries


def query_by_name(queries: Sequence[SavedQuery], name: str) -> SavedQuery:
    """The query called ``name`` (the full ``<system>/<category>/<name>`` or just its tail)."""
    for saved in queries:
        if saved.name == name or saved.name.split("/", 1)[-1] == name:
            return saved
    known = ", ".join(q.name for q in queries)
    raise KeyError(f"no generated query named {name!r}; known: {known}")
