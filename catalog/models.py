"""Typed models of the system catalog: the one description every generator, drill and trace reads.

Field names are what a user writes in the YAML file. Every model forbids unknown keys so that a typo
is an error with a path instead of a silently ignored setting. Names may contain ``{system}`` and
``{stage}`` placeholders; the loader resolves them before validation and fills the defaults
(function names, log groups, producers and consumers), so code that reads a loaded catalog never
sees a placeholder or a ``None`` where a default exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Model):
    """A Lambda function: what invokes it, what it consumes and emits, and its limits."""

    name: str = Field(description="Short service name, unique in the catalog (e.g. 'portfolio').")
    description: str = ""
    function_name: str | None = Field(
        default=None, description="Lambda function name; default '{system}-{stage}-<name>'."
    )
    log_group: str | None = Field(
        default=None, description="CloudWatch log group; default '/aws/lambda/<function_name>'."
    )
    handler: str | None = Field(
        default=None,
        description="'module:function' of the handler, importable from the catalog's folder "
        "(used by the sandbox to run it in process).",
    )
    trigger: Literal["eventbridge", "sqs", "schedule", "direct"] = Field(
        default="eventbridge", description="How Lambda invokes the function."
    )
    timeout_s: int = Field(default=3, ge=1, le=900, description="Lambda timeout in seconds.")
    memory_mb: int = Field(default=128, ge=128, le=10240)
    reserved_concurrency: int | None = Field(default=None, ge=0)
    consumes: list[str] = Field(default_factory=list, description="Event types it handles.")
    emits: list[str] = Field(default_factory=list, description="Event types it publishes.")
    queue: str | None = Field(
        default=None, description="For trigger 'sqs': the queue it reads (a queue's name)."
    )
    batch_size: int = Field(
        default=1, ge=1, le=10000, description="For trigger 'sqs': records per invocation."
    )
    on_failure_dlq: str | None = Field(
        default=None, description="Queue that receives failed async invocations (Lambda DLQ)."
    )
    on_failure_destination: str | None = Field(
        default=None,
        description="Queue that receives an invocation record (requestPayload, condition) for "
        "each async event Lambda gives up on (on-failure destination).",
    )
    maximum_retry_attempts: int = Field(
        default=2, ge=0, le=2, description="Async invocation: retries after a function error."
    )
    maximum_event_age_s: int = Field(
        default=21600,
        ge=60,
        le=21600,
        description="Async invocation: seconds an event may wait in Lambda's queue.",
    )
    invokes: list[str] = Field(
        default_factory=list,
        description="Services it invokes directly (async Lambda invoke, e.g. a fan-out).",
    )
    topics: list[str] = Field(
        default_factory=list, description="SNS topics (by name) it publishes to."
    )


class EventType(_Model):
    """One event type on the bus: who emits it, who consumes it, and how fast a hop must be."""

    name: str
    description: str = ""
    schema_version: str = "1.0"
    producers: list[str] | None = Field(
        default=None,
        description="Services that emit it; filled from services[].emits if absent.",
    )
    consumers: list[str] | None = Field(
        default=None, description="Services that handle it; filled from services[].consumes."
    )
    hop_sla_s: float | None = Field(
        default=None, gt=0, description="Emitted → handled latency SLA in seconds."
    )

    @property
    def producer(self) -> str | None:
        """The first producer (most event types have exactly one)."""
        return self.producers[0] if self.producers else None


class RetryPolicy(_Model):
    """EventBridge target retry policy (AWS defaults: 185 attempts, 24 h)."""

    maximum_retry_attempts: int = Field(default=185, ge=0, le=185)
    maximum_event_age_s: int = Field(default=86400, ge=60, le=86400)


class RuleTarget(_Model):
    """A rule target: a service (Lambda) or a queue, with retry policy and DLQ."""

    service: str | None = None
    queue: str | None = None
    retry_policy: RetryPolicy = Field(default_factory=RetryPolicy)
    dlq: str | None = Field(default=None, description="Queue that receives undeliverable events.")


class Rule(_Model):
    """An EventBridge rule: which event types it matches and where it delivers them."""

    name: str
    description: str = ""
    event_types: list[str] = Field(min_length=1)
    targets: list[RuleTarget] = Field(min_length=1, max_length=5)


class Bus(_Model):
    """An EventBridge event bus and its rules."""

    name: str
    archive: bool = False
    rules: list[Rule] = Field(default_factory=list)


class Queue(_Model):
    """An SQS queue; ``dlq`` names another queue of the catalog and makes this its source."""

    name: str
    fifo: bool = False
    visibility_timeout_s: int = Field(default=30, ge=0, le=43200)
    retention_s: int = Field(default=345600, ge=60, le=1209600)
    dlq: str | None = None
    max_receive_count: int | None = Field(default=None, ge=1, le=1000)
    consumer: str | None = Field(
        default=None, description="Service that reads it; filled from services[].queue."
    )


class Subscription(_Model):
    """Who receives a topic's messages (an address per SNS protocol)."""

    protocol: Literal["email", "sms", "https", "http", "sqs", "lambda"]
    endpoint: str


class Topic(_Model):
    """An SNS topic: alarm actions ('alerts'), messages to people, or events."""

    name: str
    purpose: Literal["alerts", "notifications", "events"] = "notifications"
    subscriptions: list[Subscription] = Field(default_factory=list)


class Schedule(_Model):
    """An EventBridge Scheduler schedule that invokes a service."""

    name: str
    expression: str = Field(description="EventBridge Scheduler cron() or rate() expression.")
    timezone: str = "UTC"
    target: str = Field(description="Service the schedule invokes.")
    workflow: str | None = None


class Workflow(_Model):
    """A business workflow: the events that start and end it, and its end-to-end SLA."""

    name: str
    description: str = ""
    start_event: str
    success_event: str
    failure_events: list[str] = Field(default_factory=list)
    steps: list[str] = Field(
        default_factory=list,
        description="Expected event types in order (start → success); used by trace and drills.",
    )
    sla_s: float = Field(gt=0, description="End-to-end SLA in seconds.")
    schedule: str | None = Field(
        default=None, description="Schedule that starts it; enables the heartbeat alarm."
    )


class EscalationStep(_Model):
    """Whom to call once an alarm has gone unanswered for ``after_minutes``."""

    after_minutes: int = Field(ge=0)
    contact: str


class Notifications(_Model):
    """Where alarms go and who is called when nobody answers."""

    alerts_topic: str = Field(description="Topic (by name) that every alarm action publishes to.")
    escalation: list[EscalationStep] = Field(default_factory=list)
    on_call: str | None = None


class LogConventions(_Model):
    """Texts the services log that generated queries search for (they must match the code)."""

    duplicate_message: str = Field(
        default="Duplicate event detected",
        min_length=1,
        description="Exact message a service logs when an event_id it already handled arrives again.",
    )
    event_age_field: str = Field(
        default="event_age_ms",
        pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$",
        description="Numeric field (milliseconds) on a handler's lines: when it logged minus the "
        "event's detail 'timestamp' (its emission). The hop-latency queries read it.",
    )


class Budgets(_Model):
    """What a workflow may cost in logs, so verbosity regressions are caught."""

    log_bytes_per_workflow: int | None = Field(default=None, gt=0)
    workflows_per_day: int = Field(default=1, gt=0)


_Named = TypeVar("_Named", Service, EventType, Queue, Topic, Bus, Workflow, Schedule)


def _find(items: Sequence[_Named], name: str, kind: str) -> _Named:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(unknown_name_message(kind, name, (i.name for i in items)))


def unknown_name_message(kind: str, name: str, known: Iterable[str]) -> str:
    """``unknown <kind> 'x' (did you mean 'y'?)`` — one wording for the loader and the lookups."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {kind} '{name}'{hint}"


class Catalog(_Model):
    """The whole system. Cross-references are checked by ``catalog.validate``."""

    system: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    stage: str = Field(default="dev", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    region: str = "us-east-1"
    description: str = ""
    runbook_url: str = Field(description="Base URL of the rendered RUNBOOK.md; alarms link here.")
    services: list[Service] = Field(min_length=1)
    event_types: list[EventType] = Field(default_factory=list)
    buses: list[Bus] = Field(default_factory=list)
    queues: list[Queue] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    workflows: list[Workflow] = Field(default_factory=list)
    notifications: Notifications
    budgets: Budgets = Field(default_factory=Budgets)
    log_conventions: LogConventions = Field(default_factory=LogConventions)
    alarm_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Alarm name → fields to override (threshold, evaluation_periods, ...).",
    )

    # Where the catalog came from: file name and YAML path → line, for problem reports.
    _source_file: str = PrivateAttr(default="<catalog>")
    _source_lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    @property
    def source_file(self) -> str:
        """The file the catalog was loaded from ('<catalog>' when built in code)."""
        return self._source_file

    def source_line(self, path: Sequence[str | int]) -> int | None:
        """YAML line of ``path`` (or of its nearest ancestor that is in the file)."""
        key = tuple(path)
        while key:
            if key in self._source_lines:
                return self._source_lines[key]
            key = key[:-1]
        return self._source_lines.get(())

    def service(self, name: str) -> Service:
        """The service called ``name``; KeyError (with a did-you-mean) otherwise."""
        return _find(self.services, name, "service")

    def event_type(self, name: str) -> EventType:
        return _find(self.event_types, name, "event type")

    def queue(self, name: str) -> Queue:
        return _find(self.queues, name, "queue")

    def topic(self, name: str) -> Topic:
        return _find(self.topics, name, "topic")

    def bus(self, name: str) -> Bus:
        return _find(self.buses, name, "bus")

    def workflow(self, name: str) -> Workflow:
        return _find(self.workflows, name, "workflow")

    def schedule(self, name: str) -> Schedule:
        return _find(self.schedules, name, "schedule")

    def producers_of(self, event: str) -> list[Service]:
        """Services that emit ``event``, in catalog order."""
        return [s for s in self.services if event in s.emits]

    def consumers_of(self, event: str) -> list[Service]:
        """Services that consume ``event``, in catalog order."""
        return [s for s in self.services if event in s.consumes]

    def log_groups(self) -> list[str]:
        """Every service's log group, in catalog order (defaults are filled by the loader)."""
        return [s.log_group for s in self.services if s.log_group is not None]

    def alerts_topic(self) -> Topic:
        """The topic every alarm action publishes to."""
        return self.topic(self.notifications.alerts_topic)

    def dlqs(self) -> list[Queue]:
        """Queues that some queue, rule target or service uses as a dead-letter queue."""
        names = {q.dlq for q in self.queues if q.dlq}
        names |= {t.dlq for b in self.buses for r in b.rules for t in r.targets if t.dlq}
        names |= {s.on_failure_dlq for s in self.services if s.on_failure_dlq}
        names |= {s.on_failure_destination for s in self.services if s.on_failure_destination}
        return [q for q in self.queues if q.name in names]

    def rules(self) -> list[tuple[Bus, Rule]]:
        """Every rule with its bus, in catalog order."""
        return [(b, r) for b in self.buses for r in b.rules]
