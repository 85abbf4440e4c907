"""Scenario templates for one Lambda function: failing, throttled, slow.

Reserved concurrency 0 on an asynchronously invoked function is not a delay: Lambda keeps no
event to retry; each goes to the function's DLQ / on-failure destination at once, or is dropped
(AsyncEventsDropped, https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
Restoring the concurrency brings nothing back, so the throttled runbook replays the DLQ, or the
bus archive, or says to start the workflow again. Only an SQS event source keeps throttled
messages (in the queue).

Where a failed event ends up depends on how the function is invoked, and the mitigation follows:
- SQS trigger: the event source mapping returns the message to the queue; after the queue's
  maxReceiveCount SQS moves it to the queue's DLQ (SQS redrive policy).
- asynchronous invocation (EventBridge, direct async invoke): Lambda retries twice, then sends the
  event to the function's on-failure DLQ if it has one, and otherwise drops it. The *rule's* DLQ
  only receives events EventBridge could not hand to Lambda at all (permissions, missing function),
  never events whose handler raised (Lambda Developer Guide, "Asynchronous invocation"; EventBridge
  User Guide, "Using dead-letter queues to process undelivered events").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from catalog.models import Catalog, Service
from runbooks.scenarios import evidence
from runbooks.scenarios.context import FIX_TIME, ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from runbooks.scenarios.recovery import (
    DLQ_WINDOW_S,
    archive_replay_step,
    delayed_workflow_alarms,
    dropped_alarms,
    hop_alarms,
    invoked_async,
    job_schedule,
    missed_run_alarms,
    missed_run_detect_s,
    put_concurrency_command,
    replay_steps,
    restore_concurrency_step,
    rules_to,
    run_schedule_now_step,
    schedule_of,
    sqs_may_fire,
    where_failures_go,
    workflow_of,
)
from runbooks.scenarios.workflow_scenarios import hops

ERRORS_WINDOW_S = 3 * 60
THROTTLES_WINDOW_S = 5 * 60
DURATION_WINDOW_S = 15 * 60
SLACK_S = 5 * 60


def lambda_scenarios(ctx: ScenarioContext, service: Service) -> list[Scenario]:
    return [_failing(ctx, service), _throttled(ctx, service), _slow(ctx, service)]


def _lost_write_alarms(ctx: ScenarioContext, service: Service) -> tuple[str, ...]:
    """The alarms on writes that keep a failed asynchronous event (DLQ, on-failure destination)."""
    found: list[str] = []
    if service.trigger != "sqs" and service.on_failure_dlq:
        found.append(ctx.alarm(service.name, "dead-letter-errors"))
    if service.trigger != "sqs" and service.on_failure_destination:
        found.append(ctx.alarm(service.name, "destination-failures"))
    return tuple(found)


def _event_age_alarms(ctx: ScenarioContext, service: Service) -> tuple[str, ...]:
    if not invoked_async(ctx.catalog, service):
        return ()
    return (ctx.alarm(service.name, "event-age"),)


def _trace_step(ctx: ScenarioContext, service: Service) -> list[Step]:
    """The latest run's trace: it must show the service's error lines and, for a service on
    the workflow's path (it turns one step into the next), that the run stopped at it. When the
    service is the one that starts the workflow, no run started in the incident window: the
    trace says so (exit 2), which is the evidence."""
    workflow = workflow_of(ctx.catalog, service)
    if workflow is None:
        return []
    flow = ctx.catalog.workflow(workflow)
    text = (
        f"Trace the latest `{workflow}` run to see the last step it reached and the error "
        "lines under it."
    )
    if flow.start_event in service.emits:
        return [
            Step(
                text + f" If none is found, no run started: `{service.name}` starts them.",
                ctx.trace_last(workflow),
                expect=(
                    *evidence.no_run_started(flow.start_event, workflow),
                    *evidence.searched_log_groups(),
                ),
                exit_codes=(0, 1, 2),
            )
        ]
    on_path = any(service.name in who for _a, _b, who in hops(ctx.catalog, flow))
    expect = evidence.trace_errors_in(service.name)
    if on_path:
        expect = (*evidence.trace_stopped_at(service.name), *expect)
    return [Step(text, ctx.trace_last(workflow), expect=expect, exit_codes=(0, 1))]


def _job_symptoms(ctx: ScenarioContext, service: Service) -> tuple[str, ...]:
    """What a scheduled job's missed-run alarm says, if it has one."""
    schedule = job_schedule(ctx.catalog, service)
    if schedule is None or not missed_run_alarms(ctx, service):
        return ()
    return (
        f"No successful run of `{ctx.function(service)}` since schedule `{schedule.name}` "
        f"({schedule.expression} {schedule.timezone}) last should have run it (missed-run "
        "alarm): the job failed, was throttled, or the schedule did not fire.",
    )


def _job_diagnosis(ctx: ScenarioContext, service: Service) -> tuple[Step, ...]:
    schedule = job_schedule(ctx.catalog, service)
    if schedule is None:
        return ()
    return (
        Step(
            f"Is schedule `{schedule.name}` still enabled, and does it target `"
            f"{ctx.function(service)}`? (No invocations at all means it did not fire.)",
            ctx.aws("scheduler", "get-schedule", "--name", schedule.name),
        ),
    )


def _job_drill(ctx: ScenarioContext, service: Service) -> tuple[str | None, int]:
    """The schedule a job's drill invokes, and how long its missed-run alarm may take."""
    schedule = job_schedule(ctx.catalog, service)
    if schedule is None:
        return None, 0
    return schedule.name, missed_run_detect_s(ctx, service)


def _failing(ctx: ScenarioContext, service: Service) -> Scenario:
    fn = ctx.function(service)
    sink = where_failures_go(ctx, service)
    dropped = dropped_alarms(ctx, service)
    lost = _lost_write_alarms(ctx, service)
    missed = missed_run_alarms(ctx, service)
    job, missed_s = _job_drill(ctx, service)
    alarms = [ctx.alarm(service.name, "errors"), *dropped, *sink.alarms, *missed]
    symptoms = [
        f"`{fn}` Errors > 0 for three minutes in a row.",
        *(
            [f"`{fn}` AsyncEventsDropped > 0 once Lambda's retries of an event are used up."]
            if dropped
            else []
        ),
        *sink.symptoms,
        *(
            [
                "DeadLetterErrors / DestinationDeliveryFailures > 0: Lambda could not even keep "
                "the failed events (DLQ or destination deleted, no permission, too large): those "
                "are lost; fix the DLQ / destination first."
            ]
            if lost
            else []
        ),
        *_job_symptoms(ctx, service),
        "Downstream steps stop: the workflow does not reach its success event."
        if job is None
        else "The job's work (and whatever reads its results) waits for its next run.",
    ]
    diagnosis = [
        Step(
            "Which error lines did the function write, and which exception?",
            ctx.query_command("errors/recent-errors"),
            query=ctx.query("errors/recent-errors"),
            expect=(*evidence.log_lines_of(service), *evidence.error_lines_listed(service)),
        ),
        # a service that consumes no catalog event has no event type of its own to fail
        *(
            [
                Step(
                    "Which event types fail, and how many distinct events?",
                    ctx.query_command("events/failed-by-type"),
                    query=ctx.query("events/failed-by-type"),
                    expect=(*evidence.log_lines_of(service), *evidence.failed_types_of(service)),
                )
            ]
            if service.consumes
            else []
        ),
        *_trace_step(ctx, service),
        *_job_diagnosis(ctx, service),
        Step(
            "Check what is deployed (code hash, last modified) against the last good release.",
            ctx.aws("lambda", "get-function-configuration", "--function-name", fn),
            dashboard=ctx.dashboard,
            expect=evidence.function_config(fn),
        ),
    ]
    mitigation = [
        *sink.pause,
        Step(
            "Fix the cause: roll back the last deploy of the function through the pipeline (or "
            "fix the bad input / dependency the errors name). Do not edit the function by hand: "
            "the next deploy would undo it."
        ),
        *sink.resume,
        *sink.replay,
    ]
    verification = [
        Step(
            "The errors stop: since the fix the function writes lines again, none of them an "
            "error (its row shows 0 errors).",
            ctx.query_command("errors/error-rate-by-service", since=FIX_TIME),
            query=ctx.query("errors/error-rate-by-service"),
            expect=evidence.error_free_lines_of(service),
        ),
        *sink.verify,
        Step(
            "The alarms are back to OK.",
            ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", *alarms),
            expect=evidence.alarms_not_firing(alarms),
        ),
    ]
    rollback = [
        *sink.undo,
        Step(
            "Replayed events cannot be un-sent; handlers are idempotent on `event_id`, so a "
            "second replay of the same event is skipped as a duplicate, not processed twice.",
        ),
    ]
    expected = tuple(alarms) if sink.expected is None else (*sink.expected, *missed)
    detect_s = ERRORS_WINDOW_S + sink.extra_delay_s if sink.detect_s is None else sink.detect_s
    drill = Drill(
        fault=Fault("service", service.name, "crash"),
        expected_alarms=expected,
        detection_budget_s=max(detect_s, missed_s) + SLACK_S,
        workflow=workflow_of(ctx.catalog, service),
        job=job,
        may_fire=(*delayed_workflow_alarms(ctx, service), *sqs_may_fire(ctx, service)),
    )
    return Scenario(
        id=f"lambda-{service.name}-failing",
        title=f"{service.name}: handler failing"
        + (f", {sink.label} filling" if sink.label else ""),
        severity="high",
        kind="lambda",
        resource=fn,
        summary=f"Lambda function `{fn}` raises on every event. {sink.summary}",
        alarms=(*alarms, *lost),
        symptoms=tuple(symptoms),
        diagnosis=tuple(diagnosis),
        mitigation=tuple(mitigation),
        verification=tuple(verification),
        rollback=tuple(rollback),
        escalation=ctx.escalation(),
        drill=drill,
    )


@dataclass(frozen=True)
class _Refused:
    """What happens to the events a throttled function refuses, and how to get them back."""

    summary: str
    alarms: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    recover: tuple[Step, ...] = ()
    verify: tuple[Step, ...] = ()
    expected: tuple[str, ...] = ()
    detect_s: int = THROTTLES_WINDOW_S


def _refused(ctx: ScenarioContext, service: Service) -> _Refused:
    refused = _refused_events(ctx, service)
    missed = missed_run_alarms(ctx, service)
    if not missed:
        return refused
    # a throttled scheduled job also misses its run: its missed-run alarm fires once the
    # alarm's window has passed since the last good run
    return dataclasses.replace(
        refused,
        alarms=(*refused.alarms, *missed),
        symptoms=(*refused.symptoms, *_job_symptoms(ctx, service)),
        expected=(*refused.expected, *missed),
        detect_s=max(refused.detect_s, missed_run_detect_s(ctx, service)),
    )


def _refused_events(ctx: ScenarioContext, service: Service) -> _Refused:
    fn = ctx.function(service)
    if service.trigger == "sqs":
        return _Refused(
            summary="SQS keeps the messages; they are received again after the visibility "
            "timeout, and a message throttled more than maxReceiveCount times moves to the DLQ.",
            expected=(ctx.alarm(service.name, "throttles"),),
        )
    if not invoked_async(ctx.catalog, service):
        return _Refused(
            summary="Only invoked synchronously (an API or a direct call): each refused call "
            "answers its caller TooManyRequestsException (429), which must retry; nothing is "
            "queued or dropped.",
            expected=(ctx.alarm(service.name, "throttles"),),
        )
    dropped = dropped_alarms(ctx, service)
    common = (
        "With reserved concurrency 0 Lambda keeps no asynchronous event to retry (only a "
        "throttle for want of free concurrency is retried, for up to the maximum event age): "
    )
    symptom = f"`{fn}` AsyncEventsDropped > 0: each event is given up on at once."
    dlq = service.on_failure_dlq
    if dlq is not None:
        not_empty = ctx.alarm(dlq, "not-empty")
        return _Refused(
            summary=common + f"every event goes straight to the function's DLQ `{dlq}` "
            "(ErrorCode 429). Restoring the concurrency does not bring them back: replay the DLQ "
            "after it.",
            alarms=(*dropped, not_empty),
            symptoms=(symptom, f"DLQ `{dlq}` holds messages with ErrorCode 429."),
            recover=replay_steps(ctx, dlq, lambda_function=fn),
            verify=(
                Step(
                    f"DLQ `{dlq}` is empty.", ctx.dlq_inspect(dlq), expect=evidence.dlq_empty(dlq)
                ),
            ),
            expected=(*dropped, not_empty),
            detect_s=DLQ_WINDOW_S + 60,
        )
    archived = [(bus, rule) for bus, rule in rules_to(ctx.catalog, service) if bus.archive]
    if archived:
        bus = archived[0][0]
        rules = [rule for b, rule in archived if b.name == bus.name]
        return _Refused(
            summary=common + "the function has no DLQ, so every event is dropped. Restoring the "
            f"concurrency does not bring them back: replay them from bus `{bus.name}`'s archive "
            "after it.",
            alarms=dropped,
            symptoms=(symptom,),
            recover=(archive_replay_step(ctx, bus, rules),),
            expected=dropped,
            detect_s=60,
        )
    schedule = schedule_of(ctx.catalog, service)
    if schedule is not None:
        lost = (
            "the job has no DLQ, so its run is dropped"
            if schedule.workflow is None
            else "the function has no DLQ, so the scheduled event is dropped and that "
            f"`{schedule.workflow}` run never starts"
        )
        return _Refused(
            summary=common + f"{lost}. After restoring the concurrency, run it again.",
            alarms=dropped,
            symptoms=(symptom,),
            recover=(run_schedule_now_step(ctx, service, schedule),),
            expected=dropped,
            detect_s=60,
        )
    return _Refused(
        summary=common + "the function has no DLQ and no archived route, so every event is "
        "dropped and lost. After restoring the concurrency, start the affected workflows again.",
        alarms=dropped,
        symptoms=(symptom,),
        recover=(
            Step(
                "The refused events are lost: start each affected workflow run again (the "
                "workflow's trace and outcome queries show which runs stopped here)."
            ),
        ),
        expected=dropped,
        detect_s=60,
    )


def _throttled(ctx: ScenarioContext, service: Service) -> Scenario:
    fn = ctx.function(service)
    alarm = ctx.alarm(service.name, "throttles")
    # a consumer held back (throttled, or failing and retried) handles its events late: its
    # scenario is where their hop-latency alarms lead
    hops = hop_alarms(ctx, service.consumes)
    hop_symptom = (
        (
            f"Once it runs again, {', '.join(service.consumes)} events are handled later than "
            "their hop SLA (hop-latency alarm).",
        )
        if hops
        else ()
    )
    restore = restore_concurrency_step(ctx, service)
    refused = _refused(ctx, service)
    return Scenario(
        id=f"lambda-{service.name}-throttled",
        title=f"{service.name}: throttled (reserved concurrency 0 or exhausted)",
        severity="high",
        kind="lambda",
        resource=fn,
        summary=f"Lambda refuses invocations of `{fn}`. {refused.summary}",
        alarms=(alarm, *refused.alarms, *_event_age_alarms(ctx, service), *hops),
        symptoms=(
            f"`{fn}` Throttles >= 1 for five minutes in a row (while events keep arriving).",
            *refused.symptoms,
            *(
                [
                    f"`{fn}` AsyncEventAge above half its maximum event age: throttled for want "
                    "of free concurrency, events wait and are retried until they expire."
                ]
                if service.trigger != "sqs"
                else []
            ),
            "Invocations drop to zero while events keep arriving; the workflow stalls.",
            *hop_symptom,
        ),
        diagnosis=(
            Step(
                "Is the reserved concurrency 0 (an emergency stop someone set) or too low?",
                ctx.aws("lambda", "get-function-concurrency", "--function-name", fn),
                expect=evidence.reserved_concurrency(0),
            ),
            Step(
                "Is the account's unreserved concurrency exhausted by other functions?",
                ctx.aws("lambda", "get-account-settings"),
                dashboard=ctx.dashboard,
                expect=evidence.account_pool_of(
                    len(ctx.catalog.services),
                    sum(
                        s.reserved_concurrency or 0
                        for s in ctx.catalog.services
                        if s.name != service.name
                    ),
                ),
            ),
        ),
        mitigation=(restore, *refused.recover),
        verification=(
            Step(
                "The concurrency is what the catalog says (`null`: no reservation, the function "
                "draws on the account's unreserved pool).",
                # get-function-concurrency answers `{}` without a reservation, which names
                # nothing: get-function names the function it answers for
                ctx.aws(
                    "lambda",
                    "get-function",
                    "--function-name",
                    fn,
                    "--query",
                    "{FunctionName: Configuration.FunctionName, "
                    "ReservedConcurrentExecutions: Concurrency.ReservedConcurrentExecutions}",
                ),
                expect=evidence.function_reservation(fn, service.reserved_concurrency),
            ),
            *refused.verify,
            Step(
                "The alarm is back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", alarm),
                expect=evidence.alarms_not_firing([alarm]),
            ),
        ),
        rollback=(
            Step(
                "To stop the function again on purpose (e.g. it does harm), set its reserved "
                "concurrency to 0; its events are handled as described above.",
                put_concurrency_command(ctx, fn, 0),
                runnable=False,
            ),
        ),
        escalation=ctx.escalation(),
        drill=Drill(
            fault=Fault("service", service.name, "throttle"),
            expected_alarms=refused.expected,
            detection_budget_s=refused.detect_s + SLACK_S,
            workflow=workflow_of(ctx.catalog, service),
            job=_job_drill(ctx, service)[0],
            # the held events are handled late once the runbook restores concurrency (or
            # replays them), after detection: their hop alarms fire then, as a consequence; an
            # asynchronously invoked function refuses each event once, so its Throttles alarm
            # (five minutes in a row) fires only if events keep coming
            may_fire=tuple(
                dict.fromkeys(
                    (
                        *((alarm,) if alarm not in refused.expected else ()),
                        *delayed_workflow_alarms(ctx, service),
                        *hops,
                    )
                )
            ),
        ),
    )


def _slow(ctx: ScenarioContext, service: Service) -> Scenario:
    fn = ctx.function(service)
    job, _ = _job_drill(ctx, service)
    # A job, or a function that consumes no catalog event, is no hop of any workflow: its runs
    # have no hop latency to look at, so the look could show nothing of it.
    hops_into = not job and bool(service.consumes)
    hop_latency = (
        (
            Step(
                "How long does each hop take, and which one grew?",
                ctx.query_command("latency/hop-latency"),
                query=ctx.query("latency/hop-latency"),
                # the hops into the slow service: the events it consumes, handled late
                expect=evidence.hop_latency_rows(*service.consumes),
            ),
        )
        if hops_into
        else ()
    )
    # A queue's consumer drains its backlog after the fix: those events were waiting since
    # before it, so they breach the SLA after <fix-time> too (on AWS as here), and the check
    # could show no recovery; the alarms back to OK do. Only a function fed directly gets it.
    hop_verify = (
        (
            Step(
                "Hop latency back under the SLA.",
                ctx.query_command("latency/hop-sla-breaches", since=FIX_TIME),
                query=ctx.query("latency/hop-sla-breaches"),
                expect=evidence.no_rows(),
            ),
        )
        if hops_into and service.trigger != "sqs"
        else ()
    )
    alarm = ctx.alarm(service.name, "duration")
    bigger = min(10240, service.memory_mb * 2)
    slow_s = round(service.timeout_s * 0.9, 1)
    notes: list[str] = []
    if service.trigger == "sqs" and service.queue:
        notes.append(
            f"Raising the timeout of an SQS-triggered function also needs queue `{service.queue}`'s "
            "visibility timeout raised (AWS recommends at least six times the function timeout), "
            "or messages are received twice while still being processed."
        )
    alarms = [alarm]
    # A slow handler logs the events it consumes late (their age includes the wait; a FIFO
    # consumer's queue also backs up behind it): their hop alarms may fire, on AWS as here.
    # What it emits is handled at once by consumers running side by side, so not theirs.
    hops = hop_alarms(ctx, service.consumes)
    may_fire: tuple[str, ...] = ()
    workflow = workflow_of(ctx.catalog, service)
    if workflow is not None:
        sla = ctx.catalog.workflow(workflow).sla_s
        breach = ctx.alarm(f"workflow-{workflow}", "sla-breach")
        if slow_s >= sla:
            # near its timeout, this one hop alone takes longer than the end-to-end SLA
            alarms.append(breach)
            notes.append(
                f"Near its timeout `{fn}` alone takes longer than workflow `{workflow}`'s "
                f"{sla:g} s SLA: the workflow's SLA-breach alarm fires too."
            )
        else:
            # Whether the run breaches depends on the rest of it: invocations of one run side by
            # side each take slow_s once, but a consumer that takes one batch at a time (a FIFO
            # queue, a reservation of 1) builds a backlog when runs come faster than it drains.
            may_fire = (breach,)
    return Scenario(
        id=f"lambda-{service.name}-slow",
        title=f"{service.name}: slow, near its {service.timeout_s} s timeout",
        severity="medium",
        kind="lambda",
        resource=fn,
        summary=f"`{fn}` takes more than 80% of its {service.timeout_s} s timeout; the next step "
        "is timeouts (errors and retries).",
        alarms=tuple(alarms),
        symptoms=(
            f"Duration p90 above {service.timeout_s * 0.8:g} s for 15 minutes.",
            "Hop latency into the events it emits grows; workflows approach their SLA.",
        ),
        diagnosis=(
            *hop_latency,
            Step(
                "Are cold starts (initialisation) the cost?",
                ctx.query_command("lambda/cold-starts"),
                query=ctx.query("lambda/cold-starts"),
                expect=evidence.log_lines_of(service),
            ),
            Step(
                "Current memory and timeout.",
                ctx.aws("lambda", "get-function-configuration", "--function-name", fn),
                dashboard=ctx.dashboard,
                expect=evidence.memory_of(fn, service.memory_mb),
            ),
        ),
        mitigation=(
            Step(
                f"Give it more memory (Lambda gives CPU in proportion): {bigger} MB; then put the "
                "new value in the catalog / template so the next deploy keeps it.",
                ctx.aws(
                    "lambda",
                    "update-function-configuration",
                    "--function-name",
                    fn,
                    "--memory-size",
                    str(bigger),
                ),
                expect=evidence.memory_of(fn, bigger),
            ),
        ),
        verification=(
            *hop_verify,
            Step(
                "The alarm is back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", alarm),
                expect=evidence.alarms_not_firing([alarm]),
            ),
        ),
        rollback=(
            Step(
                f"Back to the catalog's {service.memory_mb} MB and {service.timeout_s} s.",
                ctx.aws(
                    "lambda",
                    "update-function-configuration",
                    "--function-name",
                    fn,
                    "--memory-size",
                    str(service.memory_mb),
                    "--timeout",
                    str(service.timeout_s),
                ),
            ),
        ),
        escalation=ctx.escalation(),
        drill=Drill(
            fault=Fault("service", service.name, f"slow:{slow_s:g}"),
            expected_alarms=tuple(alarms),
            may_fire=(*may_fire, *hops),
            # p90 above the threshold in 15 consecutive minutes: one run a minute for 16 minutes;
            # each slow invocation reports its Duration when it ends, slow_s later
            detection_budget_s=int(slow_s) + DURATION_WINDOW_S + 60 + SLACK_S,
            workflow=workflow_of(ctx.catalog, service),
            # a job runs once per run time: one slow run, and its Duration alarm (missing data
            # treated as missing) goes to ALARM once that datapoint is 15 periods old ("avoiding
            # premature transitions", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html)
            workflows=1 if job else DURATION_WINDOW_S // 60 + 1,
            spacing_s=60,
            job=job,
        ),
        notes=tuple(notes),
    )


def services_in_order(catalog: Catalog) -> list[Service]:
    return list(catalog.services)
