"""Scenario templates for one Lambda function: failing, throttled, slow.

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

from catalog.models import Catalog, Service
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from runbooks.scenarios.recovery import (
    delayed_workflow_alarms,
    hop_alarms,
    put_concurrency_command,
    restore_concurrency_step,
    sqs_may_fire,
    where_failures_go,
    workflow_of,
)

ERRORS_WINDOW_S = 3 * 60
THROTTLES_WINDOW_S = 5 * 60
DURATION_WINDOW_S = 15 * 60
SLACK_S = 5 * 60
SLA_MARGIN_S = 60


def lambda_scenarios(ctx: ScenarioContext, service: Service) -> list[Scenario]:
    return [_failing(ctx, service), _throttled(ctx, service), _slow(ctx, service)]


def _trace_step(ctx: ScenarioContext, service: Service) -> list[Step]:
    workflow = workflow_of(ctx.catalog, service)
    if workflow is None:
        return []
    return [
        Step(
            f"Trace the latest `{workflow}` run to see the last step it reached and the error "
            "lines under it.",
            ctx.obskit("trace", "--last", workflow, region=True),
        )
    ]


def _failing(ctx: ScenarioContext, service: Service) -> Scenario:
    fn = ctx.function(service)
    sink = where_failures_go(ctx, service)
    alarms = [ctx.alarm(service.name, "errors"), *sink.alarms]
    symptoms = [
        f"`{fn}` Errors > 0 for three minutes in a row.",
        *sink.symptoms,
        "Downstream steps stop: the workflow does not reach its success event.",
    ]
    diagnosis = [
        Step(
            "Which error lines did the function write, and which exception?",
            ctx.query_command("errors/recent-errors"),
            query=ctx.query("errors/recent-errors"),
        ),
        Step(
            "Which event types fail, and how many distinct events?",
            ctx.query_command("events/failed-by-type"),
            query=ctx.query("events/failed-by-type"),
        ),
        *_trace_step(ctx, service),
        Step(
            "Check what is deployed (code hash, last modified) against the last good release.",
            ctx.aws("lambda", "get-function-configuration", "--function-name", fn),
            dashboard=ctx.dashboard,
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
            "The errors stop: no new error lines in the last 15 minutes.",
            ctx.query_command("errors/errors-by-service", since="15m"),
            query=ctx.query("errors/errors-by-service"),
        ),
        *sink.verify,
        Step(
            "The alarms are back to OK.",
            ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", *alarms),
        ),
    ]
    rollback = [
        *sink.undo,
        Step(
            "Replayed events cannot be un-sent; handlers are idempotent on `event_id`, so a "
            "second replay of the same event is skipped as a duplicate, not processed twice.",
        ),
    ]
    expected = tuple(alarms) if sink.expected is None else sink.expected
    detect_s = ERRORS_WINDOW_S + sink.extra_delay_s if sink.detect_s is None else sink.detect_s
    drill = Drill(
        fault=Fault("service", service.name, "crash"),
        expected_alarms=expected,
        detection_budget_s=detect_s + SLACK_S,
        workflow=workflow_of(ctx.catalog, service),
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
        alarms=tuple(alarms),
        symptoms=tuple(symptoms),
        diagnosis=tuple(diagnosis),
        mitigation=tuple(mitigation),
        verification=tuple(verification),
        rollback=tuple(rollback),
        escalation=ctx.escalation(),
        drill=drill,
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
    queued = (
        "SQS keeps the messages; they are received again after the visibility timeout, and a "
        "message throttled more than maxReceiveCount times moves to the DLQ."
        if service.trigger == "sqs"
        else "Lambda keeps throttled asynchronous events and retries them for up to 6 hours, so "
        "they are delayed, not lost, if concurrency comes back in time."
    )
    return Scenario(
        id=f"lambda-{service.name}-throttled",
        title=f"{service.name}: throttled (reserved concurrency 0 or exhausted)",
        severity="high",
        kind="lambda",
        resource=fn,
        summary=f"Lambda refuses invocations of `{fn}`. {queued}",
        alarms=(alarm, *hops),
        symptoms=(
            f"`{fn}` Throttles >= 1 for five minutes in a row.",
            "Invocations drop to zero while events keep arriving; the workflow stalls.",
            *hop_symptom,
        ),
        diagnosis=(
            Step(
                "Is the reserved concurrency 0 (an emergency stop someone set) or too low?",
                ctx.aws("lambda", "get-function-concurrency", "--function-name", fn),
            ),
            Step(
                "Is the account's unreserved concurrency exhausted by other functions?",
                ctx.aws("lambda", "get-account-settings"),
                dashboard=ctx.dashboard,
            ),
        ),
        mitigation=(restore,),
        verification=(
            Step(
                "The concurrency is what the catalog says.",
                ctx.aws("lambda", "get-function-concurrency", "--function-name", fn),
            ),
            Step(
                "The alarm is back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", alarm),
            ),
        ),
        rollback=(
            Step(
                "To stop the function again on purpose (e.g. it does harm), set its reserved "
                "concurrency to 0; events wait as described above.",
                put_concurrency_command(ctx, fn, 0),
                runnable=False,
            ),
        ),
        escalation=ctx.escalation(),
        drill=Drill(
            fault=Fault("service", service.name, "throttle"),
            expected_alarms=(alarm,),
            detection_budget_s=THROTTLES_WINDOW_S + SLACK_S,
            workflow=workflow_of(ctx.catalog, service),
            # the held events are handled late once the runbook restores concurrency, after
            # detection: their hop alarms fire then, as a consequence
            may_fire=tuple(dict.fromkeys((*delayed_workflow_alarms(ctx, service), *hops))),
        ),
    )


def _slow(ctx: ScenarioContext, service: Service) -> Scenario:
    fn = ctx.function(service)
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
    # Events queue behind a slow handler (a fan-in handler runs per event, a FIFO consumer one
    # at a time): its consumed events may be handled later than their hop SLA. The sandbox runs
    # one invocation at a time, so the consumers of what it emits may wait behind its other
    # invocations too. Tolerated, not expected: it depends on how many events a run sends it.
    hops = hop_alarms(ctx, [*service.consumes, *service.emits])
    may_fire: tuple[str, ...] = ()
    workflow = workflow_of(ctx.catalog, service)
    if workflow is not None:
        sla = ctx.catalog.workflow(workflow).sla_s
        breach = ctx.alarm(f"workflow-{workflow}", "sla-breach")
        if slow_s > sla - SLA_MARGIN_S:
            # near its timeout, this one hop alone takes (almost) the whole end-to-end SLA
            alarms.append(breach)
            notes.append(
                f"Near its timeout `{fn}` alone uses up workflow `{workflow}`'s {sla:g} s SLA: "
                "the workflow's SLA-breach alarm fires too."
            )
        else:  # depends on how many times a run calls it (a fan-in handler runs per event)
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
            Step(
                "How long does each hop take, and which one grew?",
                ctx.query_command("latency/hop-latency"),
                query=ctx.query("latency/hop-latency"),
            ),
            Step(
                "Are cold starts (initialisation) the cost?",
                ctx.query_command("lambda/cold-starts"),
                query=ctx.query("lambda/cold-starts"),
            ),
            Step(
                "Current memory and timeout.",
                ctx.aws("lambda", "get-function-configuration", "--function-name", fn),
                dashboard=ctx.dashboard,
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
            ),
        ),
        verification=(
            Step(
                "Hop latency back under the SLA.",
                ctx.query_command("latency/hop-sla-breaches", since="30m"),
                query=ctx.query("latency/hop-sla-breaches"),
            ),
            Step(
                "The alarm is back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", alarm),
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
            workflows=DURATION_WINDOW_S // 60 + 1,
            spacing_s=60,
        ),
        notes=tuple(notes),
    )


def services_in_order(catalog: Catalog) -> list[Service]:
    return list(catalog.services)
