"""Scenario templates for a workflow: it failed, it is stuck between two steps, it saw duplicates.

A stuck workflow raises no error of its own: it is seen by what did *not* happen (a completion
later than the SLA, or no completion in a day: the heartbeat). The scenario therefore lists, for
each pair of consecutive steps, who turns the first event into the second, so the operator checks
exactly the rule, queue and function between the last step reached and the next one.
"""

from __future__ import annotations

import math

from catalog.models import Catalog, RetryPolicy, Service, Workflow
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from runbooks.scenarios.recovery import hop_alarms, retry_span_s

SLACK_S = 5 * 60
THROTTLE_MAX_BACKOFF_S = 5 * 60
HEARTBEAT_WINDOW_S = 24 * 3600


def workflow_scenarios(ctx: ScenarioContext, workflow: Workflow) -> list[Scenario]:
    return [_failed(ctx, workflow), _stuck(ctx, workflow), _duplicates(ctx, workflow)]


def _resource(workflow: Workflow) -> str:
    return f"workflow-{workflow.name}"


def _has_heartbeat(catalog: Catalog, workflow: Workflow) -> bool:
    return any(
        s.workflow == workflow.name or workflow.schedule == s.name for s in catalog.schedules
    )


def hops(catalog: Catalog, workflow: Workflow) -> list[tuple[str, str, list[str]]]:
    """(event, next event, services that consume the first and emit the second)."""
    out = []
    for first, second in zip(workflow.steps, workflow.steps[1:], strict=False):
        who = [s.name for s in catalog.services if first in s.consumes and second in s.emits]
        out.append((first, second, who))
    return out


def _failed(ctx: ScenarioContext, workflow: Workflow) -> Scenario:
    res = _resource(workflow)
    alarms = (ctx.alarm(res, "failures"), ctx.alarm(res, "unhealthy"))
    failure = " or ".join(workflow.failure_events) or "a failure event"
    producer = next(
        (s for s in ctx.catalog.services if set(workflow.failure_events) & set(s.emits)), None
    )
    return Scenario(
        id=f"workflow-{workflow.name}-failed",
        title=f"workflow {workflow.name}: a run failed",
        severity="critical",
        kind="workflow",
        resource=workflow.name,
        summary=f"A `{workflow.name}` run ended with {failure}: the system worked, the business "
        "step said no (the event's detail names the failed step and the reason).",
        alarms=alarms,
        symptoms=(f"WorkflowsFailed > 0 for `{workflow.name}`.",),
        diagnosis=(
            Step(
                "How many runs started, completed and failed?",
                ctx.query_command(f"workflows/{workflow.name}-outcomes", since="24h"),
                query=ctx.query(f"workflows/{workflow.name}-outcomes"),
                dashboard=ctx.dashboard,
            ),
            Step(
                f"Trace the latest run: the {failure} event shows the failed step and reason.",
                ctx.obskit("trace", "--last", workflow.name, region=True),
            ),
        ),
        mitigation=(
            Step(
                "Read the reason. A business rejection (e.g. an order refused) needs a person to "
                "decide; a technical cause points at a service: follow its `lambda-*` scenario."
            ),
            Step(
                "If the run must happen today, start it again once the cause is fixed, the way "
                "its start event is normally produced."
            ),
        ),
        verification=(
            Step(
                "The next run completes.",
                ctx.obskit("trace", "--last", workflow.name, region=True),
            ),
        ),
        rollback=(Step("Nothing to undo: diagnosis only reads logs."),),
        escalation=ctx.escalation(),
        drill=(
            Drill(
                fault=Fault("service", producer.name, "fail"),
                expected_alarms=(ctx.alarm(res, "failures"),),
                detection_budget_s=60 + SLACK_S,
                workflow=workflow.name,
            )
            if producer is not None
            else None
        ),
    )


def _stuck(ctx: ScenarioContext, workflow: Workflow) -> Scenario:
    res = _resource(workflow)
    alarms = [ctx.alarm(res, "sla-breach")]
    if _has_heartbeat(ctx.catalog, workflow):
        alarms.append(ctx.alarm(res, "heartbeat"))
    alarms.append(ctx.alarm(res, "unhealthy"))
    diagnosis: list[Step] = [
        Step(
            "Which runs started but did not finish within the SLA?",
            ctx.query_command(f"workflows/{workflow.name}-past-sla", since="24h"),
            query=ctx.query(f"workflows/{workflow.name}-past-sla"),
            dashboard=ctx.dashboard,
        ),
        Step(
            "Trace the latest run: the last step it reached is where it is stuck.",
            ctx.obskit("trace", "--last", workflow.name, region=True),
        ),
        Step(
            "When was each step handled (first and last), per run?",
            ctx.query_command("latency/step-timeline", since="24h"),
            query=ctx.query("latency/step-timeline"),
        ),
    ]
    for first, second, who in hops(ctx.catalog, workflow):
        names = ", ".join(f"`{w}`" for w in who) or "nobody in the catalog"
        scenarios = ", ".join(f"`lambda-{w}-failing`, `lambda-{w}-throttled`" for w in who)
        diagnosis.append(
            Step(
                f"Stuck after {first} (no {second}): {names} turns one into the other; check "
                f"{scenarios or 'the catalog'} and the rule that delivers {first}."
            )
        )
    fault, budget, clear, extra = _stuck_fault(ctx, workflow)
    return Scenario(
        id=f"workflow-{workflow.name}-stuck",
        title=f"workflow {workflow.name}: stuck between two steps (SLA breached, heartbeat missed)",
        severity="critical",
        kind="workflow",
        resource=workflow.name,
        summary=f"A `{workflow.name}` run did not reach {workflow.success_event} within its "
        f"{workflow.sla_s:g} s SLA, or no run completed in a day.",
        alarms=tuple(alarms),
        symptoms=(
            f"WorkflowDuration above {workflow.sla_s:g} s, or no WorkflowsCompleted in 24 h.",
            "No error alarm may be firing: a delayed or dropped event fails silently.",
        ),
        diagnosis=tuple(diagnosis),
        mitigation=(
            Step(
                "Fix the hop the trace stops at (its scenario lists the commands), then recover "
                "the missing event: replay its DLQ with `obskit dlq replay`, or the bus archive "
                "with `obskit replay archive`, or start the run again."
            ),
        ),
        verification=(
            Step(
                "The stuck run (or its re-run) completes.",
                ctx.obskit("trace", "--last", workflow.name, region=True),
            ),
            Step(
                "The alarms are back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", *alarms),
            ),
        ),
        rollback=(Step("Nothing to undo: diagnosis only reads logs."),),
        escalation=ctx.escalation(),
        drill=(
            Drill(
                fault=fault,
                expected_alarms=(alarms[0], *extra),
                detection_budget_s=budget,
                workflow=workflow.name,
                clear_after_s=clear,
                # the held hop's events are handled late once it is released
                may_fire=_held_hops(ctx, fault),
            )
            if fault is not None
            else None
        ),
        no_drill=(
            None
            if fault is not None
            else "no step of the workflow can be held past its SLA without losing its events: "
            "no SQS-fed step (its messages would wait in the queue), no function whose timeout "
            "allows a slow run past the SLA, and no rule whose retry policy outlasts SLA + 5 "
            "minutes. Feed a step from a queue, or give a rule target more retry attempts and a "
            "longer maximum event age, for a drill to prove the SLA alarm"
        ),
    )


def _stuck_fault(
    ctx: ScenarioContext, workflow: Workflow
) -> tuple[Fault | None, int, int | None, tuple[str, ...]]:
    """Hold the middle hop for longer than the SLA, then let it go: the run completes late.

    A function slow enough to pass the SLA inside its own timeout is slowed; otherwise an
    SQS-fed hop's consumer is throttled (reserved concurrency 0) for SLA + 60 s and released,
    which delays its messages without losing them: the mapping still receives them once per
    visibility timeout and retries the throttled invoke meanwhile, so the queue must allow as
    many receives as the hold takes; the run completes right after the hold. An asynchronously
    invoked hop cannot be held that way: under reserved concurrency 0 Lambda gives its events up
    at once (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
    AsyncEventsDropped), so without an SQS hop there is no stuck drill.
    """
    chain = [who for _a, _b, who in hops(ctx.catalog, workflow) if who]
    if not chain:
        return None, 0, None, ()
    candidates = [ctx.catalog.service(w) for who in chain for w in who]
    for service in sorted(candidates, key=lambda s: -s.timeout_s):
        if service.timeout_s * 0.9 > workflow.sla_s + 60:
            delay = workflow.sla_s + 60
            return (
                Fault("service", service.name, f"slow:{delay:g}"),
                int(delay) + 60 + SLACK_S,
                None,
                (),
            )
    hold = int(workflow.sla_s) + 60
    queued = [s for s in candidates if s.trigger == "sqs" and _held_back_not_lost(ctx, s, hold)]
    if not queued:
        return _held_delivery(ctx, workflow, candidates)
    middle = queued[len(queued) // 2]
    return (
        Fault("service", middle.name, "throttle"),
        hold + THROTTLE_MAX_BACKOFF_S + 60 + SLACK_S,
        hold,
        (ctx.alarm(middle.name, "throttles"),),
    )


def _held_back_not_lost(ctx: ScenarioContext, service: Service, hold: int) -> bool:
    """Whether throttling ``service``'s queue for ``hold`` s delays its messages without moving
    them to the DLQ: a throttled mapping receives a message once per visibility timeout and
    retries it while it is in flight, so the retry after the hold runs it if the hold took no
    more receives than maxReceiveCount
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html)."""
    queue = ctx.catalog.queue(str(service.queue))
    if not queue.dlq or queue.visibility_timeout_s == 0:
        return True
    return math.ceil(hold / queue.visibility_timeout_s) <= (queue.max_receive_count or 1)


def _held_hops(ctx: ScenarioContext, fault: Fault) -> tuple[str, ...]:
    """The hop alarms of the events the stuck drill holds back (handled late once released)."""
    if fault.target == "rule":
        rule = next(r for _b, r in ctx.catalog.rules() if r.name == fault.name)
        return hop_alarms(ctx, rule.event_types)
    return hop_alarms(ctx, ctx.catalog.service(fault.name).consumes)


def _held_delivery(
    ctx: ScenarioContext, workflow: Workflow, candidates: list[Service]
) -> tuple[Fault | None, int, int | None, tuple[str, ...]]:
    """Without an SQS hop: EventBridge cannot deliver to the middle hop's rule for SLA + 60 s.
    EventBridge retries a failed delivery with backoff (at most 5 minutes apart) for the target's
    maximum event age, so the next retry after the fault ends delivers and the run completes
    late (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html)."""
    hold = int(workflow.sla_s) + 60
    routed = [
        (service, rule)
        for service in candidates
        for _bus, rule in ctx.catalog.rules()
        if any(
            t.service == service.name and _retries_outlast(t.retry_policy, hold)
            for t in rule.targets
        )
    ]
    if not routed:
        return None, 0, None, ()
    _service, rule = routed[len(routed) // 2]
    return (
        Fault("rule", rule.name, "deliver-fail", clear_after_s=hold),
        hold + THROTTLE_MAX_BACKOFF_S + 60 + SLACK_S,
        None,
        (),
    )


def _retries_outlast(policy: RetryPolicy, hold_s: int) -> bool:
    """Whether a target with ``policy`` is still being retried, on average, when a delivery
    fault of ``hold_s`` ends and the longest backoff after it has passed. Otherwise the held
    events go to the target's DLQ (or are dropped) and the run never completes, which proves
    nothing about the SLA alarm
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html)."""
    return retry_span_s(policy, average=True) >= hold_s + THROTTLE_MAX_BACKOFF_S


def _duplicates(ctx: ScenarioContext, workflow: Workflow) -> Scenario:
    producer = next((s for s in ctx.catalog.services if workflow.start_event in s.emits), None)
    return Scenario(
        id=f"workflow-{workflow.name}-duplicate-delivery",
        title=f"workflow {workflow.name}: duplicate delivery",
        severity="low",
        kind="workflow",
        resource=workflow.name,
        summary="EventBridge, SQS and Lambda deliver at least once: the same event (same "
        "event_id) can arrive twice, e.g. after a retry or a replay. Handlers skip what they "
        f"already handled and log '{ctx.catalog.log_conventions.duplicate_message}'. No alarm "
        "fires: idempotency holding is the healthy outcome; the counts show it.",
        alarms=(),
        symptoms=(
            "Duplicate lines in the logs; workflow counts stay right (each run completes once).",
        ),
        diagnosis=(
            Step(
                "Which events were delivered again and skipped?",
                ctx.query_command("events/duplicates-detected", since="24h"),
                query=ctx.query("events/duplicates-detected"),
            ),
            Step(
                "Was any event_id *handled* (not skipped) more than once? That is the bug.",
                ctx.query_command("events/handled-more-than-once", since="24h"),
                query=ctx.query("events/handled-more-than-once"),
            ),
        ),
        mitigation=(
            Step(
                "If only duplicates-detected has rows: nothing to do. If handled-more-than-once "
                "has rows, the handler's idempotency check is missing or keyed on MessageId "
                "(SQS redrive assigns new MessageIds): key it on event_id and deploy."
            ),
        ),
        verification=(
            Step(
                "Each run completed exactly once.",
                ctx.query_command(f"workflows/{workflow.name}-outcomes", since="24h"),
                query=ctx.query(f"workflows/{workflow.name}-outcomes"),
            ),
        ),
        rollback=(Step("Nothing to undo."),),
        escalation=ctx.escalation(),
        drill=(
            Drill(
                fault=Fault("service", producer.name, "duplicate"),
                expected_alarms=(),
                detection_budget_s=SLACK_S,
                workflow=workflow.name,
                workflows=3,
            )
            if producer is not None
            else None
        ),
    )
