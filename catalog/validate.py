"""Cross-checks of a loaded catalog: what the models alone cannot see.

Types and ranges are the models' job; here live the checks that need the whole catalog: every name
that refers to something exists (with a did-you-mean), nothing is declared twice, every event has a
producer and a consumer, declared producers/consumers agree with the services, and queue settings
follow AWS's guidance:

- Lambda with SQS: "set the source queue's visibility timeout to at least six times the
  configuration timeout on your function", and the function timeout must not exceed the visibility
  timeout (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
- DLQ retention: for standard queues a message keeps its original enqueue timestamp when moved to
  the DLQ, so "set the retention period of a dead-letter queue to be longer than the retention
  period of the original queue"; FIFO queues reset it, so there it is only a warning
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html).
- The dead-letter queue of a FIFO queue must be FIFO, of a standard queue standard; FIFO queue
  names end in '.fifo'.
- "EventBridge DLQs are standard Amazon SQS queues"
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-event-delivery.html#eb-rule-dlq).
- Schedules use EventBridge Scheduler's cron(6 fields) or rate(value unit) expressions, every field
  in its range (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html;
  the field table is ``catalog.cron``'s).
- An SQS event source mapping: BatchSize at most 10 on a FIFO queue, above 10 only with a
  batching window, no batching window on a FIFO queue
  (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html).
- An SNS subscription's dead-letter queue: "FIFO topic subscriptions use FIFO queues, and
  standard topic subscriptions use standard queues"
  (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html).
- An SNS subscription's endpoint is what its protocol needs: "for the email protocol, the endpoint
  is an email address", for http/https a URL beginning with http:// / https://, for sms the phone
  number of an SMS-enabled device (E.164), for sqs / lambda the ARN of a queue / function
  (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html).

And checks of meaning, each of which used to pass here and fail (or mislead) later: a service that
consumes an event it emits itself (a loop: each event it handles makes another), a workflow whose
success event is also a failure event, ``failure_events: []`` (the failures alarm could never
fire), ``steps: []`` (trace and the drills would expect a workflow of no events), and two
workflows with one start event (every start would count as a start of both, so one of them always
looks lost: the catalog has no field that tells the two apart).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Sequence
from typing import Any

from catalog.cron import expression_problem
from catalog.models import Catalog, Service, unknown_name_message
from catalog.problems import Problem, Severity, format_path

LAMBDA_SQS_VISIBILITY_FACTOR = 6

# protocol -> (pattern of a valid endpoint, what the endpoint must be), per SNS Subscribe.
SUBSCRIPTION_ENDPOINTS: dict[str, tuple[str, str]] = {
    "email": (r"[^@\s]+@[^@\s]+\.[^@\s.]+", "an email address (name@example.org)"),
    "sms": (r"\+[1-9][0-9]{1,14}", "a phone number in E.164 form (+14155550100)"),
    "http": (r"http://\S+", "a URL beginning with 'http://'"),
    "https": (r"https://\S+", "a URL beginning with 'https://'"),
    "sqs": (
        r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?",
        "the ARN of an SQS queue (arn:aws:sqs:<region>:<account>:<name>)",
    ),
    "lambda": (
        r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?",
        "the ARN of a Lambda function (arn:aws:lambda:<region>:<account>:function:<name>)",
    ),
}

# (what, pattern, max length) of the names AWS accepts, from each service's API reference:
# Lambda CreateFunction, Logs CreateLogGroup, SQS CreateQueue, SNS CreateTopic,
# EventBridge CreateEventBus / PutRule, Scheduler CreateSchedule.
AWS_NAMES: dict[str, tuple[str, str, int]] = {
    "function": ("Lambda function name", r"[A-Za-z0-9_-]+", 64),
    "log_group": ("log group name", r"[.\-_/#A-Za-z0-9]+", 512),
    "queue": ("SQS queue name", r"[A-Za-z0-9_-]+(\.fifo)?", 80),
    "topic": ("SNS topic name", r"[A-Za-z0-9_-]+(\.fifo)?", 256),
    "bus": ("event bus name", r"[/.\-_A-Za-z0-9]+", 256),
    "rule": ("rule name", r"[.\-_A-Za-z0-9]+", 64),
    "schedule": ("schedule name", r"[0-9A-Za-z_.-]+", 64),
}

Path = tuple[str | int, ...]


class _Checker:
    """Collects problems, each placed on the YAML line of its path."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.problems: list[Problem] = []
        # id(list) -> (the list, its set): membership tests stay O(1) on large catalogs
        self._sets: dict[int, tuple[Sequence[str], frozenset[str]]] = {}

    def add(self, path: Path, message: str, severity: Severity = "error") -> None:
        line = self.catalog.source_line(path)
        self.problems.append(
            Problem(self.catalog.source_file, line, format_path(path), message, severity)
        )

    def ref(self, path: Path, name: str | None, kind: str, known: Sequence[str]) -> None:
        """``name`` must be one of ``known``; otherwise an unknown-reference error."""
        if name is None:
            return
        members = self._sets.get(id(known))
        if members is None:
            members = self._sets[id(known)] = (known, frozenset(known))
        if name not in members[1]:
            self.add(path, unknown_name_message(kind, name, known))

    def unique(self, base: Path, names: Iterable[str], kind: str) -> None:
        seen: dict[str, int] = {}
        for index, name in enumerate(names):
            if name in seen:
                self.add(
                    (*base, index, "name"),
                    f"duplicate {kind} '{name}' (first defined at {format_path((*base, seen[name]))})",
                )
            else:
                seen[name] = index


def validate(catalog: Catalog) -> list[Problem]:
    """Every cross-check problem of ``catalog`` (errors and warnings), in catalog order."""
    check = _Checker(catalog)
    _check_duplicates(check)
    _check_services(check)
    _check_event_types(check)
    _check_buses(check)
    _check_queues(check)
    _check_topics_and_schedules(check)
    _check_subscriptions(check)
    _check_workflows(check)
    _check_aws_names(check)
    return check.problems


def _names(items: Iterable[object]) -> list[str]:
    return [str(getattr(item, "name")) for item in items]  # noqa: B009


def _check_duplicates(check: _Checker) -> None:
    c = check.catalog
    check.unique(("services",), _names(c.services), "service")
    check.unique(("event_types",), _names(c.event_types), "event type")
    check.unique(("buses",), _names(c.buses), "bus")
    check.unique(("queues",), _names(c.queues), "queue")
    check.unique(("topics",), _names(c.topics), "topic")
    check.unique(("schedules",), _names(c.schedules), "schedule")
    check.unique(("workflows",), _names(c.workflows), "workflow")
    for b, bus in enumerate(c.buses):
        check.unique(("buses", b, "rules"), _names(bus.rules), "rule")
    functions: dict[str, int] = {}
    for s, service in enumerate(c.services):
        fn = service.function_name or ""
        if fn in functions:
            first = c.services[functions[fn]].name
            check.add(
                ("services", s, "function_name"),
                f"function name '{fn}' is also used by service '{first}'",
            )
        functions.setdefault(fn, s)


def _check_services(check: _Checker) -> None:
    c = check.catalog
    events = _names(c.event_types)
    queues = _names(c.queues)
    services = _names(c.services)
    topics = _names(c.topics)
    for s, service in enumerate(c.services):
        base: Path = ("services", s)
        for i, name in enumerate(service.consumes):
            check.ref((*base, "consumes", i), name, "event type", events)
        for i, name in enumerate(service.emits):
            check.ref((*base, "emits", i), name, "event type", events)
        emitted = set(service.emits)
        for i, name in enumerate(service.consumes):
            if name in emitted:
                check.add(
                    (*base, "consumes", i),
                    f"service '{service.name}' consumes '{name}', which it emits itself: each "
                    "event it handles would make another (emit a different event type for the "
                    "next step)",
                )
        for i, name in enumerate(service.invokes):
            check.ref((*base, "invokes", i), name, "service", services)
        for i, name in enumerate(service.topics):
            check.ref((*base, "topics", i), name, "topic", topics)
        check.ref((*base, "on_failure_dlq"), service.on_failure_dlq, "queue", queues)
        check.ref(
            (*base, "on_failure_destination"), service.on_failure_destination, "queue", queues
        )
        if service.trigger == "sqs":
            if service.queue is None:
                check.add((*base, "queue"), "trigger 'sqs' needs the queue it reads")
            else:
                check.ref((*base, "queue"), service.queue, "queue", queues)
                if service.queue in queues:
                    _check_mapping(check, base, service, c.queue(service.queue).fifo)
        elif service.queue is not None:
            check.add(
                (*base, "queue"),
                f"queue '{service.queue}' is set but trigger is '{service.trigger}', not 'sqs'",
            )
        if service.handler is not None and not re.fullmatch(
            r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", service.handler
        ):
            check.add(
                (*base, "handler"), f"handler '{service.handler}' is not 'module.path:function'"
            )


def _check_event_types(check: _Checker) -> None:
    c = check.catalog
    services = _names(c.services)
    emitters: dict[str, list[str]] = {}
    consumers: dict[str, list[str]] = {}
    for service in c.services:
        for name in dict.fromkeys(service.emits):
            emitters.setdefault(name, []).append(service.name)
        for name in dict.fromkeys(service.consumes):
            consumers.setdefault(name, []).append(service.name)
    for e, event in enumerate(c.event_types):
        base: Path = ("event_types", e)
        emitted_by = emitters.get(event.name, [])
        consumed_by = consumers.get(event.name, [])
        for i, name in enumerate(event.producers or []):
            check.ref((*base, "producers", i), name, "service", services)
        for i, name in enumerate(event.consumers or []):
            check.ref((*base, "consumers", i), name, "service", services)
        declared_producers = sorted(event.producers or [])
        if declared_producers != sorted(emitted_by):
            check.add(
                (*base, "producers"),
                f"producers {declared_producers} disagree with the services that emit "
                f"'{event.name}': {sorted(emitted_by)}",
            )
        declared_consumers = sorted(event.consumers or [])
        if declared_consumers != sorted(consumed_by):
            check.add(
                (*base, "consumers"),
                f"consumers {declared_consumers} disagree with the services that consume "
                f"'{event.name}': {sorted(consumed_by)}",
            )
        if not emitted_by:
            check.add(base, f"event type '{event.name}' is emitted by no service")
        if not consumed_by:
            check.add(base, f"event type '{event.name}' is consumed by no service", "warning")


def _check_buses(check: _Checker) -> None:
    c = check.catalog
    events = _names(c.event_types)
    services = _names(c.services)
    queues = _names(c.queues)
    delivered: set[tuple[str, str]] = set()  # (event type, service or queue)
    for b, bus in enumerate(c.buses):
        for r, rule in enumerate(bus.rules):
            base: Path = ("buses", b, "rules", r)
            for i, name in enumerate(rule.event_types):
                check.ref((*base, "event_types", i), name, "event type", events)
            for t, target in enumerate(rule.targets):
                tpath: Path = (*base, "targets", t)
                if (target.service is None) == (target.queue is None):
                    check.add(tpath, "a target names exactly one of 'service' or 'queue'")
                check.ref((*tpath, "service"), target.service, "service", services)
                check.ref((*tpath, "queue"), target.queue, "queue", queues)
                check.ref((*tpath, "dlq"), target.dlq, "queue", queues)
                if target.dlq is not None and target.dlq in queues and c.queue(target.dlq).fifo:
                    check.add(
                        (*tpath, "dlq"),
                        f"dead-letter queue '{target.dlq}' of a rule target must be a standard "
                        "queue (EventBridge does not support FIFO dead-letter queues)",
                    )
                for event in rule.event_types:
                    for receiver in (target.service, target.queue):
                        if receiver:
                            delivered.add((event, receiver))
    if not c.buses:
        return
    for s, service in enumerate(c.services):
        if service.trigger not in ("eventbridge", "sqs"):
            continue
        reader = service.name if service.trigger == "eventbridge" else service.queue
        if reader is None:
            continue
        for i, event in enumerate(service.consumes):
            if event in events and (event, reader) not in delivered:
                via = "" if reader == service.name else f" (via queue '{reader}')"
                check.add(
                    ("services", s, "consumes", i),
                    f"no rule delivers '{event}' to service '{service.name}'{via}",
                )


def _check_queues(check: _Checker) -> None:
    c = check.catalog
    queues = _names(c.queues)
    services = _names(c.services)
    for q, queue in enumerate(c.queues):
        base: Path = ("queues", q)
        if queue.fifo != queue.name.endswith(".fifo"):
            wanted = "must end in '.fifo'" if queue.fifo else "ends in '.fifo' but fifo is false"
            check.add((*base, "name"), f"queue name '{queue.name}' {wanted}")
        check.ref((*base, "consumer"), queue.consumer, "service", services)
        check.ref((*base, "dlq"), queue.dlq, "queue", queues)
        if queue.dlq is not None and queue.max_receive_count is None:
            check.add((*base, "max_receive_count"), "a queue with a dlq needs max_receive_count")
        if queue.dlq is None and queue.max_receive_count is not None:
            check.add((*base, "max_receive_count"), "max_receive_count is set but there is no dlq")
        if queue.dlq == queue.name:
            check.add((*base, "dlq"), "a queue cannot be its own dead-letter queue")
        elif queue.dlq is not None and queue.dlq in queues:
            dlq = c.queue(queue.dlq)
            if dlq.fifo != queue.fifo:
                kinds = ("FIFO", "standard") if queue.fifo else ("standard", "FIFO")
                check.add(
                    (*base, "dlq"),
                    f"{kinds[0]} queue '{queue.name}' has {kinds[1]} dead-letter queue "
                    f"'{dlq.name}' (both must be {kinds[0]})",
                )
            if dlq.retention_s <= queue.retention_s:
                check.add(
                    (*base, "dlq"),
                    f"dead-letter queue '{dlq.name}' keeps messages {dlq.retention_s} s, not longer "
                    f"than its source's {queue.retention_s} s: messages expire before anyone "
                    "can redrive them",
                    "warning" if queue.fifo else "error",
                )
        if queue.consumer in services:
            consumer = c.service(queue.consumer)
            needed = LAMBDA_SQS_VISIBILITY_FACTOR * consumer.timeout_s
            if queue.visibility_timeout_s < consumer.timeout_s:
                check.add(
                    (*base, "visibility_timeout_s"),
                    f"visibility timeout {queue.visibility_timeout_s} s is shorter than consumer "
                    f"'{consumer.name}' timeout {consumer.timeout_s} s (Lambda rejects this)",
                )
            elif queue.visibility_timeout_s < needed:
                check.add(
                    (*base, "visibility_timeout_s"),
                    f"visibility timeout {queue.visibility_timeout_s} s is below 6 × consumer "
                    f"'{consumer.name}' timeout = {needed} s (AWS's recommendation for SQS event "
                    "sources)",
                    "warning",
                )


def _check_topics_and_schedules(check: _Checker) -> None:
    c = check.catalog
    topics = _names(c.topics)
    services = _names(c.services)
    workflows = _names(c.workflows)
    check.ref(("notifications", "alerts_topic"), c.notifications.alerts_topic, "topic", topics)
    if c.notifications.alerts_topic in topics and c.alerts_topic().purpose != "alerts":
        check.add(
            ("notifications", "alerts_topic"),
            f"topic '{c.notifications.alerts_topic}' receives alarms but its purpose is "
            f"'{c.alerts_topic().purpose}', not 'alerts'",
            "warning",
        )
    scheduled_targets = set()
    for i, schedule in enumerate(c.schedules):
        base: Path = ("schedules", i)
        problem = expression_problem(schedule.expression)
        if problem is not None:
            check.add((*base, "expression"), problem)
        try:
            zoneinfo.ZoneInfo(schedule.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            check.add((*base, "timezone"), f"unknown time zone '{schedule.timezone}'")
        check.ref((*base, "target"), schedule.target, "service", services)
        check.ref((*base, "workflow"), schedule.workflow, "workflow", workflows)
        scheduled_targets.add(schedule.target)
    for s, service in enumerate(c.services):
        if service.trigger == "schedule" and service.name not in scheduled_targets:
            check.add(
                ("services", s, "trigger"),
                f"service '{service.name}' has trigger 'schedule' but no schedule targets it",
            )


def _check_mapping(check: _Checker, base: Path, service: Service, fifo: bool) -> None:
    """An SQS event source mapping's settings as Lambda accepts them: BatchSize at most 10 on a
    FIFO queue, above 10 only with MaximumBatchingWindowInSeconds of at least 1, and no batching
    window on a FIFO queue
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html)."""
    if fifo and service.batch_size > 10:
        check.add(
            (*base, "batch_size"),
            f"batch_size {service.batch_size} on FIFO queue '{service.queue}': at most 10",
        )
    elif service.batch_size > 10 and service.batching_window_s < 1:
        check.add(
            (*base, "batch_size"),
            f"batch_size {service.batch_size} is above 10: Lambda needs batching_window_s of at "
            "least 1",
        )
    if fifo and service.batching_window_s > 0:
        check.add(
            (*base, "batching_window_s"),
            f"FIFO queue '{service.queue}' has no batching window: batching_window_s must be 0",
        )


def _check_subscriptions(check: _Checker) -> None:
    queues = _names(check.catalog.queues)
    for t, topic in enumerate(check.catalog.topics):
        for i, subscription in enumerate(topic.subscriptions):
            path: Path = ("topics", t, "subscriptions", i, "dlq")
            check.ref(path, subscription.dlq, "queue", queues)
            if subscription.dlq is not None and subscription.dlq in queues:
                dlq_fifo = check.catalog.queue(subscription.dlq).fifo
                if dlq_fifo != topic.name.endswith(".fifo"):
                    kinds = ("FIFO", "standard") if dlq_fifo else ("standard", "FIFO")
                    check.add(
                        path,
                        f"dead-letter queue '{subscription.dlq}' is {kinds[0]}: a {kinds[1]} "
                        f"topic's subscription needs a {kinds[1]} queue",
                    )
            pattern, wanted = SUBSCRIPTION_ENDPOINTS[subscription.protocol]
            if not re.fullmatch(pattern, subscription.endpoint):
                check.add(
                    ("topics", t, "subscriptions", i, "endpoint"),
                    f"{subscription.protocol} subscription endpoint '{subscription.endpoint}' "
                    f"is not {wanted}",
                )


_START_NEEDS = {"direct": "service", "api": "service", "queue": "queue"}


def _check_start(check: _Checker, base: Path, workflow: Any) -> None:
    """A workflow's ``start``: the field its kind needs, and every name it gives exists."""
    c = check.catalog
    start = workflow.start
    needed = _START_NEEDS.get(start.kind)
    if needed is not None and getattr(start, needed) is None:
        check.add((*base, needed), f"start kind '{start.kind}' needs {needed}: name the {needed}")
    if start.kind == "schedule" and start.schedule is None and workflow.schedule is None:
        check.add(
            (*base, "schedule"),
            "start kind 'schedule' needs schedule: name the schedule (here or on the workflow)",
        )
    check.ref((*base, "schedule"), start.schedule, "schedule", _names(c.schedules))
    check.ref((*base, "service"), start.service, "service", _names(c.services))
    check.ref((*base, "queue"), start.queue, "queue", _names(c.queues))
    check.ref((*base, "bus"), start.bus, "bus", _names(c.buses))
    if start.detail_type is not None:
        check.ref((*base, "detail_type"), start.detail_type, "event type", _names(c.event_types))
    if start.kind in ("direct", "api") and start.service is not None:
        service = next((s for s in c.services if s.name == start.service), None)
        if service is not None and service.trigger != "direct":
            check.add(
                (*base, "service"),
                f"start kind '{start.kind}' invokes '{start.service}' directly, but its trigger "
                f"is '{service.trigger}': make its trigger 'direct' or start the workflow another way",
            )
    if start.kind == "queue" and start.queue is not None:
        readers = [s.name for s in c.services if s.trigger == "sqs" and s.queue == start.queue]
        if not readers:
            check.add(
                (*base, "queue"),
                f"no service reads queue '{start.queue}' (trigger 'sqs'): a message sent there "
                "would start nothing",
            )


def _check_shared_starts(check: _Checker) -> None:
    first: dict[str, str] = {}
    for w, workflow in enumerate(check.catalog.workflows):
        other = first.setdefault(workflow.start_event, workflow.name)
        if other != workflow.name:
            check.add(
                ("workflows", w, "start_event"),
                f"workflow '{workflow.name}' starts with '{workflow.start_event}' like workflow "
                f"'{other}': nothing tells their runs apart, so every start would count for both "
                "and one always looks lost; give each workflow its own start event",
            )


def _split_key(key: str) -> Path:
    """``failure_events[2]`` → ``('failure_events', 2)``."""
    name, _, index = key.partition("[")
    return (name, int(index.rstrip("]"))) if index else (name,)


def _check_workflows(check: _Checker) -> None:
    c = check.catalog
    events = _names(c.event_types)
    schedules = _names(c.schedules)
    _check_shared_starts(check)
    for w, workflow in enumerate(c.workflows):
        base: Path = ("workflows", w)
        check.ref((*base, "start_event"), workflow.start_event, "event type", events)
        check.ref((*base, "success_event"), workflow.success_event, "event type", events)
        for i, name in enumerate(workflow.failure_events):
            check.ref((*base, "failure_events", i), name, "event type", events)
        for i, name in enumerate(workflow.steps):
            check.ref((*base, "steps", i), name, "event type", events)
        check.ref((*base, "schedule"), workflow.schedule, "schedule", schedules)
        if workflow.start is not None:
            _check_start(check, (*base, "start"), workflow)
        given = workflow.model_fields_set
        if "failure_events" in given and not workflow.failure_events:
            check.add(
                (*base, "failure_events"),
                "failure_events is empty, so the failures alarm could never fire: name the "
                "events that mean a run failed, or omit the key when none does",
            )
        if workflow.success_event in workflow.failure_events:
            i = workflow.failure_events.index(workflow.success_event)
            check.add(
                (*base, "failure_events", i),
                f"'{workflow.success_event}' is the success_event and also a failure event: a "
                "run that ends with it would count as both",
            )
        if "steps" in given and not workflow.steps:
            check.add(
                (*base, "steps"),
                "steps is empty: list the event types a run goes through, from start_event to "
                "success_event, or omit the key (then start_event → success_event)",
            )
        ends = [("start_event", workflow.start_event), ("success_event", workflow.success_event)]
        ends += [(f"failure_events[{i}]", e) for i, e in enumerate(workflow.failure_events)]
        for key, event in ends:
            if event in events and not c.consumers_of(event):
                check.add(
                    (*base, *_split_key(key)),
                    f"no service consumes '{event}', so no log line shows this workflow reach it "
                    "(outcome and SLA queries cannot see it)",
                    "warning",
                )
        if workflow.steps and (
            workflow.steps[0] != workflow.start_event
            or workflow.steps[-1] != workflow.success_event
        ):
            check.add(
                (*base, "steps"),
                f"steps should run from start_event '{workflow.start_event}' to success_event "
                f"'{workflow.success_event}'",
                "warning",
            )


def _check_aws_name(check: _Checker, path: Path, kind: str, name: str | None) -> bool:
    """Report ``name`` if AWS would refuse it; True when it is fine."""
    if name is None:
        return True
    what, pattern, longest = AWS_NAMES[kind]
    if len(name) > longest or not re.fullmatch(pattern, name):
        check.add(
            path,
            f"{what} '{name}' is not valid in AWS (at most {longest} characters of {pattern})",
        )
        return False
    return True


def _check_aws_names(check: _Checker) -> None:
    """Names AWS would refuse at deploy time, found before anything is generated."""
    c = check.catalog
    for i, service in enumerate(c.services):
        path: Path = ("services", i, "function_name")
        if _check_aws_name(check, path, "function", service.function_name):
            # a bad default log group follows from a bad function name: report only the cause
            _check_aws_name(check, ("services", i, "log_group"), "log_group", service.log_group)
    for i, queue in enumerate(c.queues):
        _check_aws_name(check, ("queues", i, "name"), "queue", queue.name)
    for i, topic in enumerate(c.topics):
        _check_aws_name(check, ("topics", i, "name"), "topic", topic.name)
    for b, bus in enumerate(c.buses):
        _check_aws_name(check, ("buses", b, "name"), "bus", bus.name)
        for r, rule in enumerate(bus.rules):
            _check_aws_name(check, ("buses", b, "rules", r, "name"), "rule", rule.name)
    for i, schedule in enumerate(c.schedules):
        _check_aws_name(check, ("schedules", i, "name"), "schedule", schedule.name)
