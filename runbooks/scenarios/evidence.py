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


def hop_latency_rows(*event_types: str) -> tuple[str, ...]:
    """``latency/hop-latency`` has a row of one of ``event_types``, in its own shape: the type,
    then five numbers (handled lines, events, average, p95 and maximum age); the SLA-breach
    query's rows (type, log group, count, maximum) cannot pass for it."""
    if not event_types:
        return ()
    number = r"[0-9]+(\.[0-9]+)?"
    return (
        rf"re:^│ ({_words(event_types)}) +│ [1-9][0-9]* +│ [0-9]+ +│ "
        rf"{number} +│ {number} +│ {number} +│$",
    )


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


# ---- SNS topics, replays to a function, event source mappings ---------------------------------


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


# ---- each Lambda, workflow and queue step shows its own evidence -------------------------------
# Two steps of one part that ask for the same thing make leaving out either undetectable (the
# drill's evidence check is met by the other): each step below asks for what only its own
# output has, in the shape that command prints it.

_ERROR_LEVEL = "(ERROR|CRITICAL|FATAL)"
_TIME_CELL = r"\d{4}-\d\d-\d\d [\d:.]+"


def _at_least(n: int) -> str:
    """A regular expression for a whole number of at least ``n`` (``n`` ≥ 0, no leading 0):
    more digits than ``n``, or ``n`` itself, or as many digits and greater at the first digit
    that differs."""
    if n <= 0:
        return "[0-9]+"
    digits = str(n)
    alternatives = [f"[1-9][0-9]{{{len(digits)},}}", digits]
    for i, digit in enumerate(digits):
        if digit == "9":
            continue
        rest = len(digits) - i - 1
        alternatives.append(
            digits[:i] + f"[{int(digit) + 1}-9]" + (f"[0-9]{{{rest}}}" if rest else "")
        )
    return "(" + "|".join(alternatives) + ")"


def _log_cell(service: Service) -> str:
    """A table cell holding the service's log group (Insights prefixes ``@log`` with the
    account: ``123456789012:/aws/lambda/NAME``)."""
    return rf"[^│]*{re.escape(str(service.log_group))} +│"


def error_lines_listed(service: Service) -> tuple[str, ...]:
    """``errors/recent-errors`` lists the service's own error lines: a row with a time, its log
    group and an error level (the grouped queries have neither a time nor a level column)."""
    return (rf"re:^│ {_TIME_CELL} +│ {_log_cell(service)} {_ERROR_LEVEL} +│",)


def failed_types_of(service: Service) -> tuple[str, ...]:
    """``events/failed-by-type`` has a row of an event type the service consumes, then its log
    group and a count of error lines (``events/handled-more-than-once`` puts the log group
    first and the event_id after the type, so it cannot pass for it). Nothing for a service
    that consumes no catalog event: what type its lines carry is its invoker's business."""
    if not service.consumes:
        return ()
    types = _words(service.consumes)
    return (rf"re:^│ ({types}) +│ {_log_cell(service)} [1-9][0-9]* +│ [0-9]+ +│$",)


def error_free_lines_of(service: Service) -> tuple[str, ...]:
    """``errors/error-rate-by-service`` since the fix has a row of the service's log group with
    0 errors among at least one line: it ran again, and without an error. (No error line of
    it alone is also what a query over another window or of another kind prints.)"""
    return (rf"re:^│ {_log_cell(service)} 0 +│ [1-9][0-9]* +│ [0-9.]+ +│$",)


def function_reservation(function: str, reserved: int | None) -> tuple[str, ...]:
    """``aws lambda get-function --query '{FunctionName: …, ReservedConcurrentExecutions: …}'``
    names the function and its reservation: the catalog's, or none (``null``, the unreserved
    pool, https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html: ``Concurrency``
    is only returned when a reservation is set)."""
    value = str(reserved) if reserved else "null"
    return (
        *function_config(function),
        f'"ReservedConcurrentExecutions": {value}',
        *not_stopped(),
    )


def account_pool_of(functions: int, reserved: int) -> tuple[str, ...]:
    """``aws lambda get-account-settings`` answers for one region
    (https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html): in the
    catalog's, ``AccountUsage.FunctionCount`` counts at least its ``functions``, and where its
    other functions reserve ``reserved`` > 0, the unreserved pool is below the account's
    limit (the limit minus every reservation). Another region's answer has the same fields."""
    items = (*account_concurrency(), f're:"FunctionCount": {_at_least(functions)}\\b')
    if reserved > 0:
        items += (
            r're:(?s)(?=.*"ConcurrentExecutions": (\d+)\b)'
            r'(?=.*"UnreservedConcurrentExecutions": (?!\1\b)\d+)',
        )
    return items


def run_not_ended() -> tuple[str, ...]:
    """``workflows/W-past-sla`` lists a run that started (start lines ≥ 1) and has no end line
    (0): the one held. Its row is a correlation id, two times, a duration and two counts."""
    return (rf"re:^│ \S+ +│ {_TIME_CELL} +│ {_TIME_CELL} +│ [0-9.]+ +│ [1-9][0-9]* +│ 0 +│$",)


def duplicates_skipped_by(
    services: Iterable[Service], event_types: Iterable[str]
) -> tuple[str, ...]:
    """``events/duplicates-detected`` has a row of a consumer's log group and one of
    ``event_types`` with two counts (duplicates skipped, distinct events) ending the row."""
    services, event_types = list(services), list(event_types)
    if not services or not event_types:
        return ()
    groups = _words(str(s.log_group) for s in services)
    return (rf"re:^│ [^│]*({groups}) +│ ({_words(event_types)}) +│ [1-9][0-9]* +│ [1-9][0-9]* +│$",)


def handled_again_by(services: Iterable[Service], event_types: Iterable[str]) -> tuple[str, ...]:
    """``events/handled-more-than-once`` has a row of a consumer's log group, one of
    ``event_types``, an event_id and its invocations (at least 2), then the first time."""
    services, event_types = list(services), list(event_types)
    if not services or not event_types:
        return ()
    groups = _words(str(s.log_group) for s in services)
    return (
        rf"re:^│ [^│]*({groups}) +│ ({_words(event_types)}) +│ \S+ +│ "
        rf"([2-9]|[1-9][0-9]+) +│ {_TIME_CELL} ",
    )


def searched_log_groups() -> tuple[str, ...]:
    """``obskit trace`` says how many log groups it searched, and how many of them do not
    exist: at least one must (a function's group exists once it ran; in another region none of
    the catalog's does, and finding no run there must not pass for "no run started")."""
    return (r"re:searched ([1-9][0-9]*) log group\(s\) (from|\((?!\1 not)[0-9]+ not found\))",)
