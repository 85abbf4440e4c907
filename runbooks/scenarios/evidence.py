"""What a runbook step's output must show (``Step.expect``), built from the catalog's names.

One function per kind of evidence, so every scenario template asks for the same proof of the
same thing, and the patterns that read a command's output live in one place. The patterns follow
what the commands print: ``obskit query`` and ``obskit dlq inspect`` tables (one row per line,
cells separated by ``│``), ``obskit trace``'s text (``Trace <id>  STATUS``, ``Missing <event>:
<step> was handled by <service> …``, an ``Errors:`` list of ``<time> <service>: <message>``),
``obskit dlq replay``'s summary line and the AWS CLI's JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from catalog.models import Service

DLQ_ROW = r"re:^│ *[1-9][0-9]* +│"
"""A row of ``obskit dlq inspect`` whose count is at least 1."""


def _words(names: Iterable[str]) -> str:
    return "|".join(re.escape(name) for name in names)


def log_lines_of(service: Service) -> tuple[str, ...]:
    """A query's rows come from the service's log group (it is the one writing errors)."""
    return (str(service.log_group),)


def typed_log_lines_of(service: Service) -> tuple[str, ...]:
    """As :func:`log_lines_of`, for a query grouped by event type: a service that consumes no
    catalog event (its messages carry no event type) has no row there, so nothing is asked."""
    return log_lines_of(service) if service.consumes else ()


def no_log_lines_of(service: Service) -> tuple[str, ...]:
    """No row comes from the service's log group (its errors stopped)."""
    return (f"not:{service.log_group}",)


def trace_stopped_at(service: str) -> tuple[str, ...]:
    """The trace says the run stopped at ``service``: the last step it reached was handled by
    it, and nothing after."""
    name = re.escape(service)
    return (rf"re:^Missing \S+: \S+ was handled by ([\w.-]+, )*{name}(,| at)",)


def trace_errors_in(service: str) -> tuple[str, ...]:
    """The trace's error list has lines of ``service``."""
    return (rf"re:^ +\d{{4}}-\d\d-\d\dT\S+ {re.escape(service)}: ",)


def trace_waiting_for(service: str) -> tuple[str, ...]:
    """The trace says the next step was never handled, and names ``service`` among the ones
    that should have handled it."""
    name = re.escape(service)
    return (rf"re:\(([\w.-]+, )*{name}(, [\w.-]+)* never handled one\)",)


def no_run_started(start_event: str, workflow: str) -> tuple[str, ...]:
    """``obskit trace --last`` found no run of ``workflow`` in the window (exit 2)."""
    return (f"no {start_event} of workflow {workflow} found",)


def trace_status(*statuses: str) -> tuple[str, ...]:
    """``Trace <correlation id>  <STATUS>`` with one of ``statuses``."""
    return (rf"re:^Trace \S+ +({_words(s.upper() for s in statuses)})\b",)


def trace_failed_with(failure_events: Iterable[str]) -> tuple[str, ...]:
    """The run ended with one of the workflow's failure events instead of its next step."""
    return (*trace_status("failed"), rf"re:, then ({_words(failure_events)}) at ")


def rows_of(*event_types: str) -> tuple[str, ...]:
    """A table row for one of ``event_types`` with a count of at least 1 in a later cell
    (nothing to ask when there is no event type)."""
    if not event_types:
        return ()
    return (rf"re:│ ({_words(event_types)}) +│ ([^│]*│ )*?[1-9][0-9]* +│",)


def as_many_completed(start_event: str, success_event: str) -> tuple[str, ...]:
    """The outcomes table counts as many runs completed as started (each exactly once)."""
    start, success = re.escape(start_event), re.escape(success_event)
    return (
        rf"re:(?s)(?=.*│ {start} +│ +([0-9]+) +│)(?=.*│ {success} +│ +\1 +│)",
        *rows_of(start_event),
    )


def no_rows() -> tuple[str, ...]:
    """``obskit query`` returned nothing (``0 row(s)``): no breach, no error since the fix."""
    return (r"re:^0 row\(s\)",)


def some_rows() -> tuple[str, ...]:
    """``obskit query`` returned at least one row (``N row(s)`` with N ≥ 1)."""
    return (r"re:^[1-9][0-9]* row\(s\)",)


def dlq_holds_messages(dlq: str) -> tuple[str, ...]:
    """``dlq`` itself (the title ``<queue>: N message(s)``, N at least 1) holds messages: a
    look at another DLQ that happens to hold some must not pass for it."""
    return (f"re:(^|\\s){re.escape(dlq)}: [1-9][0-9]* message\\(s\\)", DLQ_ROW)


def dlq_empty(dlq: str) -> tuple[str, ...]:
    """``dlq`` itself is empty: another, empty DLQ must not pass for it."""
    return (f"{dlq}: 0 message(s)", f"not:{DLQ_ROW}")


def rule_targets(functions: Iterable[str], queues: Iterable[str]) -> tuple[str, ...]:
    """``aws events list-targets-by-rule`` lists each target and DLQ by ARN: a queue's ends with
    its name (``...:NAME"``); a function's with ``function:NAME"`` on AWS. Only the name is
    asked of a function (``:NAME`` as a whole word), since the sandbox stands a function's
    asynchronous queue in for it (``...:NAME-async-invoke"``)."""
    named = tuple(f"re::{re.escape(name)}\\b" for name in functions)
    return named + tuple(f':{name}"' for name in queues)


def replay_preview() -> tuple[str, ...]:
    """The dry run lists at least one event it would send."""
    return ("re:│ send +│",)


def replay_sent() -> tuple[str, ...]:
    """The replay sent at least one message and none failed."""
    return ("re:: sent [1-9][0-9]*, ", "failed 0")


def archive_replay_completed() -> tuple[str, ...]:
    return ("COMPLETED",)


def function_config(function: str) -> tuple[str, ...]:
    return (f'"FunctionName": "{function}"',)


def memory_of(function: str, memory_mb: int) -> tuple[str, ...]:
    return (*function_config(function), f'"MemorySize": {memory_mb}')


def reserved_concurrency(reserved: int) -> tuple[str, ...]:
    return (f'"ReservedConcurrentExecutions": {reserved}',)


def not_stopped() -> tuple[str, ...]:
    """The reservation is not 0 (restored, or none: the function uses the unreserved pool)."""
    return ('not:"ReservedConcurrentExecutions": 0',)


def alarms_not_firing(alarms: Iterable[str]) -> tuple[str, ...]:
    """Each alarm is listed and none is in ALARM: back to OK (or INSUFFICIENT_DATA, where an
    alarm that treats missing data as missing goes once its metric stops)."""
    return (*(f'"AlarmName": "{alarm}"' for alarm in alarms), 'not:"StateValue": "ALARM"')


def account_concurrency() -> tuple[str, ...]:
    return ('"UnreservedConcurrentExecutions":',)


def rule_enabled(rule: str) -> tuple[str, ...]:
    return (f'"Name": "{rule}"', '"State": "ENABLED"')


def invoke_allowed_from(rule: str) -> tuple[str, ...]:
    """The function's policy lets EventBridge invoke it from ``rule``."""
    return ("events.amazonaws.com", f"/{rule}")


def names(*items: str) -> tuple[str, ...]:
    """The output names each of ``items`` (a queue, a topic)."""
    return tuple(items)


# --- Mutation engineer 2 (issue 15): SNS topics, replays to a function, event source mappings ---


def _arn_of(kind: str, name: str) -> str:
    """A pattern for an ARN of ``kind`` (``sns``, ``sqs``) ending in ``name``, whatever its
    region and account (the sandbox's account is not the one on AWS)."""
    return rf"arn:aws:{kind}:[a-z0-9-]+:[0-9]+:{re.escape(name)}"


def confirmed_subscription(topic: str, protocol: str, endpoint: str) -> tuple[str, ...]:
    """``aws sns list-subscriptions-by-topic`` lists a *confirmed* subscription of ``topic``
    (its SubscriptionArn is an ARN, not ``PendingConfirmation``) with this protocol and
    endpoint: the subscriber is still there, so the deliveries fail on its side. The AWS CLI
    prints a subscription's members in the API's order (SubscriptionArn, Owner, Protocol,
    Endpoint, TopicArn: https://docs.aws.amazon.com/sns/latest/api/API_Subscription.html)."""
    return (
        rf're:"SubscriptionArn": "{_arn_of("sns", topic)}:[^"]+",\s*"Owner": "[^"]*",\s*'
        rf'"Protocol": "{re.escape(protocol)}",\s*"Endpoint": "{re.escape(endpoint)}",\s*'
        rf'"TopicArn": "{_arn_of("sns", topic)}"',
    )


def topic_attributes(topic: str) -> tuple[str, ...]:
    """``aws sns get-topic-attributes`` of ``topic`` itself, with the delivery policy SNS
    applies (``EffectiveDeliveryPolicy``: the retries a failing subscriber gets), which no other
    step prints
    (https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html)."""
    return (rf're:"TopicArn": "{_arn_of("sns", topic)}"', '"EffectiveDeliveryPolicy"')


def subscribed_to(topic: str) -> tuple[str, ...]:
    """``aws sns subscribe --return-subscription-arn`` answered with a subscription of
    ``topic`` (with that flag SNS returns the ARN even while the subscription waits for its
    confirmation: https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html)."""
    return (rf're:"SubscriptionArn": "{_arn_of("sns", topic)}:[^"]+"',)


def replay_preview_to(target: str) -> tuple[str, ...]:
    """The dry run would send at least one message to ``target`` (``lambda:<function>``, as its
    table's target column prints it): a preview towards another function does not pass."""
    return (rf"re:│ send +│ {re.escape(target)} +│",)


def event_source_mapping(queue: str, batch_size: int) -> tuple[str, ...]:
    """``aws lambda list-event-source-mappings --function-name F`` lists F's mapping from
    ``queue``, enabled, with the catalog's batch size
    (https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html); another
    function's answer (another queue, or none) does not pass."""
    return (
        rf're:"EventSourceArn": "{_arn_of("sqs", queue)}"',
        '"State": "Enabled"',
        f'"BatchSize": {batch_size}',
    )


def queue_url(queue: str) -> tuple[str, ...]:
    """``aws sqs get-queue-url`` answered with ``queue``'s URL (``.../<account>/<name>``): the
    queue's name alone is printed by other steps too (an event source mapping's
    EventSourceArn), so leaving this step out would pass unseen."""
    return (rf're:"QueueUrl": "[^"]*/{re.escape(queue)}"',)
