"""Scenario templates for a workflow: it failed, it is stuck between two steps, it saw duplicates.

A stuck workflow raises no error of its own: it is seen by what did *not* happen (a completion
later than the SLA, or no completion in a day: the heartbeat). The scenario therefore lists, for
each pair of consecutive steps, who turns the first event into the second, so the operator checks
exactly the rule, queue and function between the last step reached and the next one.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from catalog.models import Catalog, RetryPolicy, Service, Workflow
from runbooks.scenarios import evidence
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from runbooks.scenarios.recovery import hop_alarms, restore_concurrency_step, retry_span_s

SLACK_S = 5 * 60
THROTTLE_MAX_BACKOFF_S = 5 * 60
THROTTLES_WINDOW_S = 5 * 60
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
                ctx.query_command(f"workflows/{workflow.name}-outcomes"),
                query=ctx.query(f"workflows/{workflow.name}-outcomes"),
                dashboard=ctx.dashboard,
                expect=evidence.rows_of(*workflow.failure_events),
            ),
            Step(
                f"Trace the latest run: the {failure} event shows the failed step and reason.",
                ctx.trace_last(workflow.name),
                expect=(
                    *evidence.trace_failed_with(workflow.failure_events),
                    *(evidence.trace_stopped_at(producer.name) if producer is not None else ()),
                ),
                exit_codes=(0, 1),
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
                ctx.trace_last(workflow.name),
                expect=evidence.trace_status("completed"),
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
    stuck = _stuck_fault(ctx, workflow)
    fault = stuck.fault
    held = fault.name if fault is not None and fault.kind == "throttle" else None
    past_sla: tuple[str, ...] = ()
    timeline: tuple[str, ...] = ()
    trace: tuple[str, ...] = ()
    trace_exits: tuple[int, ...] = (0, 1)
    if held is not None and workflow.start_event in ctx.catalog.service(held).consumes:
        # held at the first hop: no service handled the start event, so no run shows yet
        trace = (
            *evidence.no_run_started(workflow.start_event, workflow.name),
            *evidence.searched_log_groups(),
        )
        trace_exits = (2,)
    elif held is not None:
        # the run waits for the held hop: the query lists it, the trace names the hop
        past_sla = (*evidence.some_rows(), *evidence.run_not_ended())
        trace = (*evidence.trace_status("incomplete"), *evidence.trace_waiting_for(held))
        # the timeline's last step: the event handled just before the one the held hop waits on
        timeline = evidence.rows_of(*_handled_before(workflow, ctx.catalog.service(held)))
    diagnosis: list[Step] = [
        Step(
            "Which runs started but did not finish within the SLA?",
            ctx.query_command(f"workflows/{workflow.name}-past-sla"),
            query=ctx.query(f"workflows/{workflow.name}-past-sla"),
            dashboard=ctx.dashboard,
            expect=past_sla,
        ),
        Step(
            "Trace the latest run: the last step it reached is where it is stuck (none found: "
            "the first step never ran).",
            ctx.trace_last(workflow.name),
            expect=trace,
            exit_codes=trace_exits,
        ),
        Step(
            "When was each step handled (first and last), per run?",
            ctx.query_command("latency/step-timeline"),
            query=ctx.query("latency/step-timeline"),
            expect=timeline,
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
            *_release_steps(ctx, workflow),
            Step(
                "Fix the hop the trace stops at (its scenario lists the commands), then recover "
                "the missing event: replay its DLQ with `obskit dlq replay`, or the bus archive "
                "with `obskit replay archive`, or start the run again."
            ),
        ),
        verification=(
            Step(
                "The stuck run (or its re-run) completes.",
                ctx.trace_last(workflow.name),
                expect=evidence.trace_status("completed"),
            ),
            Step(
                "The alarms are back to OK (the composite `unhealthy` alarm too: without "
                "`--alarm-types` DescribeAlarms returns metric alarms only).",
                # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
                ctx.aws(
                    "cloudwatch",
                    "describe-alarms",
                    "--alarm-names",
                    *alarms,
                    "--alarm-types",
                    "CompositeAlarm",
                    "MetricAlarm",
                ),
                # the composite is not named: moto_server stores no composite alarm, so the
                # sandbox's answer cannot list it (none in ALARM still covers it on AWS)
                expect=evidence.alarms_not_firing(alarms[:-1]),
            ),
        ),
        rollback=(Step("Nothing to undo: diagnosis only reads logs."),),
        escalation=ctx.escalation(),
        drill=(
            Drill(
                fault=fault,
                expected_alarms=stuck.expected,
                detection_budget_s=stuck.budget_s,
                workflow=workflow.name,
                # the held hop's events are handled late once it is released
                may_fire=(*stuck.may_fire, *_held_hops(ctx, fault)),
                transient=stuck.transient,
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


def _handled_before(workflow: Workflow, held: Service) -> tuple[str, ...]:
    """The workflow's steps just before each event ``held`` consumes: the last ones a run held
    at ``held`` got handled (none when it consumes the first step)."""
    steps = list(workflow.steps)
    return tuple(steps[i - 1] for i, step in enumerate(steps) if step in held.consumes and i > 0)


@dataclass(frozen=True)
class _Stuck:
    """How the stuck drill holds a run, and what it can expect to see."""

    fault: Fault | None
    expected: tuple[str, ...] = ()
    budget_s: int = 0
    may_fire: tuple[str, ...] = ()
    transient: str | None = None


def _stuck_fault(ctx: ScenarioContext, workflow: Workflow) -> _Stuck:
    """Hold the middle hop for longer than the SLA: the run completes late, or not until the
    runbook releases it.

    A function slow enough to pass the SLA inside its own timeout is slowed: the run completes
    late by itself and its SLA-breach alarm fires. Otherwise an SQS-fed hop's consumer is
    throttled (reserved concurrency 0), which holds its messages without losing them (they wait
    in the queue, received once per visibility timeout and retried while in flight) until the
    runbook restores the concurrency, provided the queue allows as many receives as the hold
    takes (otherwise they would reach the DLQ). WorkflowDuration is only
    published when a run ends, so while the run is held its SLA-breach alarm cannot fire: the
    held consumer's Throttles alarm is what detects it, and the SLA breach follows once the
    runbook releases the run (a consequence, ``may_fire``). An asynchronously invoked hop cannot
    be held that way: under reserved concurrency 0 Lambda gives its events up at once
    (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
    AsyncEventsDropped), so without an SQS hop there is no stuck drill.
    """
    sla_alarm = ctx.alarm(_resource(workflow), "sla-breach")
    chain = [who for _a, _b, who in hops(ctx.catalog, workflow) if who]
    if not chain:
        return _Stuck(None)
    candidates = [ctx.catalog.service(w) for who in chain for w in who]
    for service in sorted(candidates, key=lambda s: -s.timeout_s):
        if service.timeout_s * 0.9 > workflow.sla_s + 60:
            delay = workflow.sla_s + 60
            return _Stuck(
                Fault("service", service.name, f"slow:{delay:g}"),
                (sla_alarm,),
                int(delay) + 60 + SLACK_S,
            )
    queued = _held_consumers(ctx, workflow)
    if not queued:
        return _held_delivery(ctx, workflow, candidates)
    middle = queued[len(queued) // 2]
    return _Stuck(
        Fault("service", middle.name, "throttle"),
        (ctx.alarm(middle.name, "throttles"),),
        THROTTLES_WINDOW_S + 60 + SLACK_S,
        (sla_alarm,),
    )


STUCK_HOLD_S = THROTTLES_WINDOW_S + 60 + SLACK_S + 300
"""How long the stuck drill's throttle may hold a queue: its detection budget, then diagnosis and
the runbook's restore step (five minutes of simulated time is ample: commands take none)."""


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


def _held_consumers(ctx: ScenarioContext, workflow: Workflow) -> list[Service]:
    """The workflow's SQS-fed hops: a stopped consumer holds the run (its messages wait)."""
    chain = [ctx.catalog.service(w) for _a, _b, who in hops(ctx.catalog, workflow) for w in who]
    return [s for s in chain if s.trigger == "sqs" and _held_back_not_lost(ctx, s, STUCK_HOLD_S)]


def _release_steps(ctx: ScenarioContext, workflow: Workflow) -> list[Step]:
    """For each hop whose consumer reads a queue: if the trace stops before it and it is
    stopped (reserved concurrency 0), restore its concurrency; the held messages are then read
    and the run completes (late)."""
    out: list[Step] = []
    for name in dict.fromkeys(s.name for s in _held_consumers(ctx, workflow)):
        restore = restore_concurrency_step(ctx, ctx.catalog.service(name))
        out.append(
            dataclasses.replace(
                restore,
                text=f"If the trace stops before `{name}` (it never handled one) and its "
                f"Throttles alarm fired, it is stopped: {restore.text} Its queue kept the "
                "messages, so the run continues.",
            )
        )
    return out


def _held_hops(ctx: ScenarioContext, fault: Fault) -> tuple[str, ...]:
    """The hop alarms of the events the stuck drill holds back (handled late once released)."""
    if fault.target == "rule":
        rule = next(r for _b, r in ctx.catalog.rules() if r.name == fault.name)
        return hop_alarms(ctx, rule.event_types)
    return hop_alarms(ctx, ctx.catalog.service(fault.name).consumes)


def _held_delivery(ctx: ScenarioContext, workflow: Workflow, candidates: list[Service]) -> _Stuck:
    """Without an SQS hop: EventBridge cannot deliver to the middle hop's rule for SLA + 60 s.
    EventBridge retries a failed delivery with backoff (at most 5 minutes apart) for the target's
    maximum event age, so the next retry after the fault ends delivers and the run completes
    late (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
    The outage is transient and ends by itself: what the runbook proves is that the operator
    finds the late run and sees it complete."""
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
        return _Stuck(None)
    _service, rule = routed[len(routed) // 2]
    return _Stuck(
        Fault("rule", rule.name, "deliver-fail", clear_after_s=hold),
        (ctx.alarm(_resource(workflow), "sla-breach"),),
        hold + THROTTLE_MAX_BACKOFF_S + 60 + SLACK_S,
        transient=f"a delivery outage of rule {rule.name} shorter than its targets' retries: "
        "EventBridge delivers the held events once it ends, and the run completes late",
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
    # the drill delivers the start event twice: its consumers skip (and list) the second
    first_consumers = [s for s in ctx.catalog.services if workflow.start_event in s.consumes]
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
                ctx.query_command("events/duplicates-detected"),
                query=ctx.query("events/duplicates-detected"),
                expect=(
                    *evidence.rows_of(workflow.start_event),
                    *evidence.duplicates_skipped_by(first_consumers, [workflow.start_event]),
                ),
            ),
            Step(
                "Was any event_id *handled* (not skipped) more than once? That is the bug. "
                "The invocations count the deliveries skipped as duplicates too: compare them "
                "with the duplicates above.",
                ctx.query_command("events/handled-more-than-once"),
                query=ctx.query("events/handled-more-than-once"),
                # nothing to ask: whether a skipped delivery shows here depends on how the
                # consumer is invoked (another invocation, or the same SQS batch), and "handled
                # twice" shows in the verification's outcome counts; a look, harmless to lose
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
                ctx.query_command(f"workflows/{workflow.name}-outcomes"),
                query=ctx.query(f"workflows/{workflow.name}-outcomes"),
                expect=evidence.as_many_completed(workflow.start_event, workflow.success_event),
            ),
        ),
        rollback=(Step("Nothing to undo."),),
        no_action="handlers skip an event_id they already handled, so a duplicate delivery "
        "needs no action; the verification shows each run completed exactly once",
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
