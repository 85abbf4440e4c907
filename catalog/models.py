"""Typed models of the system catalog: the one description every generator, drill and trace reads.

Field names are what a user writes in the YAML file. Every model forbids unknown keys so that a typo
is an error with a path instead of a silently ignored setting. Names may contain ``{system}`` and
``{stage}`` placeholders; the loader resolves them before validation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
    on_failure_dlq: str | None = Field(
        default=None, description="Queue that receives failed async invocations (Lambda DLQ)."
    )


class EventType(_Model):
    """One event type on the bus: who emits it, who consumes it, and how fast a hop must be."""

    name: str
    description: str = ""
    schema_version: str = "1.0"
    producer: str | None = Field(
        default=None, description="Service that emits it; filled from services[].emits if absent."
    )
    consumers: list[str] | None = Field(
        default=None, description="Services that handle it; filled from services[].consumes."
    )
    hop_sla_s: float | None = Field(
        default=None, gt=0, description="Emitted → handled latency SLA in seconds."
    )


class RetryPolicy(_Model):
    maximum_retry_attempts: int = Field(default=185, ge=0, le=185)
    maximum_event_age_s: int = Field(default=86400, ge=60, le=86400)


class RuleTarget(_Model):
    """A rule target: a service (Lambda) or a queue, with retry policy and DLQ."""

    service: str | None = None
    queue: str | None = None
    retry_policy: RetryPolicy = Field(default_factory=RetryPolicy)
    dlq: str | None = Field(default=None, description="Queue that receives undeliverable events.")


class Rule(_Model):
    name: str
    description: str = ""
    event_types: list[str] = Field(min_length=1)
    targets: list[RuleTarget] = Field(min_length=1, max_length=5)


class Bus(_Model):
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
    consumer: str | None = Field(default=None, description="Service that reads it, if any.")


class Subscription(_Model):
    protocol: Literal["email", "sms", "https", "http", "sqs", "lambda"]
    endpoint: str


class Topic(_Model):
    name: str
    purpose: Literal["alerts", "notifications", "events"] = "notifications"
    subscriptions: list[Subscription] = Field(default_factory=list)


class Schedule(_Model):
    name: str
    expression: str = Field(description="EventBridge Scheduler cron() or rate() expression.")
    timezone: str = "UTC"
    target: str = Field(description="Service the schedule invokes.")
    workflow: str | None = None


class Workflow(_Model):
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
    after_minutes: int = Field(ge=0)
    contact: str


class Notifications(_Model):
    alerts_topic: str = Field(description="Topic (by name) that every alarm action publishes to.")
    escalation: list[EscalationStep] = Field(default_factory=list)
    on_call: str | None = None


class Budgets(_Model):
    log_bytes_per_workflow: int | None = Field(default=None, gt=0)
    workflows_per_day: int = Field(default=1, gt=0)


class Catalog(_Model):
    """The whole system. Cross-references are checked by ``catalog.validate``."""

    system: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    stage: str = "dev"
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
    alarm_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Alarm name → fields to override (threshold, evaluation_periods, ...).",
    )
