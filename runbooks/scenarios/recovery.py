"""Where a function's failed events end up, and the steps that pause, replay and undo for it.

One place decides this for every template, from the catalog alone:
- SQS trigger → the queue's redrive DLQ (after ``max_receive_count`` receives);
- asynchronous invocation with an on-failure DLQ → that DLQ (after Lambda's two retries);
- asynchronous invocation without one → the event is dropped; recovery is the bus archive replay
  (EventBridge ``StartReplay``) when the bus keeps an archive, else re-running the workflow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from catalog.models import Bus, Catalog, Queue, RetryPolicy, Rule, Schedule, Service
from dashboards.facades.lambda_function import invoked_asynchronously
from dashboards.facades.scheduled_job import MISSED_RUN_WHAT, missed_run_window, scheduled_jobs
from runbooks.scenarios import evidence
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import Step

ASYNC_RETRY_DELAY_S = 60 + 120
"""Lambda's two asynchronous retries wait about 1 and then 2 minutes."""


@dataclass(frozen=True)
class FailureSink:
    label: str
    summary: str
    alarms: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    pause: tuple[Step, ...] = ()
    resume: tuple[Step, ...] = ()
    replay: tuple[Step, ...] = ()
    verify: tuple[Step, ...] = ()
    undo: tuple[Step, ...] = ()
    extra_delay_s: int = 0
    dlq: str | None = None
    expected: tuple[str, ...] | None = None
    """Alarms a crashing handler makes fire (None: the errors alarm and ``alarms``)."""
    detect_s: int | None = None
    """Seconds until the last of ``expected`` fires (None: the errors window + extra delay)."""


AGE_WINDOW_S = 15 * 60
"""The age-of-oldest alarm needs 15 one-minute periods above its threshold."""
ERRORS_WINDOW_S = 3 * 60
DLQ_WINDOW_S = 60


def redrive_detection(
    ctx: ScenarioContext, queue: Queue, consumer: Service
) -> tuple[tuple[str, ...], int]:
    """What a consumer failing every message of ``queue`` makes fire, and by when.

    Each message is retried once per visibility timeout, then moved to the DLQ after
    ``max_receive_count`` receives. The Errors alarm needs errors in 3 consecutive minutes, so it
    is expected only when retries come at least once a minute; the queue's age-of-oldest alarm
    (threshold max(300 s, visibility timeout), 15 periods) fires if that comes before the DLQ.
    """
    receives = queue.max_receive_count or 1
    to_dlq = receives * queue.visibility_timeout_s
    expected: list[str] = []
    times: list[int] = []
    if queue.visibility_timeout_s <= 60:
        expected.append(ctx.alarm(consumer.name, "errors"))
        times.append(ERRORS_WINDOW_S)
    age_at = max(300, queue.visibility_timeout_s) + AGE_WINDOW_S
    if age_at <= to_dlq + DLQ_WINDOW_S:
        expected.append(ctx.alarm(queue.name, "age-of-oldest"))
        times.append(age_at)
    if queue.dlq:
        expected.append(ctx.alarm(queue.dlq, "not-empty"))
        times.append(to_dlq + DLQ_WINDOW_S)
    return tuple(expected), max(times or [0])


def redrive_may_fire(ctx: ScenarioContext, queue: Queue, consumer: Service) -> tuple[str, ...]:
    """The queue's age-of-oldest alarm when a failing message waits past its threshold but is
    dead-lettered before the 15 periods that make :func:`redrive_detection` expect it.

    The age metric is only reported while the queue holds a message, so after the redrive the
    periods are missing, and with TreatMissingData ``missing`` CloudWatch still goes to ALARM
    once the oldest breaching datapoint is 15 periods old and every newer one is breaching or
    missing ("Avoiding premature transitions to alarm state",
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#CloudWatch-alarms-avoiding-premature-transition).
    That comes about 15 minutes after the first breach: a drill still watching then sees it, a
    shorter one does not. It is the fault's own consequence, so a drill tolerates it.
    """
    age = ctx.alarm(queue.name, "age-of-oldest")
    expected, _ = redrive_detection(ctx, queue, consumer)
    to_dlq = (queue.max_receive_count or 1) * queue.visibility_timeout_s
    waits_past_threshold = to_dlq > max(300, queue.visibility_timeout_s)
    return (age,) if waits_past_threshold and age not in expected else ()


def sqs_may_fire(ctx: ScenarioContext, service: Service) -> tuple[str, ...]:
    """:func:`redrive_may_fire` for the queue ``service`` reads (none for other triggers)."""
    if service.trigger != "sqs" or not service.queue:
        return ()
    queue = ctx.catalog.queue(service.queue)
    return redrive_may_fire(ctx, queue, service) if queue.dlq else ()


#: EventBridge's retry delays as the sandbox draws them: full jitter under a cap that starts at
#: 1 s and doubles up to 5 minutes (AWS documents "exponential back off and jitter", not the
#: constants: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
RETRY_FIRST_CAP_S = 1.0
RETRY_MAX_CAP_S = 5 * 60


def retry_span_s(policy: RetryPolicy, *, average: bool = False) -> float:
    """How long EventBridge keeps retrying a target with ``policy`` before the event goes to
    the DLQ (or is dropped): the sum of the jittered delays, capped by the maximum event age.
    ``average``: half of each cap (what full jitter gives on average); else the caps
    themselves (the longest it can take)."""
    share = 0.5 if average else 1.0
    delays = sum(
        min(RETRY_FIRST_CAP_S * 2**attempt, RETRY_MAX_CAP_S) * share
        for attempt in range(policy.maximum_retry_attempts)
    )
    return min(float(policy.maximum_event_age_s), delays)


def invoked_async(catalog: Catalog, service: Service) -> bool:
    """Whether anything invokes ``service`` asynchronously; the generated alarms decide the same
    way (:func:`dashboards.facades.lambda_function.invoked_asynchronously`)."""
    return invoked_asynchronously(service, catalog)


def dropped_alarms(ctx: ScenarioContext, service: Service) -> tuple[str, ...]:
    """The events-dropped alarm of a function Lambda invokes asynchronously (none for an
    SQS-triggered or synchronously invoked one): AsyncEventsDropped counts every event Lambda
    gives up on, DLQ or not
    (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html)."""
    if not invoked_async(ctx.catalog, service):
        return ()
    return (ctx.alarm(service.name, "events-dropped"),)


def workflow_of(catalog: Catalog, service: Service) -> str | None:
    """The first workflow whose events the service consumes or emits (for ``trace --last``)."""
    mine = set(service.consumes) | set(service.emits)
    for workflow in catalog.workflows:
        events = {workflow.start_event, workflow.success_event, *workflow.failure_events}
        if mine & (events | set(workflow.steps)):
            return workflow.name
    return None


def delayed_workflow_alarms(ctx: ScenarioContext, service: Service) -> tuple[str, ...]:
    """The alarms a late run trips (:func:`late_run_alarms`) for the workflow ``service`` is a
    step of, if any.

    A fault that holds events back (retries, throttling, a replay after the fix) makes the runs
    it caught finish late: their WorkflowsCompleted duration crosses the SLA, and the events held
    back are handled later than their hop SLA, so those alarms rightly fire as a consequence.
    Whether they do depends on how long the events waited, so a drill tolerates them rather than
    expecting them.
    """
    return late_run_alarms(ctx, workflow_of(ctx.catalog, service))


def late_run_alarms(ctx: ScenarioContext, workflow: str | None) -> tuple[str, ...]:
    """``workflow``'s SLA-breach alarm and the hop-latency alarm of each of its event types
    (none without a workflow): what a run delayed anywhere may trip downstream of the delay."""
    if workflow is None:
        return ()
    flow = ctx.catalog.workflow(workflow)
    return (ctx.alarm(f"workflow-{workflow}", "sla-breach"), *hop_alarms(ctx, flow.events))


def hop_alarms(ctx: ScenarioContext, events: Iterable[str]) -> tuple[str, ...]:
    """The hop-latency alarms of ``events`` (those that have one), each once, in order."""
    found = (ctx.hop_alarm(event) for event in events)
    return tuple(dict.fromkeys(alarm for alarm in found if alarm))


def put_concurrency_command(ctx: ScenarioContext, function: str, reserved: int) -> str:
    """``aws lambda put-function-concurrency`` for ``function`` (0 stops it on purpose)."""
    return ctx.aws(
        "lambda",
        "put-function-concurrency",
        "--function-name",
        function,
        "--reserved-concurrent-executions",
        str(reserved),
    )


def restore_concurrency_step(
    ctx: ScenarioContext, service: Service, *, when_throttled: bool = False
) -> Step:
    """Give ``service`` back the concurrency the catalog gives it (a reservation of 0 is the
    emergency stop that throttles every invocation)."""
    fn = ctx.function(service)
    prefix = (
        "If the consumer is throttled (reserved concurrency 0 or too low): "
        if when_throttled
        else ""
    )
    reserved = service.reserved_concurrency
    if reserved:
        return Step(
            f"{prefix}Restore the catalog's reserved concurrency ({reserved}).",
            put_concurrency_command(ctx, fn, reserved),
            expect=evidence.reserved_concurrency(reserved),
        )
    return Step(
        f"{prefix}Remove the reservation (the catalog reserves none): the function uses the "
        "account's unreserved pool again.",
        ctx.aws("lambda", "delete-function-concurrency", "--function-name", fn),
    )


def job_schedule(catalog: Catalog, service: Service) -> Schedule | None:
    """The schedule that runs ``service`` as a scheduled job (one that starts no workflow)."""
    return next((s for s, job in scheduled_jobs(catalog) if job.name == service.name), None)


def missed_run_alarms(ctx: ScenarioContext, service: Service) -> tuple[str, ...]:
    """A scheduled job's missed-run alarm (none for other functions, or when the schedule's runs
    are too far apart for any alarm to watch)."""
    schedule = job_schedule(ctx.catalog, service)
    if schedule is None or missed_run_window(schedule, service) is None:
        return ()
    return (ctx.alarm(service.name, MISSED_RUN_WHAT),)


def missed_run_detect_s(ctx: ScenarioContext, service: Service) -> int:
    """How long after a drill's fault its job's missed-run alarm fires, at the latest: the
    alarm's window, counted from the job's last good run (the drill's baseline, before it)."""
    schedule = job_schedule(ctx.catalog, service)
    window = None if schedule is None else missed_run_window(schedule, service)
    return 0 if window is None else window.seconds + window.period_s


def schedule_of(catalog: Catalog, service: Service) -> Schedule | None:
    """The first schedule that invokes ``service``: a scheduled job's, or the one that starts a
    workflow with it."""
    return next((s for s in catalog.schedules if s.target == service.name), None)


def run_schedule_now_step(ctx: ScenarioContext, service: Service, schedule: Schedule) -> Step:
    """Make up a run the schedule lost: invoke its target once more now, the way the schedule
    does ("EventBridge Scheduler invokes your Lambda function asynchronously",
    https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html).

    One run, not one per missed time: a schedule that fires again does not repeat the times it
    missed either. Invoked while the function is still throttled or broken, Lambda accepts the
    event (202) and then drops it (reserved concurrency 0, see :mod:`sandbox.lambda_semantics`)
    or fails it, so the step only works after the fix; drills check that the run it starts is
    handled at its first attempt.
    """
    when = f"schedule `{schedule.name}`, {schedule.expression}"
    if schedule.workflow is None:
        what = (
            f"Once fixed, run the missed job now instead of waiting for its next run ({when}): "
            "an asynchronous invoke, as the schedule does (its missed-run alarm clears once the "
            "run succeeds). The job must tolerate an extra run, as a schedule may fire twice."
        )
    else:
        what = (
            f"Once fixed, start the missed `{schedule.workflow}` run now instead of waiting for "
            f"the next one ({when}): an asynchronous invoke, as the schedule does. Only after "
            "the fix, or Lambda drops this run too; the start must tolerate an extra run, as a "
            "schedule may fire twice."
        )
    return Step(
        what,
        ctx.aws(
            "lambda",
            "invoke",
            "response.json",
            "--function-name",
            ctx.function(service),
            "--invocation-type",
            "Event",
        ),
    )


def rules_to(catalog: Catalog, service: Service) -> list[tuple[Bus, Rule]]:
    return [
        (bus, rule)
        for bus, rule in catalog.rules()
        if any(t.service == service.name for t in rule.targets)
    ]


def replay_steps(
    ctx: ScenarioContext, dlq: str, lambda_function: str | None = None
) -> tuple[Step, ...]:
    """Inspect, preview, then replay a DLQ with ``obskit dlq`` (journal makes reruns safe).

    Each message goes back where its attributes say (RULE_ARN's bus, the source queue);
    ``lambda_function`` re-invokes the messages Lambda wrote (they do not name the function).
    """
    extra = ["--lambda", lambda_function] if lambda_function else []
    return (
        Step(
            f"See what waits in `{dlq}`: event types, errors, oldest age, sample IDs (nothing is "
            "deleted).",
            ctx.dlq_inspect(dlq),
            expect=evidence.dlq_holds_messages(dlq),
        ),
        Step(
            "Preview the replay (changes nothing).",
            ctx.obskit("dlq", "replay", dlq, *extra, "--dry-run", catalog=False, region=True),
            expect=(
                evidence.replay_preview_to(f"lambda:{lambda_function}")
                if lambda_function
                else evidence.replay_preview()
            ),
        ),
        Step(
            "Once the cause is fixed, replay at a gentle rate. Safe to stop and run again: the "
            "journal skips what was already sent; an event that comes back is reported as poison.",
            ctx.obskit("dlq", "replay", dlq, *extra, "--rate", "5", catalog=False, region=True),
            expect=evidence.replay_sent(),
        ),
    )


def archive_replay_step(ctx: ScenarioContext, bus: Bus, rules: list[Rule]) -> Step:
    rule_args: list[str] = []
    for rule in rules:
        rule_args += ["--rule", rule.name]
    return Step(
        f"Replay the lost events from bus `{bus.name}`'s archive, for the incident window "
        "(from a minute before the first failure to the moment the fix went in), to the "
        "affected rule(s) only. Wait 10 minutes after the fix first: events reach the archive "
        "up to 10 minutes late, and a replay only sends what is already there.",
        ctx.obskit(
            "replay",
            "archive",
            "--bus",
            bus.name,
            "--since",
            "<incident-start>",
            "--until",
            "<fix-time>",
            *rule_args,
            catalog=False,
            region=True,
        ),
        expect=evidence.archive_replay_completed(),
    )


def where_failures_go(ctx: ScenarioContext, service: Service) -> FailureSink:
    catalog = ctx.catalog
    fn = ctx.function(service)
    if service.trigger == "sqs" and service.queue:
        queue = catalog.queue(service.queue)
        if queue.dlq:
            sink = _redrive_sink(
                ctx,
                fn,
                service.queue,
                queue.dlq,
                queue.max_receive_count or 1,
                queue.visibility_timeout_s,
                service.batch_size,
            )
            expected, detect_s = redrive_detection(ctx, queue, service)
            alarms = (*sink.alarms, ctx.alarm(queue.name, "age-of-oldest"))
            return dataclasses.replace(sink, alarms=alarms, expected=expected, detect_s=detect_s)
        return FailureSink(
            label="",
            summary=f"Queue `{queue.name}` has no DLQ: messages are retried until their retention "
            "period ends, then lost.",
            alarms=(ctx.alarm(queue.name, "age-of-oldest"),),
        )
    if service.on_failure_dlq:
        dlq = service.on_failure_dlq
        return FailureSink(
            label=f"on-failure DLQ `{dlq}`",
            summary=f"Lambda retries each asynchronous event twice, then sends it to the "
            f"function's on-failure DLQ `{dlq}` (attributes RequestID, ErrorCode, ErrorMessage).",
            alarms=(ctx.alarm(dlq, "not-empty"),),
            symptoms=(f"DLQ `{dlq}` holds messages.",),
            replay=replay_steps(ctx, dlq, lambda_function=fn),
            verify=(
                Step(
                    f"DLQ `{dlq}` is empty.", ctx.dlq_inspect(dlq), expect=evidence.dlq_empty(dlq)
                ),
            ),
            extra_delay_s=ASYNC_RETRY_DELAY_S,
            dlq=dlq,
        )
    routes = rules_to(catalog, service)
    archived = [(bus, rule) for bus, rule in routes if bus.archive]
    if archived:
        bus = archived[0][0]
        rules = [rule for b, rule in archived if b.name == bus.name]
        return FailureSink(
            label="",
            summary="Lambda retries each event twice, then drops it (the function has no "
            "on-failure DLQ; the rule's DLQ only holds events EventBridge could not hand to "
            f"Lambda). Recover the dropped events from bus `{bus.name}`'s archive.",
            replay=(archive_replay_step(ctx, bus, rules),),
            extra_delay_s=ASYNC_RETRY_DELAY_S,
        )
    schedule = schedule_of(catalog, service)
    if schedule is not None:
        summary = (
            "The scheduled job has no DLQ: Lambda retries the run twice, then drops it, and the "
            "job's work waits for its next run. Run it again once fixed."
            if schedule.workflow is None
            else "There is no DLQ for this function: Lambda retries the scheduled event twice, "
            f"then drops it, and that `{schedule.workflow}` run never starts. Start it again "
            "once fixed."
        )
        return FailureSink(
            label="",
            summary=summary,
            replay=(run_schedule_now_step(ctx, service, schedule),),
            extra_delay_s=ASYNC_RETRY_DELAY_S,
        )
    how = (
        "the caller gets the error"
        if service.trigger == "direct"
        else "Lambda retries twice, then drops the event"
    )
    return FailureSink(
        label="",
        summary=f"There is no DLQ for this function: {how}. Start the affected workflow again "
        "once fixed.",
        extra_delay_s=ASYNC_RETRY_DELAY_S,
    )


def _redrive_sink(
    ctx: ScenarioContext,
    fn: str,
    queue: str,
    dlq: str,
    max_receives: int,
    visibility_s: int,
    batch_size: int,
) -> FailureSink:
    list_esm = Step(
        f"Find the event source mapping (UUID) that feeds `{fn}` from `{queue}`.",
        ctx.aws("lambda", "list-event-source-mappings", "--function-name", fn),
        expect=evidence.event_source_mapping(queue, batch_size),
    )
    return FailureSink(
        label=f"DLQ `{dlq}`",
        summary=f"Each message is received {max_receives} time(s) from `{queue}`, then SQS "
        f"moves it to `{dlq}` (the queue's redrive policy).",
        alarms=(ctx.alarm(dlq, "not-empty"),),
        symptoms=(f"DLQ `{dlq}` holds messages; `{queue}` messages are received repeatedly.",),
        pause=(
            list_esm,
            Step(
                "Pause consumption so messages stop burning their receives into the DLQ while "
                "you fix the cause (they wait in the queue).",
                ctx.aws(
                    "lambda", "update-event-source-mapping", "--uuid", "<uuid>", "--no-enabled"
                ),
                runnable=False,
            ),
        ),
        resume=(
            Step(
                "Resume consumption once fixed.",
                ctx.aws("lambda", "update-event-source-mapping", "--uuid", "<uuid>", "--enabled"),
                runnable=False,
            ),
        ),
        replay=replay_steps(ctx, dlq),
        verify=(
            Step(f"DLQ `{dlq}` is empty.", ctx.dlq_inspect(dlq), expect=evidence.dlq_empty(dlq)),
        ),
        undo=(
            Step(
                "If you paused the mapping and must give up the fix, re-enable it anyway: "
                "messages left paused expire with the queue's retention.",
                ctx.aws("lambda", "update-event-source-mapping", "--uuid", "<uuid>", "--enabled"),
                runnable=False,
            ),
        ),
        extra_delay_s=max_receives * visibility_s,
        dlq=dlq,
    )
