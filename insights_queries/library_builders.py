"""The commands of each generated query, one small function per question.

Each function returns the query's commands as query-model values; :mod:`insights_queries.library`
names them, attaches log groups and checks them. Field access goes through
:mod:`insights_queries.library_fields` so both log schemas (obskit's logger, structlog) answer.
Lambda's discovered fields (``@type``, ``@duration``, ``@initDuration``) are documented at
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html
"""

from __future__ import annotations

from catalog import Catalog, Workflow
from insights_queries.ast import (
    Binary,
    Command,
    Expr,
    Field,
    Fields,
    Filter,
    In,
    Limit,
    Number,
    Param,
    Projection,
    Sort,
    SortKey,
    Star,
    Stats,
    String,
)
from insights_queries.library_fields import (
    LINE_BYTES,
    LINE_CORRELATION_ID,
    LINE_LEVEL,
    LINE_MESSAGE,
    any_exact_flag,
    call,
    error_flag,
    exact_flag,
    field,
    is_error,
    is_platform_line,
    line_bytes,
    line_fields,
    not_,
)

RESULT_LIMIT = 10_000
TOP_LIMIT = 100


def _count(alias: str) -> Projection:
    return Projection(call("count", Star()), alias)


def _by(*names: str) -> tuple[Projection, ...]:
    return tuple(Projection(Field(name)) for name in names)


def _desc(name: str) -> SortKey:
    return SortKey(Field(name), descending=True)


def _asc(name: str) -> SortKey:
    return SortKey(Field(name))


def _elapsed_s() -> Expr:
    """Seconds from the group's first to its last line."""
    first = call("min", call("toMillis", Field("@timestamp")))
    last = call("max", call("toMillis", Field("@timestamp")))
    return Binary("/", Binary("-", last, first), Number(1000))


def _normalised() -> Fields:
    return Fields(line_fields())


def trace_correlation_id() -> tuple[Command, ...]:
    """Every line that mentions the ID anywhere (field, nested field or message text)."""
    return (
        Fields(
            (
                Projection(Field("@timestamp")),
                Projection(Field("@log")),
                *line_fields(),
                Projection(Field("event_type")),
                Projection(Field("event_id")),
                Projection(Field("causation_id")),
            )
        ),
        Filter(call("strcontains", Field("@message"), Param("correlation_id"))),
        Sort((_asc("@timestamp"),)),
        Limit(RESULT_LIMIT),
    )


def recent_errors() -> tuple[Command, ...]:
    return (
        Fields(
            (
                Projection(Field("@timestamp")),
                Projection(Field("@log")),
                *line_fields(),
                Projection(Field("event_type")),
                Projection(Field("exception_name")),
                Projection(Field("error")),
            )
        ),
        Filter(is_error()),
        Sort((_desc("@timestamp"),)),
        Limit(TOP_LIMIT * 10),
    )


def errors_by_service() -> tuple[Command, ...]:
    return (
        _normalised(),
        Filter(is_error()),
        Stats((_count("errors"),), _by("@log")),
        Sort((_desc("errors"), _asc("@log"))),
    )


def error_rate_by_service() -> tuple[Command, ...]:
    errors = call("sum", Field("is_error"))
    lines = call("count", Star())
    return (
        Fields((Projection(call("toupper", field("level")), LINE_LEVEL),)),
        Fields((Projection(error_flag(), "is_error"),)),
        Stats(
            (
                Projection(errors, "errors"),
                Projection(lines, "lines"),
                Projection(Binary("/", Binary("*", errors, Number(100)), lines), "error_pct"),
            ),
            _by("@log"),
        ),
        Sort((_desc("error_pct"), _asc("@log"))),
    )


def hop_latency(age_field: str) -> tuple[Command, ...]:
    """Per event type: how old the event was when its handler logged (``age_field``, in ms)."""
    age = Field(age_field)
    return (
        Filter(call("ispresent", age)),
        Stats(
            (
                _count("handled_lines"),
                Projection(call("count_distinct", Field("event_id")), "events"),
                Projection(call("avg", age), "avg_ms"),
                Projection(call("pct", age, Number(95)), "p95_ms"),
                Projection(call("max", age), "max_ms"),
            ),
            _by("event_type"),
        ),
        Sort((_desc("p95_ms"), _asc("event_type"))),
    )


SLA_CONDITION_BUDGET = 8_000
"""Characters of event-type names per hop-SLA query; the rest of the query stays far below the
10,000-character limit, so a large catalog gets several queries instead of one invalid one."""


def _sla_condition(groups: list[tuple[float, list[str]]], age: Field) -> Expr:
    """``event_type in [...] and event_age_ms > sla`` per SLA value, joined with ``or``."""
    terms: list[Expr] = []
    for sla_s, names in groups:
        sla_ms = sla_s * 1000
        limit = Number(int(sla_ms) if sla_ms % 1 == 0 else sla_ms)
        of_type = In(Field("event_type"), tuple(String(n) for n in names))
        terms.append(Binary("and", of_type, Binary(">", age, limit)))
    condition = terms[0]
    for term in terms[1:]:
        condition = Binary("or", condition, term)
    return condition


def hop_sla_breaches(catalog: Catalog) -> list[tuple[Command, ...]]:
    """Handled lines older than their event type's ``hop_sla_s``: one query per chunk of event
    types that fits the query size limit (empty when no event type has an SLA)."""
    age = Field(catalog.log_conventions.event_age_field)
    chunks: list[list[tuple[float, list[str]]]] = []
    used = SLA_CONDITION_BUDGET
    for event in catalog.event_types:
        if event.hop_sla_s is None:
            continue
        cost = len(event.name) + 4
        if used + cost > SLA_CONDITION_BUDGET:
            chunks.append([])
            used = 0
        used += cost
        chunk = chunks[-1]
        for sla_s, names in chunk:
            if sla_s == event.hop_sla_s:
                names.append(event.name)
                break
        else:
            used += 40  # one more "or event_type in [] and event_age_ms > N"
            chunk.append((event.hop_sla_s, [event.name]))
    return [
        (
            Filter(_sla_condition(chunk, age)),
            Stats(
                (
                    Projection(call("count_distinct", Field("event_id")), "late_events"),
                    Projection(call("max", age), "max_ms"),
                ),
                _by("event_type", "@log"),
            ),
            Sort((_desc("late_events"), _asc("event_type"))),
        )
        for chunk in chunks
    ]


def step_timeline() -> tuple[Command, ...]:
    return (
        _normalised(),
        Filter(call("ispresent", Field("event_type"))),
        Stats(
            (
                Projection(call("min", Field("@timestamp")), "first_handled"),
                Projection(call("max", Field("@timestamp")), "last_handled"),
                Projection(call("count_distinct", Field("event_id")), "events"),
                _count("lines"),
            ),
            _by(LINE_CORRELATION_ID, "event_type"),
        ),
        Sort((_asc(LINE_CORRELATION_ID), _asc("first_handled"))),
        Limit(RESULT_LIMIT),
    )


def _workflow_events(workflow: Workflow) -> tuple[str, ...]:
    names = [workflow.start_event, workflow.success_event, *workflow.failure_events]
    return tuple(dict.fromkeys(names))


def workflow_outcomes(workflow: Workflow) -> tuple[Command, ...]:
    """Distinct workflows (correlation IDs) whose lines show each start / end event type."""
    events = _workflow_events(workflow)
    return (
        _normalised(),
        Filter(In(Field("event_type"), tuple(String(e) for e in events))),
        Stats(
            (Projection(call("count_distinct", Field(LINE_CORRELATION_ID)), "workflows"),),
            _by("event_type"),
        ),
        Sort((_asc("event_type"),)),
    )


def workflow_durations(workflow: Workflow) -> tuple[Command, ...]:
    ended = (workflow.success_event, *workflow.failure_events)
    first = call("min", Field("@timestamp"))
    last = call("max", Field("@timestamp"))
    return (
        _normalised(),
        Fields((Projection(any_exact_flag(Field("event_type"), ended), "is_end"),)),
        Filter(call("ispresent", Field(LINE_CORRELATION_ID))),
        Stats(
            (
                Projection(first, "started"),
                Projection(last, "last_seen"),
                Projection(_elapsed_s(), "duration_s"),
                Projection(call("sum", Field("is_end")), "end_lines"),
                Projection(call("latest", Field("event_type")), "last_event_type"),
                _count("lines"),
            ),
            _by(LINE_CORRELATION_ID),
        ),
        Sort((_desc("duration_s"),)),
        Limit(RESULT_LIMIT),
    )


def workflows_past_sla(workflow: Workflow) -> tuple[Command, ...]:
    """Workflows whose start is in range and whose end is missing or later than the SLA."""
    first = call("min", Field("@timestamp"))
    last = call("max", Field("@timestamp"))
    ended = (workflow.success_event, *workflow.failure_events)
    sla_s = Number(workflow.sla_s if workflow.sla_s % 1 else int(workflow.sla_s))
    return (
        _normalised(),
        Fields(
            (
                Projection(exact_flag(Field("event_type"), workflow.start_event), "is_start"),
                Projection(any_exact_flag(Field("event_type"), ended), "is_end"),
            )
        ),
        Filter(call("ispresent", Field(LINE_CORRELATION_ID))),
        Stats(
            (
                Projection(first, "started"),
                Projection(last, "last_seen"),
                Projection(_elapsed_s(), "duration_s"),
                Projection(call("sum", Field("is_start")), "start_lines"),
                Projection(call("sum", Field("is_end")), "end_lines"),
            ),
            _by(LINE_CORRELATION_ID),
        ),
        Filter(
            Binary(
                "and",
                Binary(">", Field("start_lines"), Number(0)),
                Binary(
                    "or",
                    Binary("=", Field("end_lines"), Number(0)),
                    Binary(">", Field("duration_s"), sla_s),
                ),
            )
        ),
        Sort((_asc("started"),)),
        Limit(RESULT_LIMIT),
    )


def failed_events_by_type() -> tuple[Command, ...]:
    return (
        _normalised(),
        Filter(Binary("and", is_error(), call("ispresent", Field("event_type")))),
        Stats(
            (
                _count("error_lines"),
                Projection(call("count_distinct", Field("event_id")), "events"),
            ),
            _by("event_type", "@log"),
        ),
        Sort((_desc("error_lines"), _asc("event_type"))),
    )


def dead_lettered(max_receive_count: int) -> tuple[Command, ...]:
    """Events with at least ``max_receive_count`` failed attempts: SQS moved them to the DLQ."""
    return (
        _normalised(),
        Filter(Binary("and", is_error(), call("ispresent", Field("event_id")))),
        Stats(
            (
                Projection(call("count_distinct", Field("function_request_id")), "failed_attempts"),
                Projection(call("min", Field("@timestamp")), "first_failure"),
                Projection(call("max", Field("@timestamp")), "last_failure"),
            ),
            _by("event_type", "event_id", LINE_CORRELATION_ID),
        ),
        Filter(Binary(">=", Field("failed_attempts"), Number(max_receive_count))),
        Sort((_desc("last_failure"),)),
        Limit(RESULT_LIMIT),
    )


def duplicates_detected(duplicate_message: str) -> tuple[Command, ...]:
    return (
        _normalised(),
        Filter(Binary("=", Field(LINE_MESSAGE), String(duplicate_message))),
        Stats(
            (
                _count("duplicates"),
                Projection(call("count_distinct", Field("event_id")), "events"),
            ),
            _by("@log", "event_type"),
        ),
        Sort((_desc("duplicates"), _asc("@log"))),
    )


def handled_more_than_once() -> tuple[Command, ...]:
    return (
        _normalised(),
        Filter(
            Binary(
                "and",
                call("ispresent", Field("event_id")),
                call("ispresent", Field("function_request_id")),
            )
        ),
        Stats(
            (
                Projection(call("count_distinct", Field("function_request_id")), "invocations"),
                Projection(call("min", Field("@timestamp")), "first_seen"),
                Projection(call("max", Field("@timestamp")), "last_seen"),
            ),
            _by("@log", "event_type", "event_id"),
        ),
        Filter(Binary(">", Field("invocations"), Number(1))),
        Sort((_desc("invocations"), _desc("last_seen"))),
        Limit(RESULT_LIMIT),
    )


def cold_starts() -> tuple[Command, ...]:
    """From Lambda's REPORT lines: ``@initDuration`` is present only on a cold start."""
    return (
        Filter(Binary("=", Field("@type"), String("REPORT"))),
        Stats(
            (
                _count("invocations"),
                Projection(call("count", Field("@initDuration")), "cold_starts"),
                Projection(call("avg", Field("@initDuration")), "avg_init_ms"),
                Projection(call("max", Field("@initDuration")), "max_init_ms"),
                Projection(call("pct", Field("@duration"), Number(95)), "p95_duration_ms"),
            ),
            _by("@log"),
        ),
        Sort((_desc("cold_starts"), _asc("@log"))),
    )


def _volume(*by: Projection, limit: int | None = None) -> tuple[Command, ...]:
    commands: list[Command] = [
        Fields((*line_fields(), Projection(line_bytes(), LINE_BYTES))),
        Stats((_count("lines"), Projection(call("sum", Field(LINE_BYTES)), "bytes")), by),
        Sort((_desc("lines"), *(SortKey(p.expr) for p in by))),
    ]
    if limit is not None:
        commands.append(Limit(limit))
    return tuple(commands)


def volume_by_service() -> tuple[Command, ...]:
    return _volume(Projection(Field("@log")))


def volume_by_level() -> tuple[Command, ...]:
    return _volume(Projection(Field(LINE_LEVEL)))


def volume_by_message() -> tuple[Command, ...]:
    return _volume(
        Projection(Field(LINE_MESSAGE)),
        Projection(Field(LINE_LEVEL)),
        Projection(Field("@log")),
        limit=TOP_LIMIT,
    )


def missing_correlation_id() -> tuple[Command, ...]:
    return (
        _normalised(),
        Filter(
            Binary(
                "and", not_(call("ispresent", Field(LINE_CORRELATION_ID))), not_(is_platform_line())
            )
        ),
        Stats((_count("lines"),), _by("@log", LINE_MESSAGE)),
        Sort((_desc("lines"), _asc("@log"), _asc(LINE_MESSAGE))),
        Limit(RESULT_LIMIT),
    )
