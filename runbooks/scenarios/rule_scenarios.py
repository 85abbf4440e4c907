"""Scenario template for an EventBridge rule whose target fails.

EventBridge retries a failed delivery under the target's retry policy, then sends the event to the
target's DLQ with message attributes ERROR_CODE, ERROR_MESSAGE, RULE_ARN, TARGET_ARN,
EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS (EventBridge User Guide, "Using dead-letter queues to
process undelivered events", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
Delivery fails for reasons of the *target*, not of its code: a missing function or queue, a
resource policy that does not allow events.amazonaws.com, a KMS key, throttling of the invoke API.
A missing permission or a deleted target is not retried at all: those events are in the DLQ at
once (ERROR_CODE NO_PERMISSIONS / NO_RESOURCE, RETRY_ATTEMPTS 0). Without a DLQ, the event is
dropped and only FailedInvocations shows it; the bus archive (if any) still has it, and the
replay waits 10 minutes after the fix for the archive to hold the last events.
"""

from __future__ import annotations

from catalog.models import Bus, Rule
from dashboards.naming import resource_slug
from runbooks.scenarios import evidence
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from runbooks.scenarios.recovery import (
    archive_replay_step,
    hop_alarms,
    replay_steps,
    retry_span_s,
)

RULE_WINDOW_S = 60
SLACK_S = 5 * 60


def rule_scenario(ctx: ScenarioContext, bus: Bus, rule: Rule) -> Scenario:
    failed = ctx.alarm(rule.name, "failed-invocations")
    to_dlq = ctx.alarm(rule.name, "sent-to-dlq")
    dlqs = sorted({t.dlq for t in rule.targets if t.dlq})
    alarms = (failed, to_dlq, *(ctx.alarm(d, "not-empty") for d in dlqs))
    events = ", ".join(rule.event_types)
    diagnosis: list[Step] = [
        Step(
            "Which targets does the rule have, with which retry policy and DLQ?",
            ctx.aws(
                "events", "list-targets-by-rule", "--rule", rule.name, "--event-bus-name", bus.name
            ),
            expect=evidence.rule_targets(*_target_names(ctx, rule)),
        ),
        Step(
            "Is the rule enabled, and does its pattern still match the events?",
            ctx.aws("events", "describe-rule", "--name", rule.name, "--event-bus-name", bus.name),
            dashboard=ctx.dashboard,
            expect=evidence.rule_enabled(rule.name),
        ),
    ]
    for dlq in dlqs:
        diagnosis.append(
            Step(
                f"Why delivery failed: ERROR_CODE / ERROR_MESSAGE / TARGET_ARN of the events in "
                f"`{dlq}` (NO_PERMISSIONS or NO_RESOURCE: EventBridge did not retry them; "
                "EXHAUSTED_RETRY_CONDITION: which retry limit ran out).",
                ctx.dlq_inspect(dlq),
                expect=evidence.dlq_holds_messages(dlq),
            )
        )
    for target in rule.targets:
        if target.service:
            fn = ctx.function(ctx.catalog.service(target.service))
            diagnosis.append(
                Step(
                    f"Does `{fn}` exist, and does its resource policy allow "
                    "events.amazonaws.com to invoke it from this rule?",
                    ctx.aws("lambda", "get-policy", "--function-name", fn),
                    expect=evidence.invoke_allowed_from(rule.name),
                )
            )
        if target.queue:
            diagnosis.append(
                Step(
                    f"Does queue `{target.queue}` exist (its policy must allow the rule to send)?",
                    ctx.aws("sqs", "get-queue-url", "--queue-name", target.queue),
                    expect=evidence.queue_url(target.queue),
                )
            )
    mitigation: list[Step] = [
        Step(
            "Fix the target: redeploy the missing function/queue or its resource policy from the "
            "template (the error code names which); the rule needs no change."
        )
    ]
    for dlq in dlqs:
        mitigation.extend(replay_steps(ctx, dlq))
    if not dlqs and bus.archive:
        mitigation.append(archive_replay_step(ctx, bus, [rule]))
    drill = Drill(
        fault=Fault("rule", rule.name, "deliver-fail"),
        expected_alarms=alarms,
        # FailedInvocations and the DLQ only see an event once its retries are used up
        detection_budget_s=RULE_WINDOW_S + SLACK_S + _retries_s(rule),
        # the events EventBridge could not deliver reach their consumer late (its retries, or
        # the DLQ replay after the fix): their hops, and only theirs, may breach the hop SLA,
        # and the runs they belong to may end past their workflow's SLA
        may_fire=(*hop_alarms(ctx, rule.event_types), *_sla_alarms(ctx, rule)),
    )
    return Scenario(
        id=f"rule-{resource_slug(ctx.catalog.system, ctx.catalog.stage, rule.name)}-target-failing",
        title=f"rule {rule.name}: target failing",
        severity="critical",
        kind="rule",
        resource=rule.name,
        summary=f"EventBridge cannot deliver {events} from bus `{bus.name}` to the rule's target"
        + (
            f"; after the retries the events go to {', '.join(f'`{d}`' for d in dlqs)}."
            if dlqs
            else "; without a DLQ they are dropped."
        ),
        alarms=alarms,
        symptoms=(
            f"FailedInvocations > 0 and/or InvocationsSentToDlq > 0 for rule `{rule.name}`.",
            f"The consumers of {events} see nothing; workflows stop before that step.",
        ),
        diagnosis=tuple(diagnosis),
        mitigation=tuple(mitigation),
        verification=(
            *(
                Step(f"`{d}` is empty.", ctx.dlq_inspect(d), expect=evidence.dlq_empty(d))
                for d in dlqs
            ),
            Step(
                "The alarms are back to OK (FailedInvocations is only published when non-zero, "
                "so the alarm treats missing data as OK).",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", *alarms),
                expect=evidence.alarms_not_firing(alarms),
            ),
        ),
        rollback=(
            Step(
                "To stop deliveries on purpose while the target is repaired, disable the rule "
                "(matching events are then not delivered at all: replay them from the archive "
                "afterwards).",
                ctx.aws(
                    "events", "disable-rule", "--name", rule.name, "--event-bus-name", bus.name
                ),
                runnable=False,
            ),
            Step(
                "And enable it again.",
                ctx.aws("events", "enable-rule", "--name", rule.name, "--event-bus-name", bus.name),
                runnable=False,
            ),
        ),
        escalation=ctx.escalation(),
        drill=drill,
    )


def _sla_alarms(ctx: ScenarioContext, rule: Rule) -> tuple[str, ...]:
    """The SLA-breach alarm of every workflow one of ``rule``'s event types is a step of."""
    events = set(rule.event_types)
    return tuple(
        ctx.alarm(f"workflow-{flow.name}", "sla-breach")
        for flow in ctx.catalog.workflows
        if events & set(flow.events)
    )


def _retries_s(rule: Rule) -> int:
    """The longest EventBridge can keep retrying an event for one of ``rule``'s targets before
    it counts as a failed invocation and goes to the DLQ (``retry_span_s``: at most the sum of
    the backoff caps, at most the maximum event age)."""
    return int(max(retry_span_s(target.retry_policy) for target in rule.targets))


def _target_names(ctx: ScenarioContext, rule: Rule) -> tuple[list[str], list[str]]:
    """The rule's targets' functions, and its target queues and DLQs, by name."""
    functions: list[str] = []
    queues: list[str] = []
    for target in rule.targets:
        if target.service is not None:
            functions.append(ctx.function(ctx.catalog.service(target.service)))
        elif target.queue is not None:
            queues.append(target.queue)
        if target.dlq:
            queues.append(target.dlq)
    return functions, queues
