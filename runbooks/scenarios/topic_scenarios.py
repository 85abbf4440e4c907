"""Scenario template for an SNS topic whose notifications fail to reach subscribers.

SNS retries each delivery under the subscription's delivery policy; what still fails is counted in
NumberOfNotificationsFailed and, only when the *subscription* has a redrive policy, kept in that
subscription's DLQ (SNS Developer Guide, "Amazon SNS dead-letter queues"). A redrive policy is a
subscription attribute, never a topic's. For the alerts topic a failure is a page nobody got.

A subscription DLQ is what an operator can act on: its depth alarm fires as soon as SNS gives a
message up (a minute after the publish for HTTP/S, where NumberOfNotificationsFailed may need five
failing minutes), it shows what the subscriber missed, and once the subscriber is fixed its
messages are published to the topic again (``obskit dlq replay --to sns:<topic>``; SNS has no
redrive of its own for them, and the publish reaches every subscriber again).
"""

from __future__ import annotations

import math

from catalog.models import Service, Topic
from dashboards.naming import resource_slug
from runbooks.scenarios import evidence
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step
from runbooks.scenarios.recovery import (
    dropped_alarms,
    job_schedule,
    late_run_alarms,
    missed_run_alarms,
    workflow_of,
)
from sandbox.sns_delivery import first_failure_count_s, give_up_offset_s

SNS_WINDOW_S = 5 * 60
THROTTLES_WINDOW_S = 5 * 60
SLACK_S = 5 * 60
DLQ_WINDOW_S = 60
MAX_DRILL_DELAY_S = 12 * 3600
"""Longest wait for SNS to count a failure that a drill still covers (e-mail: about 6.6 h)."""


def workflow_publishing(ctx: ScenarioContext, topic: Topic) -> str | None:
    """The workflow whose services publish to ``topic`` (its runs make the notifications)."""
    for service in ctx.catalog.services:
        if topic.name in service.topics:
            events = set(service.consumes) | set(service.emits)
            for workflow in ctx.catalog.workflows:
                flow = {
                    *workflow.steps,
                    workflow.start_event,
                    workflow.success_event,
                    *workflow.failure_events,
                }
                if events & flow:
                    return workflow.name
    return None


def topic_scenario(ctx: ScenarioContext, topic: Topic) -> Scenario:
    alarm = ctx.alarm(topic.name, "notifications-failed")
    arn = ctx.topic_arn(topic.name)
    is_alerts = topic.name == ctx.catalog.notifications.alerts_topic
    resubscribe = [
        Step(
            f"If the list lacks `{s.endpoint}` ({s.protocol}), subscribe it again as the catalog "
            "lists it, once it accepts deliveries (email and https subscriptions must then be "
            "confirmed: the confirmation is a delivery too). Subscribing an endpoint that is "
            "still subscribed returns its subscription and changes nothing.",
            ctx.aws(
                "sns",
                "subscribe",
                "--topic-arn",
                arn,
                "--protocol",
                s.protocol,
                "--notification-endpoint",
                s.endpoint,
                "--return-subscription-arn",
            ),
            expect=evidence.subscribed_to(topic.name),
        )
        for s in topic.subscriptions
    ]
    consequence = (
        "Alarm notifications are not reaching the on-call: other incidents may be going "
        "unnoticed. Tell the on-call by phone now."
        if is_alerts
        else "People are not told about outcomes; the workflows themselves are unaffected."
    )
    return Scenario(
        id=f"topic-{resource_slug(ctx.catalog.system, ctx.catalog.stage, topic.name)}"
        "-notifications-failing",
        title=f"topic {topic.name}: notifications failing",
        severity="critical" if is_alerts else "medium",
        kind="topic",
        resource=topic.name,
        summary=f"SNS cannot deliver messages of `{topic.name}` ({topic.purpose}). {consequence}",
        alarms=(alarm,),
        symptoms=(
            f"NumberOfNotificationsFailed > 0 on `{topic.name}` for five minutes.",
            "Subscribers report missing e-mails or webhook calls.",
            _when_failures_show(topic),
        ),
        diagnosis=(
            Step(
                "Which subscriptions exist, and is any still PendingConfirmation or deleted?",
                ctx.aws("sns", "list-subscriptions-by-topic", "--topic-arn", arn),
                dashboard=ctx.dashboard,
                # the drill's fault: every subscriber still subscribed, refusing deliveries
                expect=tuple(
                    item
                    for s in topic.subscriptions
                    for item in evidence.confirmed_subscription(topic.name, s.protocol, s.endpoint)
                ),
            ),
            Step(
                "Topic attributes: delivery policy, KMS key, subscription counts.",
                ctx.aws("sns", "get-topic-attributes", "--topic-arn", arn),
                expect=evidence.topic_attributes(topic.name),
            ),
        ),
        mitigation=(
            Step(
                "Fix what refuses the deliveries (the https endpoint that is down, the mailbox "
                "that bounces, a KMS key policy that denies SNS): that is the subscriber's side, "
                "so no command here does it."
            ),
            *resubscribe,
            *_redrive_policy_hint(ctx, topic),
            *(
                step
                for dlq in subscription_dlqs(topic)
                for step in subscription_dlq_steps(ctx, topic, dlq)
            ),
        ),
        verification=(
            Step(
                "Send a test message and confirm every subscriber received it.",
                ctx.aws(
                    "sns",
                    "publish",
                    "--topic-arn",
                    arn,
                    "--subject",
                    "obskit runbook test",
                    "--message",
                    f"Test of {topic.name} after an incident; no action needed.",
                ),
                expect=evidence.names("MessageId"),
            ),
            Step(
                "The alarm is back to OK.",
                ctx.aws("cloudwatch", "describe-alarms", "--alarm-names", alarm),
                expect=evidence.alarms_not_firing([alarm]),
            ),
        ),
        rollback=(
            Step(
                "Remove a subscription added by mistake.",
                ctx.aws("sns", "unsubscribe", "--subscription-arn", "<subscription-arn>"),
                runnable=False,
            ),
        ),
        escalation=ctx.escalation(),
        drill=_drill(ctx, topic, alarm, is_alerts),
        no_drill=_no_drill(topic),
    )


def _redrive_policy_hint(ctx: ScenarioContext, topic: Topic) -> tuple[Step, ...]:
    """For subscriptions without a DLQ: how to keep what SNS will otherwise discard."""
    if all(s.dlq for s in topic.subscriptions):
        return ()
    return (
        Step(
            "For an https subscriber that is down: fix the endpoint; SNS retries per its "
            "delivery policy. To keep what still fails, give the *subscription* (not the "
            "topic) a redrive policy to an SQS queue (`dlq` of the subscription in the catalog).",
            ctx.aws(
                "sns",
                "set-subscription-attributes",
                "--subscription-arn",
                "<subscription-arn>",
                "--attribute-name",
                "RedrivePolicy",
                "--attribute-value",
                '{"deadLetterTargetArn":"<queue-arn>"}',
            ),
            runnable=False,
        ),
    )


def subscription_dlqs(topic: Topic) -> list[str]:
    """The DLQs of ``topic``'s subscriptions, each once, in catalog order."""
    return list(dict.fromkeys(s.dlq for s in topic.subscriptions if s.dlq))


def subscription_dlq_steps(ctx: ScenarioContext, topic: Topic, dlq: str) -> tuple[Step, ...]:
    """Inspect what a subscription's DLQ kept, then publish it to the topic again once the
    subscriber is fixed (every subscriber receives it again: say so)."""
    others = len(topic.subscriptions) > 1
    duplicate = (
        " Every subscriber of the topic receives it again, not only the one that failed: tell "
        "the others' owners, or hand the messages to the failed subscriber's owner instead."
        if others
        else ""
    )
    return (
        Step(
            f"See what SNS gave up on and kept in `{dlq}` (each body is the notification as SNS "
            "would have delivered it; `Message` is what the subscriber missed).",
            ctx.dlq_inspect(dlq),
        ),
        Step(
            f"Once the subscriber accepts deliveries again, publish the kept notifications to "
            f"`{topic.name}` again, at a gentle rate (the journal makes a re-run safe).{duplicate}",
            ctx.obskit(
                "dlq",
                "replay",
                dlq,
                "--to",
                f"sns:{topic.name}",
                "--rate",
                "5",
                catalog=False,
                region=True,
            ),
        ),
    )


def dlq_detection(ctx: ScenarioContext, topic: Topic) -> tuple[tuple[str, ...], int]:
    """The DLQ alarms a failing topic fires within a drill, and when: SNS moves a notification
    to a subscription's DLQ when its protocol's retries end (a minute for HTTP/S, hours for
    e-mail; see :mod:`sandbox.sns_delivery`), and the depth alarm sees it within a minute."""
    alarms: list[str] = []
    latest = 0
    for subscription in topic.subscriptions:
        if subscription.dlq is None:
            continue
        at = math.ceil(give_up_offset_s(subscription.protocol)) + DLQ_WINDOW_S
        if at > MAX_DRILL_DELAY_S:
            continue
        alarm = ctx.alarm(subscription.dlq, "not-empty")
        if alarm not in alarms:
            alarms.append(alarm)
        latest = max(latest, at)
    return tuple(alarms), latest


def failure_count_delay_s(topic: Topic) -> int | None:
    """Whole seconds from a failed publish until SNS counts it in NumberOfNotificationsFailed,
    for the topic's quickest subscription protocol (see :mod:`sandbox.sns_delivery`); None
    without a subscription."""
    delay = first_failure_count_s([s.protocol for s in topic.subscriptions])
    return None if delay is None else math.ceil(delay)


def _drill(ctx: ScenarioContext, topic: Topic, alarm: str, is_alerts: bool) -> Drill | None:
    delay = failure_count_delay_s(topic)
    if delay is None or delay > MAX_DRILL_DELAY_S:
        # No subscription, or only SQS / Lambda ones (counted after 23 days): no drill could see
        # the alarm fire, so none is generated rather than one that proves nothing.
        return None
    fault = Fault("topic", topic.name, "deliver-fail")
    dlq_alarms, dlq_at = dlq_detection(ctx, topic)
    if not is_alerts:
        return Drill(
            fault=fault,
            expected_alarms=(alarm, *dlq_alarms),
            detection_budget_s=max(delay + SNS_WINDOW_S, dlq_at) + SLACK_S,
            workflow=workflow_publishing(ctx, topic),
            # the alarm needs failed deliveries in 5 consecutive minutes: one run a minute
            workflows=SNS_WINDOW_S // 60 + 2,
            spacing_s=60,
        )
    # The alerts topic only carries alarm notifications: something must change an alarm's
    # state while deliveries fail. A throttled function at the end of a workflow (it runs after
    # the success event, so no run is held up) trips its Throttles alarm; the ALARM
    # notification fails; then the throttle ends by itself.
    trigger = _leaf_service(ctx)
    job = _job_service(ctx) if trigger is None else None
    if trigger is None and job is not None:
        # a system of scheduled jobs: throttle one and invoke it as its schedule does; Lambda
        # drops the event at once (AsyncEventsDropped, 1 of 1 minute) and the ALARM
        # notification fails
        schedule = job_schedule(ctx.catalog, job)
        assert schedule is not None
        return Drill(
            fault=fault,
            extra_faults=(Fault("service", job.name, "throttle", clear_after_s=3 * 60),),
            expected_alarms=(*dropped_alarms(ctx, job), alarm),
            detection_budget_s=3 * 60 + delay + SLACK_S,
            job=schedule.name,
            may_fire=(ctx.alarm(job.name, "throttles"), *missed_run_alarms(ctx, job)),
        )
    if trigger is None:
        return Drill(
            fault=fault,
            expected_alarms=(alarm, *dlq_alarms),
            detection_budget_s=max(delay + SNS_WINDOW_S, dlq_at) + SLACK_S,
        )
    workflow = workflow_of(ctx.catalog, trigger)
    throttles = ctx.alarm(trigger.name, "throttles")
    throttle_for = THROTTLES_WINDOW_S + 2 * 60
    return Drill(
        fault=fault,
        extra_faults=(Fault("service", trigger.name, "throttle", clear_after_s=throttle_for),),
        # reserved concurrency 0: Lambda drops each of its asynchronous events at once
        expected_alarms=(throttles, *dropped_alarms(ctx, trigger), alarm, *dlq_alarms),
        detection_budget_s=throttle_for + max(delay, dlq_at) + SLACK_S,
        workflow=workflow,
        workflows=throttle_for // 60 + 1,
        spacing_s=60,
        may_fire=late_run_alarms(ctx, workflow),
        transient=f"the throttle of {trigger.name} only exists to make an alarm change state "
        "and notify through the failing topic; it is not the incident, and it ends by itself",
    )


def _no_drill(topic: Topic) -> str | None:
    """Why a topic gets no drill (see :func:`_drill`), with the fix; None when it gets one."""
    delay = failure_count_delay_s(topic)
    if delay is None:
        return (
            f"topic '{topic.name}' has no subscription, so no delivery can fail and its "
            "notifications-failed alarm can never fire: list its subscribers under "
            "topics[].subscriptions"
        )
    if delay > MAX_DRILL_DELAY_S:
        return (
            f"topic '{topic.name}' has only SQS / Lambda subscriptions, which SNS retries for 23 "
            "days before it counts a failure: no drill can see the alarm fire; watch the "
            "subscribers' own queues and functions instead"
        )
    return None


def _when_failures_show(topic: Topic) -> str:
    """When the alarm can fire after deliveries start failing, from the subscriptions' protocols:
    SNS counts a failed e-mail or SMS only once it stops retrying (about 6.6 hours), a failed
    HTTP/S attempt at once, an SQS or Lambda one after 23 days."""
    delay = failure_count_delay_s(topic)
    if delay is None:
        return "The topic has no subscription: nothing can fail, and this alarm never fires."
    if delay < 60:
        return "SNS counts each failed HTTP/S delivery attempt at once: the alarm follows within minutes."
    return (
        f"SNS counts a failed delivery only when it stops retrying, about {delay / 3600:.1f} hours "
        "after the publish: this alarm fires hours after deliveries began failing, so look at the "
        "subscribers as soon as anyone reports a missing message."
    )


def _job_service(ctx: ScenarioContext) -> Service | None:
    """The first scheduled job Lambda invokes asynchronously (none when there is no job)."""
    for service in ctx.catalog.services:
        if job_schedule(ctx.catalog, service) is not None and dropped_alarms(ctx, service):
            return service
    return None


def _leaf_service(ctx: ScenarioContext) -> Service | None:
    """A service that consumes a workflow's success event: it runs after the run completed."""
    successes = {workflow.success_event for workflow in ctx.catalog.workflows}
    for service in ctx.catalog.services:
        if successes & set(service.consumes) and service.trigger != "sqs":
            return service
    return None
