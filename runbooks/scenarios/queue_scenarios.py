"""Scenario templates for SQS queues: a source queue's backlog, a poison message, a DLQ holding events.

SQS facts they rest on (SQS Developer Guide, "Using dead-letter queues"): a message received
``maxReceiveCount`` times without being deleted moves to the DLQ; in a FIFO queue a failing message
blocks the rest of its message group until it moves. A DLQ of another SQS queue can be redriven
with ``StartMessageMoveTask`` (what ``obskit dlq replay`` uses when the endpoint supports it); a
DLQ fed by EventBridge or Lambda cannot, and is replayed message by message.
"""

from __future__ import annotations

from catalog.models import Catalog, Queue, Service, Topic
from dashboards.naming import resource_slug
from runbooks.scenarios import evidence
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from runbooks.scenarios.recovery import (
    ASYNC_RETRY_DELAY_S,
    delayed_workflow_alarms,
    dropped_alarms,
    late_run_alarms,
    redrive_detection,
    redrive_may_fire,
    replay_steps,
    restore_concurrency_step,
    sqs_may_fire,
    workflow_of,
)
from runbooks.scenarios.topic_scenarios import (
    dlq_detection,
    subscription_dlq_steps,
    workflow_publishing,
)

AGE_WINDOW_S = 15 * 60
DLQ_WINDOW_S = 60
SLACK_S = 5 * 60


def consumer_of(catalog: Catalog, queue: Queue) -> Service | None:
    for service in catalog.services:
        if service.queue == queue.name or service.name == queue.consumer:
            return service
    return None


def queue_scenarios(
    ctx: ScenarioContext, queue: Queue, dlq_sources: dict[str, str]
) -> list[Scenario]:
    out: list[Scenario] = []
    if queue.name in dlq_sources:
        out.append(_dlq_holds_events(ctx, queue, dlq_sources[queue.name]))
        return out
    out.append(_backlog(ctx, queue))
    consumer = consumer_of(ctx.catalog, queue)
    if queue.dlq and consumer is not None:
        out.append(_poison(ctx, queue, consumer))
    return out


def _backlog(ctx: ScenarioContext, queue: Queue) -> Scenario:
    alarm = ctx.alarm(queue.name, "age-of-oldest")
    consumer = consumer_of(ctx.catalog, queue)
    threshold = max(300, queue.visibility_timeout_s)
    diagnosis = [
        Step(
            "Get the queue URL (the other `aws sqs` commands take it).",
            ctx.aws("sqs", "get-queue-url", "--queue-name", queue.name),
            expect=evidence.queue_url(queue.name),
        ),
        Step(
            "How many messages wait, how many are in flight?",
            ctx.aws(
                "sqs",
                "get-queue-attributes",
                "--queue-url",
                "<queue-url>",
                "--attribute-names",
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ),
            runnable=False,
            dashboard=ctx.dashboard,
        ),
    ]
    mitigation: list[Step] = []
    if consumer is not None:
        fn = ctx.function(consumer)
        diagnosis.append(
            Step(
                f"Is `{fn}` still reading (event source mapping State `Enabled`)?",
                ctx.aws("lambda", "list-event-source-mappings", "--function-name", fn),
                expect=evidence.event_source_mapping(queue.name, consumer.batch_size),
            )
        )
        diagnosis.append(
            Step(
                f"Is `{fn}` failing or throttled? See scenarios `lambda-{consumer.name}-failing` "
                f"and `lambda-{consumer.name}-throttled`.",
                ctx.aws("lambda", "get-function-concurrency", "--function-name", fn),
                # the drill's fault: the consumer stopped (reserved concurrency 0)
                expect=evidence.reserved_concurrency(0),
            )
        )
        mitigation.append(
            Step(
                "If the mapping is disabled, enable it.",
                ctx.aws("lambda", "update-event-source-mapping", "--uuid", "<uuid>", "--enabled"),
                runnable=False,
            )
        )
        mitigation.append(restore_concurrency_step(ctx, consumer, when_throttled=True))
        mitigation.append(
            Step(
                f"If the consumer fails, follow `lambda-{consumer.name}-failing`; the backlog "
                "drains by itself once it reads again."
            )
        )
        if queue.dlq:
            mitigation.extend(_replay_throttled(ctx, queue, queue.dlq))
    return Scenario(
        id=f"queue-{_slug(ctx, queue.name)}-backlog",
        title=f"{queue.name}: backlog growing (oldest message > {threshold} s)",
        severity="high",
        kind="queue",
        resource=queue.name,
        summary=f"Messages wait in `{queue.name}` longer than one visibility timeout: the consumer "
        "is failing, throttled or not reading.",
        alarms=(alarm,),
        symptoms=(
            f"ApproximateAgeOfOldestMessage >= {threshold} s for 15 minutes.",
            "Workflows that pass through the queue stall at that step.",
        ),
        diagnosis=tuple(diagnosis),
        mitigation=tuple(mitigation),
        verification=(
            Step(
                "The alarm is back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", alarm),
                expect=evidence.alarms_not_firing([alarm]),
            ),
        ),
        rollback=(Step("Nothing to undo: enabling a mapping or restoring concurrency is safe."),),
        escalation=ctx.escalation(),
        drill=_backlog_drill(ctx, queue, consumer) if consumer is not None else None,
    )


def _replay_throttled(ctx: ScenarioContext, queue: Queue, dlq: str) -> tuple[Step, ...]:
    """A throttled mapping still receives (see :func:`throttled_receives_to_dlq`): what ran out
    of receives is in the DLQ, and comes back only by a replay."""
    note = Step(
        f"Lambda kept receiving from `{queue.name}` while it was throttled: each visibility "
        f"timeout ({queue.visibility_timeout_s} s) cost a message one receive, and after "
        f"{queue.max_receive_count or 1} receives SQS moved it to `{dlq}` (also up to one "
        "visibility timeout after the concurrency is back, for a message then in flight). When "
        "the DLQ alarm fires, replay it to the queue:"
    )
    return (note, *replay_steps(ctx, dlq))


def throttled_receives_to_dlq(queue: Queue) -> int | None:
    """Seconds of throttling after which a message of ``queue`` is in its DLQ (None: no DLQ).

    "If the invocation fails due to throttling, Lambda ... continues to retry the message until
    the message's timestamp exceeds your queue's visibility timeout"; the message then returns to
    the queue and is received again, so each visibility timeout is one receive, and the receive
    after ``maxReceiveCount`` moves it to the DLQ
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html).
    """
    if not queue.dlq:
        return None
    return (queue.max_receive_count or 1) * queue.visibility_timeout_s


def _backlog_drill(ctx: ScenarioContext, queue: Queue, consumer: Service) -> Drill:
    """Throttle the consumer until the backlog alarms. The age-of-oldest alarm (threshold
    max(300 s, visibility timeout), 15 periods) is expected when it comes before the messages
    reach the DLQ; the DLQ's alarm whenever there is a DLQ, since the throttle lasts until
    detection."""
    age = ctx.alarm(queue.name, "age-of-oldest")
    throttles = ctx.alarm(consumer.name, "throttles")
    age_at = max(300, queue.visibility_timeout_s) + AGE_WINDOW_S
    expected = [age, throttles]
    budget = age_at
    to_dlq = throttled_receives_to_dlq(queue)
    may_fire = delayed_workflow_alarms(ctx, consumer)
    if queue.dlq and to_dlq is not None:
        if age_at > to_dlq + DLQ_WINDOW_S:
            expected.remove(age)
            may_fire = (*may_fire, age)
            budget = 0
        expected.append(ctx.alarm(queue.dlq, "not-empty"))
        budget = max(budget, to_dlq + DLQ_WINDOW_S)
    return Drill(
        fault=Fault("service", consumer.name, "throttle"),
        expected_alarms=tuple(expected),
        detection_budget_s=budget + SLACK_S,
        workflow=workflow_of(ctx.catalog, consumer),
        may_fire=may_fire,
    )


def _poison(ctx: ScenarioContext, queue: Queue, consumer: Service) -> Scenario:
    assert queue.dlq is not None
    dlq = queue.dlq
    fn = ctx.function(consumer)
    receives = queue.max_receive_count or 1
    alarms = (
        ctx.alarm(dlq, "not-empty"),
        ctx.alarm(consumer.name, "errors"),
        ctx.alarm(queue.name, "age-of-oldest"),
    )
    expected, detect_s = redrive_detection(ctx, queue, consumer)
    fifo_note = (
        f" `{queue.name}` is FIFO: until the message moves to the DLQ it blocks every later "
        "message of its message group."
        if queue.fifo
        else ""
    )
    return Scenario(
        id=f"queue-{_slug(ctx, queue.name)}-poison-message",
        title=f"{queue.name}: a poison message (one event fails every time)",
        severity="high",
        kind="queue",
        resource=queue.name,
        summary=f"One message makes `{fn}` fail on every receive; after {receives} receives SQS "
        f"moves it to `{dlq}`.{fifo_note}",
        alarms=alarms,
        symptoms=(
            f"DLQ `{dlq}` holds a few messages while `{fn}` succeeds on the others.",
            "The same event_id appears in error lines several times.",
        ),
        diagnosis=(
            Step(
                "Which events were dead-lettered, and their last error?",
                ctx.query_command(f"events/dead-lettered-{consumer.name}"),
                query=ctx.query(f"events/dead-lettered-{consumer.name}"),
                expect=evidence.rows_of(*consumer.consumes),
            ),
            Step(
                "Read the message(s) without deleting them: event type, error, sample IDs.",
                ctx.dlq_inspect(dlq),
                expect=evidence.dlq_holds_messages(dlq),
            ),
            Step(
                "Trace the workflow of a sample message's correlation_id.",
                ctx.obskit("trace", "<correlation-id>", region=True),
                runnable=False,
            ),
        ),
        mitigation=(
            Step(
                "Decide: a bug (fix and deploy it, then replay) or bad data (leave the message "
                "in the DLQ, fix the data upstream, and start the workflow again)."
            ),
            *replay_steps(ctx, dlq),
            Step(
                "If the replay reports the message as poison again, park it for the owning team "
                "so the DLQ alarm can clear (the park queue is created by the team, not obskit).",
                ctx.obskit(
                    "dlq",
                    "replay",
                    dlq,
                    "--park-poison",
                    "<park-queue>",
                    catalog=False,
                    region=True,
                ),
                runnable=False,
            ),
        ),
        verification=(
            Step(f"DLQ `{dlq}` is empty.", ctx.dlq_inspect(dlq), expect=evidence.dlq_empty(dlq)),
            Step(
                f"The replayed event reached `{ctx.function(consumer)}` again: its row counts "
                "the failed receives plus the replay; more than that means it was handled "
                "twice by mistake.",
                ctx.query_command("events/handled-more-than-once"),
                query=ctx.query("events/handled-more-than-once"),
                expect=evidence.handled_again_by([consumer], consumer.consumes),
            ),
        ),
        rollback=(
            Step(
                "A parked message can be replayed later from the park queue the same way.",
                ctx.obskit(
                    "dlq",
                    "replay",
                    "<park-queue>",
                    "--to",
                    f"sqs:{queue.name}",
                    catalog=False,
                    region=True,
                ),
                runnable=False,
            ),
        ),
        escalation=ctx.escalation(),
        drill=Drill(
            fault=Fault("service", consumer.name, "crash"),
            expected_alarms=expected,
            detection_budget_s=detect_s + SLACK_S,
            workflow=workflow_of(ctx.catalog, consumer),
            workflows=1,
            may_fire=(*delayed_workflow_alarms(ctx, consumer), *sqs_may_fire(ctx, consumer)),
        ),
    )


def _dlq_holds_events(ctx: ScenarioContext, dlq: Queue, source: str) -> Scenario:
    alarm = ctx.alarm(dlq.name, "not-empty")
    lambda_function = _replay_target(ctx, dlq)
    fault, expected, budget, workflow = _dlq_fault(ctx, dlq)
    topic = _topic_of(ctx, dlq)
    replay = (
        subscription_dlq_steps(ctx, topic, dlq.name)
        if topic is not None
        else replay_steps(ctx, dlq.name, lambda_function=lambda_function)
    )
    return Scenario(
        id=f"dlq-{_slug(ctx, dlq.name)}-not-empty",
        title=f"{dlq.name}: dead-letter queue holds events",
        severity="critical",
        kind="dlq",
        resource=dlq.name,
        summary=f"Events from {source} failed every retry and wait in `{dlq.name}` "
        f"(kept {dlq.retention_s // 86400} days). Each one is a workflow step that did not happen.",
        # a subscription DLQ SNS cannot write to: the same lost notifications, seen by the topic
        alarms=(alarm, *((ctx.alarm(topic.name, "redrive-to-dlq-failed"),) if topic else ())),
        symptoms=(
            f"ApproximateNumberOfMessagesVisible of `{dlq.name}` > 0.",
            "Workflows stop at the step whose event is in the DLQ.",
        ),
        diagnosis=(
            Step(
                "What is in it: event types, error codes and messages (EventBridge's "
                "ERROR_CODE/ERROR_MESSAGE/RULE_ARN/TARGET_ARN, Lambda's ErrorCode/ErrorMessage), "
                "oldest age, sample IDs.",
                ctx.dlq_inspect(dlq.name),
                expect=evidence.dlq_holds_messages(dlq.name),
            ),
            Step(
                "Which events failed in their handlers, by type?",
                ctx.query_command("events/failed-by-type"),
                query=ctx.query("events/failed-by-type"),
                dashboard=ctx.dashboard,
                expect=_failing_handler_lines(ctx, fault),
            ),
        ),
        mitigation=(
            Step(
                "Fix the cause the errors name first (see the failing function's or rule's "
                "scenario); replaying into a still-broken consumer only refills the DLQ."
            ),
            *replay,
        ),
        verification=(
            Step(
                f"`{dlq.name}` is empty.",
                ctx.dlq_inspect(dlq.name),
                expect=evidence.dlq_empty(dlq.name),
            ),
            Step(
                "The alarm is back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", alarm),
                expect=evidence.alarms_not_firing([alarm]),
            ),
        ),
        rollback=(
            Step(
                "Stop a replay with Ctrl-C at any time: in-flight messages are made visible "
                "again and the journal remembers what was sent, so a re-run neither loses nor "
                "re-sends anything."
            ),
        ),
        escalation=ctx.escalation(),
        drill=(
            Drill(
                fault=fault,
                expected_alarms=expected,
                detection_budget_s=budget,
                workflow=workflow,
                may_fire=(
                    *late_run_alarms(ctx, workflow),
                    *_redrive_may_fire(ctx, dlq),
                    # a failing topic's own alarm, if its failures span five minutes
                    *((ctx.alarm(topic.name, "notifications-failed"),) if topic else ()),
                ),
            )
            if fault is not None
            else None
        ),
    )


def _topic_of(ctx: ScenarioContext, dlq: Queue) -> Topic | None:
    """The topic one of whose subscriptions has ``dlq`` as its dead-letter queue, if any."""
    for topic in ctx.catalog.topics:
        if any(s.dlq == dlq.name for s in topic.subscriptions):
            return topic
    return None


def _failing_handler_lines(ctx: ScenarioContext, fault: Fault | None) -> tuple[str, ...]:
    """In the drill, the events come from a failing handler: its log group has the error lines
    (a rule's failed deliveries write none, so nothing more than exit 0 is asked then)."""
    if fault is None or fault.target != "service":
        return ()
    service = ctx.catalog.service(fault.name)
    return (*evidence.typed_log_lines_of(service), *evidence.failed_types_of(service))


def _redrive_may_fire(ctx: ScenarioContext, dlq: Queue) -> tuple[str, ...]:
    """:func:`redrive_may_fire` for the source queue whose crashing consumer fills ``dlq``, when
    that is the fault :func:`_dlq_fault` picks."""
    for queue in ctx.catalog.queues:
        consumer = consumer_of(ctx.catalog, queue)
        if queue.dlq == dlq.name and consumer is not None:
            return redrive_may_fire(ctx, queue, consumer)
    return ()


def _replay_target(ctx: ScenarioContext, dlq: Queue) -> str | None:
    """The function whose asynchronous failures land in ``dlq``, when exactly one does: its
    messages are re-invoked on it (``--lambda``); the others go where their attributes say."""
    functions = [s for s in ctx.catalog.services if s.on_failure_dlq == dlq.name]
    return ctx.function(functions[0]) if len(functions) == 1 else None


def _dlq_fault(
    ctx: ScenarioContext, dlq: Queue
) -> tuple[Fault | None, tuple[str, ...], int, str | None]:
    """The simplest fault that fills this DLQ (a crashing consumer of its source queue, a
    crashing function whose on-failure DLQ it is, or a rule that cannot deliver), the alarms it
    makes fire, and the detection budget."""
    catalog = ctx.catalog
    not_empty = ctx.alarm(dlq.name, "not-empty")
    for queue in catalog.queues:
        consumer = consumer_of(catalog, queue)
        if queue.dlq == dlq.name and consumer is not None:
            expected, detect_s = redrive_detection(ctx, queue, consumer)
            return (
                Fault("service", consumer.name, "crash"),
                expected,
                detect_s + SLACK_S,
                workflow_of(catalog, consumer),
            )
    for service in catalog.services:
        if dlq.name in (service.on_failure_dlq, service.on_failure_destination):
            return (
                Fault("service", service.name, "crash"),
                (ctx.alarm(service.name, "errors"), *dropped_alarms(ctx, service), not_empty),
                ASYNC_RETRY_DELAY_S + DLQ_WINDOW_S + SLACK_S,
                workflow_of(catalog, service),
            )
    for _bus, rule in catalog.rules():
        if any(t.dlq == dlq.name for t in rule.targets):
            expected = (
                ctx.alarm(rule.name, "failed-invocations"),
                ctx.alarm(rule.name, "sent-to-dlq"),
                not_empty,
            )
            workflow = _workflow_of_events(catalog, rule.event_types)
            return (
                Fault("rule", rule.name, "deliver-fail"),
                expected,
                DLQ_WINDOW_S + SLACK_S,
                workflow,
            )
    topic = _topic_of(ctx, dlq)
    if topic is not None:
        found, at = dlq_detection(ctx, topic)
        if not_empty in found:
            return (
                Fault("topic", topic.name, "deliver-fail"),
                (not_empty,),
                at + SLACK_S,
                workflow_publishing(ctx, topic),
            )
    return None, (), 0, None


def _workflow_of_events(catalog: Catalog, events: list[str]) -> str | None:
    for workflow in catalog.workflows:
        if set(events) & {*workflow.steps, workflow.start_event, workflow.success_event}:
            return workflow.name
    return None


def _slug(ctx: ScenarioContext, name: str) -> str:
    return resource_slug(ctx.catalog.system, ctx.catalog.stage, name)
