"""Typed models of the system catalog: the one description every generator, drill and trace reads.

Field names are what a user writes in the YAML file. Every model forbids unknown keys so that a typo
is an error with a path instead of a silently ignored setting. Names may contain ``{system}`` and
``{stage}`` placeholders; the loader resolves them before validation and fills the defaults
(function names, log groups, producers and consumers), so code that reads a loaded catalog never
sees a placeholder or a ``None`` where a default exists.

Every number has an upper bound, so a value that loads is one every generator can use (an
unbounded ``hop_sla_s: 9223372036854775808`` used to pass the check and crash ``generate``). Where
AWS sets the limit, the bound is AWS's:

- Lambda: timeout 1-900 s, memory 128-10,240 MB; an SQS event source reads 1-10,000 records per
  batch (default 10) and gathers them for at most 300 s (default 0)
  (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html,
  https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html,
  https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html).
- SQS: visibility timeout 0-43,200 s, retention 60-1,209,600 s, maxReceiveCount 1-1,000
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html).
- EventBridge target retry policy: 0-185 attempts, event age 60-86,400 s
  (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html); so no hop
  delivered by EventBridge takes longer than a day, which bounds ``hop_sla_s``.
- CloudWatch alarms evaluate at most one day of data (period × evaluation periods ≤ 86,400 s,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html), the
  window the SLA and heartbeat alarms watch; so a workflow's ``sla_s`` is at most a day too.

The other bounds are sanity limits, each documented on its field. A boolean is never a number
(YAML's ``true`` would otherwise be read as 1) and a number is never a boolean.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr
from pydantic_core import PydanticCustomError

ONE_DAY_S = 86_400


def _not_a_bool(value: Any) -> Any:
    """Refuse YAML's true/false where a number belongs (pydantic would read them as 1/0)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_is_not_a_number", "a boolean is not a number")
    return value


Int = Annotated[int, BeforeValidator(_not_a_bool)]
Float = Annotated[float, BeforeValidator(_not_a_bool)]
Bool = Annotated[bool, Field(strict=True)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Model):
    """A Lambda function: what invokes it, what it consumes and emits, and its limits."""

    name: str = Field(description="Short service name, unique in the catalog (e.g. 'portfolio').")
    description: str = Field(default="", description="What the service does, for people.")
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
    timeout_s: Int = Field(
        default=3, ge=1, le=900, description="Lambda timeout in seconds (AWS: 1-900)."
    )
    memory_mb: Int = Field(
        default=128, ge=128, le=10240, description="Lambda memory in MB (AWS: 128-10,240)."
    )
    reserved_concurrency: Int | None = Field(
        default=None,
        ge=0,
        le=100_000,
        description="Reserved concurrent executions; 0 stops the function. At most 100,000 (AWS "
        "caps it at the account's concurrency quota, 1,000 unless raised).",
    )
    consumes: list[str] = Field(default_factory=list, description="Event types it handles.")
    emits: list[str] = Field(default_factory=list, description="Event types it publishes.")
    queue: str | None = Field(
        default=None, description="For trigger 'sqs': the queue it reads (a queue's name)."
    )
    batch_size: Int = Field(
        default=10,
        ge=1,
        le=10000,
        description="For trigger 'sqs': most records per invocation (AWS BatchSize: default 10; "
        "1-10 for a FIFO queue, 1-10,000 for a standard one, above 10 only with a batching "
        "window).",
    )
    batching_window_s: Int = Field(
        default=0,
        ge=0,
        le=300,
        description="For trigger 'sqs': seconds Lambda may gather records before invoking "
        "(AWS MaximumBatchingWindowInSeconds: 0-300, default 0; not for FIFO queues). The "
        "function is invoked when the window ends, the batch is full or it reaches 6 MB.",
    )
    report_batch_item_failures: Bool = Field(
        default=False,
        description="For trigger 'sqs': the mapping's FunctionResponseTypes include "
        "ReportBatchItemFailures, so a returned batchItemFailures list retries only those "
        "records. Off (AWS's default): the list is ignored and the whole batch counts as "
        "processed; only an error returns the batch to the queue.",
    )
    on_failure_dlq: str | None = Field(
        default=None, description="Queue that receives failed async invocations (Lambda DLQ)."
    )
    on_failure_destination: str | None = Field(
        default=None,
        description="Queue that receives an invocation record (requestPayload, condition) for "
        "each async event Lambda gives up on (on-failure destination).",
    )
    maximum_retry_attempts: Int = Field(
        default=2, ge=0, le=2, description="Async invocation: retries after a function error."
    )
    maximum_event_age_s: Int = Field(
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

    name: str = Field(description="The event's detail-type, unique in the catalog.")
    description: str = Field(default="", description="What the event means, for people.")
    schema_version: str = Field(default="1.0", description="Version of the event's detail schema.")
    producers: list[str] | None = Field(
        default=None,
        description="Services that emit it; filled from services[].emits if absent.",
    )
    consumers: list[str] | None = Field(
        default=None, description="Services that handle it; filled from services[].consumes."
    )
    hop_sla_s: Float | None = Field(
        default=None,
        gt=0,
        le=ONE_DAY_S,
        allow_inf_nan=False,
        description="Emitted → handled latency SLA in seconds; enables the hop-latency alarm. At "
        "most 86,400 (EventBridge stops retrying an event after a day).",
    )

    @property
    def producer(self) -> str | None:
        """The first producer (most event types have exactly one)."""
        return self.producers[0] if self.producers else None


class RetryPolicy(_Model):
    """EventBridge target retry policy (AWS defaults: 185 attempts, 24 h)."""

    maximum_retry_attempts: Int = Field(
        default=185,
        ge=0,
        le=185,
        description="Retries before the event is dropped or dead-lettered (AWS: 0-185).",
    )
    maximum_event_age_s: Int = Field(
        default=ONE_DAY_S,
        ge=60,
        le=ONE_DAY_S,
        description="Seconds EventBridge keeps retrying an event (AWS: 60-86,400).",
    )


class RuleTarget(_Model):
    """A rule target: a service (Lambda) or a queue, with retry policy and DLQ."""

    service: str | None = Field(
        default=None, description="Service (Lambda) the rule invokes; exactly one of service/queue."
    )
    queue: str | None = Field(
        default=None, description="Queue the rule sends to; exactly one of service/queue."
    )
    retry_policy: RetryPolicy = Field(
        default_factory=RetryPolicy, description="How long EventBridge retries a failed delivery."
    )
    dlq: str | None = Field(default=None, description="Queue that receives undeliverable events.")


class Rule(_Model):
    """An EventBridge rule: which event types it matches and where it delivers them."""

    name: str = Field(description="Rule name, unique on its bus.")
    description: str = Field(default="", description="Why the rule exists, for people.")
    event_types: list[str] = Field(
        min_length=1, description="Event types (detail-types) the rule matches."
    )
    targets: list[RuleTarget] = Field(
        min_length=1, max_length=5, description="Where matched events go (AWS: 1-5 targets)."
    )


class Bus(_Model):
    """An EventBridge event bus and its rules."""

    name: str = Field(description="Event bus name.")
    archive: Bool = Field(default=False, description="Archive every event (enables replay).")
    rules: list[Rule] = Field(default_factory=list, description="The bus's rules.")


class Queue(_Model):
    """An SQS queue; ``dlq`` names another queue of the catalog and makes this its source."""

    name: str = Field(description="SQS queue name; a FIFO queue's ends in '.fifo'.")
    fifo: Bool = Field(default=False, description="A FIFO queue (ordered, exactly-once).")
    visibility_timeout_s: Int = Field(
        default=30,
        ge=0,
        le=43200,
        description="Seconds a received message stays hidden (AWS: 0-43,200).",
    )
    retention_s: Int = Field(
        default=345600,
        ge=60,
        le=1209600,
        description="Seconds a message is kept (AWS: 60-1,209,600, i.e. 14 days).",
    )
    dlq: str | None = Field(
        default=None,
        description="Dead-letter queue (a queue's name) for messages that keep failing.",
    )
    max_receive_count: Int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Receives before a message moves to the dlq (AWS: 1-1,000); needs dlq.",
    )
    consumer: str | None = Field(
        default=None, description="Service that reads it; filled from services[].queue."
    )


class Subscription(_Model):
    """Who receives a topic's messages (an address per SNS protocol)."""

    protocol: Literal["email", "sms", "https", "http", "sqs", "lambda"] = Field(
        description="SNS protocol."
    )
    endpoint: str = Field(
        description="Address for the protocol: an email address, an E.164 phone number, an "
        "http(s) URL, or the ARN of a queue or function."
    )
    dlq: str | None = Field(
        default=None,
        description="Dead-letter queue (a queue's name) of this subscription (its RedrivePolicy): "
        "what SNS still cannot deliver once the protocol's retries are exhausted is kept there "
        "instead of discarded. A standard queue for a standard topic.",
    )


class Topic(_Model):
    """An SNS topic: alarm actions ('alerts'), messages to people, or events."""

    name: str = Field(description="SNS topic name.")
    purpose: Literal["alerts", "notifications", "events"] = Field(
        default="notifications",
        description="'alerts': alarm actions; 'notifications': messages to people; 'events'.",
    )
    subscriptions: list[Subscription] = Field(
        default_factory=list, description="Who receives the topic's messages."
    )


class Schedule(_Model):
    """An EventBridge Scheduler schedule that invokes a service."""

    name: str = Field(description="Schedule name.")
    expression: str = Field(
        description="EventBridge Scheduler cron(minutes hours day-of-month month day-of-week "
        "year) or rate(value unit) expression."
    )
    timezone: str = Field(
        default="UTC", description="IANA time zone the cron expression is read in."
    )
    target: str = Field(description="Service the schedule invokes.")
    workflow: str | None = Field(default=None, description="Workflow the schedule starts.")


StartKind = Literal["schedule", "direct", "api", "queue", "event"]


class WorkflowStart(_Model):
    """How a run starts in production, so the sandbox and the drills start it the same way.

    ``schedule``: the schedule invokes its target (asynchronously, as EventBridge Scheduler does);
    ``direct``: the entry service is invoked synchronously with ``payload`` as its event;
    ``api``: the same through API Gateway (a REST proxy event whose body is ``payload``);
    ``queue``: ``payload`` is sent as a message to ``queue``; ``event``: ``payload`` is put on
    ``bus`` as the ``detail`` of a ``detail_type`` event. In ``payload``, the strings ``{uuid}``,
    ``{n}`` and ``{now}`` become a new UUID, the run's number and the ISO time of the start.
    """

    kind: StartKind = Field(description="How a run starts: schedule, direct, api, queue or event.")
    schedule: str | None = Field(
        default=None,
        description="For kind 'schedule': the schedule (by name); default the workflow's schedule.",
    )
    service: str | None = Field(
        default=None,
        description="For kinds 'direct' and 'api': the entry service (its trigger is 'direct').",
    )
    queue: str | None = Field(
        default=None, description="For kind 'queue': the queue (by name) the message is sent to."
    )
    bus: str | None = Field(
        default=None,
        description="For kind 'event': the bus (by name); default the bus whose rules route "
        "detail_type.",
    )
    source: str | None = Field(
        default=None,
        description="For kind 'event': the event's source; default '<system>.external'.",
    )
    detail_type: str | None = Field(
        default=None,
        description="For kind 'event': the event's detail-type; default the workflow's start_event.",
    )
    method: str = Field(default="POST", description="For kind 'api': the HTTP method.")
    path: str = Field(default="/", description="For kind 'api': the resource path.")
    payload: dict[str, Any] = Field(
        default_factory=dict,
        description="The request, message body or event detail; '{uuid}', '{n}' and '{now}' in "
        "its strings are filled in for every run.",
    )


class Workflow(_Model):
    """A business workflow: the events that start and end it, and its end-to-end SLA."""

    name: str = Field(description="Workflow name, unique in the catalog.")
    description: str = Field(default="", description="What the workflow does, for people.")
    start_event: str = Field(
        description="Event type that starts a run; no other workflow may start with it."
    )
    success_event: str = Field(description="Event type that ends a run successfully.")
    failure_events: list[str] = Field(
        default_factory=list,
        description="Event types that end a run as failed (the failures alarm counts them). Omit "
        "the key when no event means failure; an empty list is refused.",
    )
    steps: list[str] = Field(
        default_factory=list,
        description="Expected event types in order (start → success); used by trace and drills. "
        "Omitted: start_event → success_event; an empty list is refused.",
    )
    sla_s: Float = Field(
        gt=0,
        le=ONE_DAY_S,
        allow_inf_nan=False,
        description="End-to-end SLA in seconds (at most 86,400: alarms watch at most a day).",
    )
    schedule: str | None = Field(
        default=None, description="Schedule that starts it; enables the heartbeat alarm."
    )
    start: WorkflowStart | None = Field(
        default=None,
        description="How a run starts (schedule, direct, api, queue or event); default: by its "
        "schedule when it has one. The sandbox, `sandbox run` and the drills start runs this way.",
    )
    rate_per_hour: Float | None = Field(
        default=None,
        gt=0,
        le=3_600_000,
        allow_inf_nan=False,
        description="Runs per hour in production; the sandbox's mixed load follows these "
        "proportions (default: the same share for every workflow).",
    )

    def entry(self) -> WorkflowStart | None:
        """How a run starts: ``start``, else its schedule, else None (nothing says)."""
        if self.start is not None:
            return self.start
        if self.schedule is not None:
            return WorkflowStart(kind="schedule", schedule=self.schedule)
        return None

    @property
    def events(self) -> tuple[str, ...]:
        """Every event type of a run, in order: the start, the steps, the success, the
        failures (a step may repeat the start or the success)."""
        return (self.start_event, *self.steps, self.success_event, *self.failure_events)


class EscalationStep(_Model):
    """Whom to call once an alarm has gone unanswered for ``after_minutes``."""

    after_minutes: Int = Field(
        ge=0,
        le=1440,
        description="Minutes after the alarm (0-1,440: paging that waits longer than a day is "
        "not an escalation).",
    )
    contact: str = Field(description="Who is called (a person, rota or pager name).")


class Notifications(_Model):
    """Where alarms go and who is called when nobody answers."""

    alerts_topic: str = Field(description="Topic (by name) that every alarm action publishes to.")
    escalation: list[EscalationStep] = Field(
        default_factory=list, description="Whom to call, and when, while an alarm is unanswered."
    )
    on_call: str | None = Field(default=None, description="The on-call rota, for the runbook.")


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

    log_bytes_per_workflow: Int | None = Field(
        default=None,
        gt=0,
        le=2**30,
        description="Most log bytes one workflow run may write (at most 1 GiB).",
    )
    workflows_per_day: Int = Field(
        default=1,
        gt=0,
        le=86_400_000,
        description="Runs per day, to turn the per-run budget into a daily volume (at most "
        "86,400,000: a thousand a second).",
    )


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

    system: str = Field(
        pattern=r"^[A-Za-z][A-Za-z0-9_-]*$",
        description="System name; the {system} placeholder in names.",
    )
    stage: str = Field(
        default="dev",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
        description="Deployment stage; the {stage} placeholder ('--stage' overrides it).",
    )
    region: str = Field(default="us-east-1", description="AWS region the system runs in.")
    description: str = Field(default="", description="What the system does, for people.")
    runbook_url: str = Field(description="Base URL of the rendered RUNBOOK.md; alarms link here.")
    services: list[Service] = Field(
        min_length=1, description="The Lambda functions (at least one)."
    )
    event_types: list[EventType] = Field(
        default_factory=list, description="The event types on the buses."
    )
    buses: list[Bus] = Field(default_factory=list, description="EventBridge buses and their rules.")
    queues: list[Queue] = Field(default_factory=list, description="SQS queues, DLQs included.")
    topics: list[Topic] = Field(default_factory=list, description="SNS topics.")
    schedules: list[Schedule] = Field(
        default_factory=list, description="EventBridge Scheduler schedules."
    )
    workflows: list[Workflow] = Field(
        default_factory=list, description="Business workflows, their ends and SLAs."
    )
    notifications: Notifications = Field(description="Where alarms go and who is called.")
    budgets: Budgets = Field(default_factory=Budgets, description="Log volume budgets.")
    log_conventions: LogConventions = Field(
        default_factory=LogConventions,
        description="Texts the services log that generated queries search for.",
    )
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

    def scheduled_workflows(self, schedule: Schedule) -> list[Workflow]:
        """The workflows ``schedule`` starts, by name: the one it names and every workflow
        naming it (``workflows[].schedule``)."""
        names = {schedule.workflow} | {
            w.name for w in self.workflows if w.schedule == schedule.name
        }
        return sorted((w for w in self.workflows if w.name in names), key=lambda w: w.name)

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
        names |= {s.dlq for t in self.topics for s in t.subscriptions if s.dlq}
        return [q for q in self.queues if q.name in names]

    def rules(self) -> list[tuple[Bus, Rule]]:
        """Every rule with its bus, in catalog order."""
        return [(b, r) for b in self.buses for r in b.rules]
