"""Create (or find again) in the endpoint everything the catalog describes, plus the sandbox's
stand-ins for what moto cannot run.

From the catalog: each bus and its rules (pattern: the rule's event types as ``detail-type``),
queues with their redrive policies (dead-letter queues first, so their ARNs exist), topics, and
each service's log group. Added by the sandbox:

- a *delivery queue* per function that is not fed by SQS: Lambda's internal async-invoke queue
  (AWS: "Lambda places the event in a queue and returns a success response", then a poller runs
  the function). Rules whose target is a service deliver there; direct async invokes and
  schedules too. The sandbox's poller reads it with Lambda's async retry semantics.
- an *observer queue* subscribed to every topic, so notifications (alarm ALARM / OK messages
  included) can be read back.

Every call is idempotent, so ``sandbox up`` twice, or ``sandbox run`` on a live endpoint, is safe.
FIFO queues get content-based deduplication: EventBridge can only target a FIFO queue that has it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.exceptions import ClientError

from catalog.models import Catalog, Queue, Rule, RuleTarget, Service, Topic
from sandbox import naming
from sandbox.aws import Clients, client_for

QueueKind = Literal["catalog", "delivery", "observer"]
#: A delivery queue keeps events as long as Lambda's async queue does at most (6 hours).
ASYNC_QUEUE_RETENTION_S = 6 * 3600


@dataclass(frozen=True)
class QueueInfo:
    name: str
    url: str
    arn: str
    kind: QueueKind
    fifo: bool = False
    visibility_timeout_s: int = 30
    dlq: str | None = None
    max_receive_count: int | None = None


@dataclass
class Resources:
    """Names, URLs and ARNs of what exists in the endpoint for one catalog."""

    account_id: str
    region: str
    queues: dict[str, QueueInfo] = field(default_factory=dict)
    delivery: dict[str, str] = field(default_factory=dict)
    """service name → its delivery queue's name"""
    topics: dict[str, str] = field(default_factory=dict)
    """topic name → ARN"""
    observers: dict[str, str] = field(default_factory=dict)
    """topic name → observer queue name"""
    buses: dict[str, str] = field(default_factory=dict)
    log_groups: list[str] = field(default_factory=list)

    def queue(self, name: str) -> QueueInfo:
        try:
            return self.queues[name]
        except KeyError:
            raise KeyError(
                f"no queue {name!r} in the sandbox; known: {sorted(self.queues)}"
            ) from None

    def queue_by_arn(self, arn: str) -> QueueInfo | None:
        return next((q for q in self.queues.values() if q.arn == arn), None)

    def topic_arn(self, name: str) -> str:
        try:
            return self.topics[name]
        except KeyError:
            raise KeyError(
                f"no topic {name!r} in the sandbox; known: {sorted(self.topics)}"
            ) from None


def _queue_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _ensure_queue(clients: Clients, name: str, attributes: dict[str, str]) -> str:
    try:
        url: str = clients.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if "QueueAlreadyExists" not in code:
            raise
        url = clients.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        clients.sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def _catalog_queue_attributes(queue: Queue, dlq_arn: str | None) -> dict[str, str]:
    attributes = {
        "VisibilityTimeout": str(queue.visibility_timeout_s),
        "MessageRetentionPeriod": str(queue.retention_s),
    }
    if queue.fifo:
        attributes["FifoQueue"] = "true"
        attributes["ContentBasedDeduplication"] = "true"
    if dlq_arn is not None:
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": queue.max_receive_count or 10}
        )
    return attributes


def _ordered_queues(catalog: Catalog) -> list[Queue]:
    """Dead-letter queues before the queues that redrive into them."""
    done: list[Queue] = []
    pending = list(catalog.queues)
    while pending:
        ready = [q for q in pending if q.dlq is None or q.dlq in {d.name for d in done}]
        if not ready:
            names = ", ".join(q.name for q in pending)
            raise ValueError(f"catalog {catalog.source_file}: queues redrive in a cycle: {names}")
        done.extend(ready)
        pending = [q for q in pending if q not in ready]
    return done


def needs_delivery_queue(service: Service) -> bool:
    """Every function Lambda invokes asynchronously (all but the SQS-polled ones)."""
    return service.trigger != "sqs"


def ensure_resources(catalog: Catalog, clients: Clients) -> Resources:
    """Create what is missing and return where everything is."""
    account = clients.account_id()
    region = clients.region
    found = Resources(account_id=account, region=region)
    for queue in _ordered_queues(catalog):
        dlq_arn = found.queue(queue.dlq).arn if queue.dlq else None
        url = _ensure_queue(clients, queue.name, _catalog_queue_attributes(queue, dlq_arn))
        found.queues[queue.name] = QueueInfo(
            name=queue.name,
            url=url,
            arn=_queue_arn(region, account, queue.name),
            kind="catalog",
            fifo=queue.fifo,
            visibility_timeout_s=queue.visibility_timeout_s,
            dlq=queue.dlq,
            max_receive_count=(queue.max_receive_count or 10) if queue.dlq else None,
        )
    for service in catalog.services:
        if not needs_delivery_queue(service):
            continue
        name = naming.delivery_queue(str(service.function_name))
        attributes = {"MessageRetentionPeriod": str(ASYNC_QUEUE_RETENTION_S)}
        url = _ensure_queue(clients, name, attributes)
        found.queues[name] = QueueInfo(name, url, _queue_arn(region, account, name), "delivery")
        found.delivery[service.name] = name
    _ensure_topics(catalog, clients, found)
    _ensure_buses(catalog, clients, found)
    _ensure_schedules(catalog, clients, found)
    _ensure_log_groups(catalog, clients, found)
    return found


def _ensure_schedules(catalog: Catalog, clients: Clients, found: Resources) -> None:
    """The catalog's schedules as EventBridge Scheduler schedules, so ``aws scheduler
    get-schedule`` answers as on a deployed account. moto never fires them: the sandbox invokes
    their targets on the simulated clock itself (:mod:`sandbox.scheduled_jobs`).
    (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html)"""
    if not catalog.schedules:
        return
    scheduler = client_for("scheduler", clients.endpoint_url, clients.region)
    for schedule in catalog.schedules:
        try:
            scheduler.get_schedule(Name=schedule.name)
            continue
        except ClientError:
            pass
        function = str(catalog.service(schedule.target).function_name)
        scheduler.create_schedule(
            Name=schedule.name,
            ScheduleExpression=schedule.expression,
            ScheduleExpressionTimezone=schedule.timezone,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": f"arn:aws:lambda:{found.region}:{found.account_id}:function:{function}",
                "RoleArn": f"arn:aws:iam::{found.account_id}:role/{catalog.system}-scheduler",
            },
        )


def _ensure_topics(catalog: Catalog, clients: Clients, found: Resources) -> None:
    for topic in catalog.topics:
        arn: str = clients.sns.create_topic(Name=topic.name)["TopicArn"]
        found.topics[topic.name] = arn
        name = naming.observer_queue(topic.name)
        url = _ensure_queue(clients, name, {})
        queue_arn = _queue_arn(found.region, found.account_id, name)
        found.queues[name] = QueueInfo(name, url, queue_arn, "observer")
        found.observers[topic.name] = name
        existing = clients.sns.list_subscriptions_by_topic(TopicArn=arn).get("Subscriptions", [])
        if not any(s.get("Endpoint") == queue_arn for s in existing):
            clients.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        _ensure_subscriptions(clients, arn, topic)


def _ensure_subscriptions(clients: Clients, arn: str, topic: Topic) -> None:
    """The catalog's subscriptions of ``topic``, as a deployment makes them, so
    ``aws sns list-subscriptions-by-topic`` lists them as on AWS. moto confirms each at once and
    answers a second Subscribe of the same endpoint with the same subscription (as SNS does for
    one already confirmed). What reaches them is still the sandbox's model
    (:mod:`sandbox.sns_delivery`); moto delivers nothing over e-mail or SMS, and nothing over
    HTTP/S or to a function either (:mod:`sandbox.moto_offline`)."""
    for subscription in topic.subscriptions:
        clients.sns.subscribe(
            TopicArn=arn, Protocol=subscription.protocol, Endpoint=subscription.endpoint
        )


def _ensure_buses(catalog: Catalog, clients: Clients, found: Resources) -> None:
    for bus in catalog.buses:
        try:
            arn = clients.events.create_event_bus(Name=bus.name)["EventBusArn"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                raise
            arn = clients.events.describe_event_bus(Name=bus.name)["Arn"]
        found.buses[bus.name] = str(arn)
        if bus.archive:
            _ensure_archive(clients, bus.name, str(arn))
        for rule in bus.rules:
            clients.events.put_rule(
                Name=rule.name,
                EventBusName=bus.name,
                EventPattern=json.dumps({"detail-type": list(rule.event_types)}),
                State="ENABLED",
                Description=rule.description or f"sandbox: {', '.join(rule.event_types)}",
            )
            targets = rule_target_entries(rule, found)
            clients.events.put_targets(Rule=rule.name, EventBusName=bus.name, Targets=targets)


def archive_name(bus: str) -> str:
    """The sandbox's name for a bus's archive (EventBridge allows 48 characters)."""
    return f"{bus[:40]}-archive"


def _ensure_archive(clients: Clients, bus: str, bus_arn: str) -> None:
    """An archive keeping every event of the bus, so ``obskit replay archive`` has its source."""
    try:
        clients.events.create_archive(ArchiveName=archive_name(bus), EventSourceArn=bus_arn)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
            raise


def rule_target_entries(rule: Rule, found: Resources) -> list[dict[str, Any]]:
    """PutTargets entries for ``rule``: a service target is the function's delivery queue."""
    targets: list[dict[str, Any]] = []
    for target in rule.targets:
        queue = target_queue(target, found)
        entry: dict[str, Any] = {
            "Id": naming.rule_target_id(target.service or str(target.queue)),
            "Arn": queue.arn,
            "RetryPolicy": {
                "MaximumRetryAttempts": target.retry_policy.maximum_retry_attempts,
                "MaximumEventAgeInSeconds": target.retry_policy.maximum_event_age_s,
            },
        }
        if queue.fifo:
            entry["SqsParameters"] = {"MessageGroupId": rule.name}
        if target.dlq:
            entry["DeadLetterConfig"] = {"Arn": found.queue(target.dlq).arn}
        targets.append(entry)
    return targets


def target_queue(target: RuleTarget, found: Resources) -> QueueInfo:
    """The queue a rule target delivers to (a service's delivery queue, or the named queue)."""
    if target.service is not None:
        return found.queue(found.delivery[target.service])
    return found.queue(str(target.queue))


def _ensure_log_groups(catalog: Catalog, clients: Clients, found: Resources) -> None:
    for group in catalog.log_groups():
        try:
            clients.logs.create_log_group(logGroupName=group)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                raise
        found.log_groups.append(group)
