"""At least ten distinct broken catalogs, each with the exact problems ``load_catalog`` must report.

Every case edits one thing in a small valid catalog (``BASE``, line numbers below refer to it after
the edit) and asserts the whole error text: file, line, YAML path and message, one line per problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import CatalogError, load_catalog, validate

BASE = """\
system: shop
stage: dev
runbook_url: https://example.org/runbook
services:
  - name: api
    trigger: direct
    timeout_s: 10
    emits: [OrderPlaced]
  - name: worker
    trigger: sqs
    queue: "{system}-{stage}-work"
    timeout_s: 30
    consumes: [OrderPlaced]
    emits: [OrderPaid]
  - name: mailer
    timeout_s: 10
    consumes: [OrderPaid]
event_types:
  - name: OrderPlaced
  - name: OrderPaid
buses:
  - name: "{system}-{stage}"
    rules:
      - name: to-worker
        event_types: [OrderPlaced]
        targets:
          - queue: "{system}-{stage}-work"
            dlq: "{system}-{stage}-undelivered"
      - name: to-mailer
        event_types: [OrderPaid]
        targets:
          - service: mailer
queues:
  - name: "{system}-{stage}-work"
    visibility_timeout_s: 180
    dlq: "{system}-{stage}-work-dlq"
    max_receive_count: 3
  - name: "{system}-{stage}-work-dlq"
    retention_s: 1209600
  - name: "{system}-{stage}-undelivered"
    retention_s: 1209600
topics:
  - name: alerts
    purpose: alerts
schedules: []
workflows:
  - name: order
    start_event: OrderPlaced
    success_event: OrderPaid
    sla_s: 60
notifications:
  alerts_topic: alerts
"""

# name → (text to replace in BASE, replacement, expected lines with "F" standing for the file);
# a case that needs several edits gives lists of texts and replacements.
Edit = str | list[str]
CASES: dict[str, tuple[Edit, Edit, list[str]]] = {
    "unknown event type, did you mean": (
        "consumes: [OrderPaid]",
        "consumes: [OrderPiad]",
        [
            "F:17: services[2].consumes[0]: unknown event type 'OrderPiad' "
            "(did you mean 'OrderPaid'?)",
            "F:20: event_types[1]: warning: event type 'OrderPaid' is consumed by no service",
            "F:49: workflows[0].success_event: warning: no service consumes 'OrderPaid', so no "
            "log line shows this workflow reach it (outcome and SLA queries cannot see it)",
        ],
    ),
    "yaml syntax": (
        "    timeout_s: 30\n",
        "    timeout_s: [30\n",
        [
            "F:13: YAML syntax error: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence started at line 12)"
        ],
    ),
    "unknown key, did you mean": (
        "  - name: mailer\n    timeout_s: 10",
        "  - name: mailer\n    timeout: 10",
        ["F:16: services[2].timeout: unknown key 'timeout' (did you mean 'timeout_s'?)"],
    ),
    "wrong type": (
        "timeout_s: 30",
        "timeout_s: thirty",
        [
            "F:12: services[1].timeout_s: Input should be a valid integer, unable to parse string "
            "as an integer (got 'thirty')"
        ],
    ),
    "value outside a literal": (
        "    trigger: direct",
        "    trigger: http",
        [
            "F:6: services[0].trigger: Input should be 'eventbridge', 'sqs', 'schedule' or "
            "'direct' (got 'http')"
        ],
    ),
    "missing required key": (
        "    sla_s: 60\n",
        "",
        ["F:47: workflows[0].sla_s: missing required key 'sla_s'"],
    ),
    "duplicate name": (
        "    purpose: alerts\n",
        "    purpose: alerts\n  - name: alerts\n",
        ["F:45: topics[1].name: duplicate topic 'alerts' (first defined at topics[0])"],
    ),
    "duplicate yaml key": (
        "    timeout_s: 10\n    emits",
        "    timeout_s: 10\n    timeout_s: 20\n    emits",
        ["F:8: services[0].timeout_s: duplicate key 'timeout_s'"],
    ),
    "visibility timeout shorter than the consumer's timeout": (
        "visibility_timeout_s: 180",
        "visibility_timeout_s: 20",
        [
            "F:35: queues[0].visibility_timeout_s: visibility timeout 20 s is shorter than "
            "consumer 'worker' timeout 30 s (Lambda rejects this)"
        ],
    ),
    "dlq retention not longer than its source's": (
        '  - name: "{system}-{stage}-work-dlq"\n    retention_s: 1209600',
        '  - name: "{system}-{stage}-work-dlq"\n    retention_s: 345600',
        [
            "F:36: queues[0].dlq: dead-letter queue 'shop-dev-work-dlq' keeps messages 345600 s, "
            "not longer than its source's 345600 s: messages expire before anyone can redrive them"
        ],
    ),
    "fifo dlq of a standard queue": (
        '  - name: "{system}-{stage}-work-dlq"\n',
        '  - name: "{system}-{stage}-work-dlq"\n    fifo: true\n',
        [
            "F:36: queues[0].dlq: standard queue 'shop-dev-work' has FIFO dead-letter queue "
            "'shop-dev-work-dlq' (both must be standard)",
            "F:38: queues[1].name: queue name 'shop-dev-work-dlq' must end in '.fifo'",
        ],
    ),
    "schedule expression": (
        "schedules: []",
        "schedules:\n  - name: nightly\n    expression: every day at 2am\n    target: api",
        [
            "F:47: schedules[0].expression: schedule expression 'every day at 2am' is not "
            "cron(...) or rate(...)"
        ],
    ),
    "workflow event that does not exist": (
        "success_event: OrderPaid",
        "success_event: OrderShipped",
        [
            "F:49: workflows[0].success_event: unknown event type 'OrderShipped' "
            "(did you mean 'OrderPaid'?)"
        ],
    ),
    "event nobody emits": (
        "    emits: [OrderPlaced]\n",
        "",
        ["F:18: event_types[0]: event type 'OrderPlaced' is emitted by no service"],
    ),
    "declared producers disagree with the services": (
        "  - name: OrderPlaced\n",
        "  - name: OrderPlaced\n    producers: [worker]\n",
        [
            "F:20: event_types[0].producers: producers ['worker'] disagree with the services "
            "that emit 'OrderPlaced': ['api']"
        ],
    ),
    "unknown placeholder": (
        '"{system}-{stage}-undelivered"\n    retention',
        '"{sytem}-{stage}-undelivered"\n    retention',
        ["F:40: queues[2].name: unknown placeholder '{sytem}' (known: {system}, {stage})"],
    ),
    "consumer no rule delivers to": (
        "        event_types: [OrderPaid]",
        "        event_types: [OrderPlaced]",
        ["F:17: services[2].consumes[0]: no rule delivers 'OrderPaid' to service 'mailer'"],
    ),
    "rule target naming both a service and a queue": (
        "          - service: mailer",
        '          - service: mailer\n            queue: "{system}-{stage}-work"',
        ["F:32: buses[0].rules[1].targets[0]: a target names exactly one of 'service' or 'queue'"],
    ),
    "cron with five fields": (
        "schedules: []",
        "schedules:\n  - name: nightly\n    expression: cron(0 2 * * *)\n    target: api",
        [
            "F:47: schedules[0].expression: cron expression 'cron(0 2 * * *)' has 5 fields, "
            "needs 6 (minutes hours day-of-month month day-of-week year)"
        ],
    ),
    "rate with a wrong plural": (
        "schedules: []",
        "schedules:\n  - name: nightly\n    expression: rate(1 days)\n    target: api",
        ["F:47: schedules[0].expression: 'rate(1 days)': use 'day' for 1 and plural otherwise"],
    ),
    "unknown time zone": (
        "schedules: []",
        "schedules:\n  - name: nightly\n    expression: rate(1 day)\n"
        "    timezone: Europe/Londn\n    target: api",
        ["F:48: schedules[0].timezone: unknown time zone 'Europe/Londn'"],
    ),
    "sqs trigger without a queue": (
        '    queue: "{system}-{stage}-work"\n    timeout_s: 30',
        "    timeout_s: 30",
        ["F:9: services[1].queue: trigger 'sqs' needs the queue it reads"],
    ),
    "queue on a service that is not sqs-triggered": (
        "  - name: mailer\n    timeout_s: 10",
        '  - name: mailer\n    queue: "{system}-{stage}-work"\n    timeout_s: 10',
        [
            "F:16: services[2].queue: queue 'shop-dev-work' is set but trigger is 'eventbridge', "
            "not 'sqs'"
        ],
    ),
    "handler that is not module:function": (
        "  - name: mailer\n",
        "  - name: mailer\n    handler: mailer.py\n",
        ["F:16: services[2].handler: handler 'mailer.py' is not 'module.path:function'"],
    ),
    "max_receive_count without a dlq": (
        '    retention_s: 1209600\n  - name: "{system}-{stage}-undelivered"',
        '    retention_s: 1209600\n    max_receive_count: 2\n  - name: "{system}-{stage}-undelivered"',
        ["F:40: queues[1].max_receive_count: max_receive_count is set but there is no dlq"],
    ),
    "queue that is its own dlq": (
        '    dlq: "{system}-{stage}-work-dlq"\n    max',
        '    dlq: "{system}-{stage}-work"\n    max',
        ["F:36: queues[0].dlq: a queue cannot be its own dead-letter queue"],
    ),
    "fifo dlq on a rule target": (
        [
            'dlq: "{system}-{stage}-undelivered"',
            '  - name: "{system}-{stage}-undelivered"\n',
        ],
        [
            'dlq: "{system}-{stage}-undelivered.fifo"',
            '  - name: "{system}-{stage}-undelivered.fifo"\n    fifo: true\n',
        ],
        [
            "F:28: buses[0].rules[0].targets[0].dlq: dead-letter queue "
            "'shop-dev-undelivered.fifo' of a rule target must be a standard queue "
            "(EventBridge does not support FIFO dead-letter queues)"
        ],
    ),
    "two services with one function name": (
        "  - name: mailer\n",
        "  - name: mailer\n    function_name: shop-dev-api\n",
        [
            "F:16: services[2].function_name: function name 'shop-dev-api' is also used by "
            "service 'api'"
        ],
    ),
    "schedule trigger without a schedule": (
        "    trigger: direct",
        "    trigger: schedule",
        [
            "F:6: services[0].trigger: service 'api' has trigger 'schedule' but no schedule "
            "targets it"
        ],
    ),
    "name aws would refuse": (
        "  - name: mailer\n",
        "  - name: mailer\n    function_name: shop mailer\n",
        [
            "F:16: services[2].function_name: Lambda function name 'shop mailer' is not valid in "
            "AWS (at most 64 characters of [A-Za-z0-9_-]+)"
        ],
    ),
    # Caught at load time: each of these used to pass the check and fail later (or mislead).
    "cron minute out of range": (
        "schedules: []",
        "schedules:\n  - name: nightly\n    expression: cron(75 9 ? * MON-FRI *)\n    target: api",
        [
            "F:47: schedules[0].expression: cron expression 'cron(75 9 ? * MON-FRI *)': "
            "minutes 75 is outside 0-59"
        ],
    ),
    "cron with both day fields set": (
        "schedules: []",
        "schedules:\n  - name: nightly\n    expression: cron(0 2 * * MON *)\n    target: api",
        [
            "F:47: schedules[0].expression: cron expression 'cron(0 2 * * MON *)': exactly one "
            "of day-of-month and day-of-week must be '?'"
        ],
    ),
    "timeout that is a boolean": (
        "    timeout_s: 10\n    emits",
        "    timeout_s: true\n    emits",
        ["F:7: services[0].timeout_s: a boolean is not a number (got True)"],
    ),
    "flag that is a number": (
        '  - name: "{system}-{stage}-work-dlq"\n',
        '  - name: "{system}-{stage}-work-dlq"\n    fifo: 1\n',
        ["F:39: queues[1].fifo: Input should be a valid boolean (got 1)"],
    ),
    "hop sla beyond any alarm": (
        "  - name: OrderPlaced\n",
        "  - name: OrderPlaced\n    hop_sla_s: 9223372036854775808\n",
        [
            "F:20: event_types[0].hop_sla_s: Input should be less than or equal to 86400 "
            "(got 9223372036854775808)"
        ],
    ),
    "workflow sla longer than a day": (
        "    sla_s: 60",
        "    sla_s: 100000",
        ["F:50: workflows[0].sla_s: Input should be less than or equal to 86400 (got 100000)"],
    ),
    "email subscription to something that is not an address": (
        "    purpose: alerts\n",
        "    purpose: alerts\n    subscriptions:\n"
        "      - {protocol: email, endpoint: 'https://pager.example.org'}\n",
        [
            "F:46: topics[0].subscriptions[0].endpoint: email subscription endpoint "
            "'https://pager.example.org' is not an email address (name@example.org)"
        ],
    ),
    "batch size above 10 without a batching window": (
        '    queue: "{system}-{stage}-work"\n    timeout_s: 30',
        '    queue: "{system}-{stage}-work"\n    batch_size: 100\n    timeout_s: 30',
        [
            "F:12: services[1].batch_size: batch_size 100 is above 10: Lambda needs "
            "batching_window_s of at least 1"
        ],
    ),
    "batching window beyond five minutes": (
        '    queue: "{system}-{stage}-work"\n    timeout_s: 30',
        '    queue: "{system}-{stage}-work"\n    batching_window_s: 301\n    timeout_s: 30',
        [
            "F:12: services[1].batching_window_s: Input should be less than or equal to 300 "
            "(got 301)"
        ],
    ),
    "report_batch_item_failures is a boolean": (
        '    queue: "{system}-{stage}-work"\n    timeout_s: 30',
        '    queue: "{system}-{stage}-work"\n    report_batch_item_failures: 1\n    timeout_s: 30',
        ["F:12: services[1].report_batch_item_failures: Input should be a valid boolean (got 1)"],
    ),
    "subscription dlq that does not exist": (
        "    purpose: alerts\n",
        "    purpose: alerts\n    subscriptions:\n"
        "      - {protocol: email, endpoint: a@example.org, dlq: '{system}-{stage}-work-dlx'}\n",
        [
            "F:46: topics[0].subscriptions[0].dlq: unknown queue 'shop-dev-work-dlx' "
            "(did you mean 'shop-dev-work-dlq'?)"
        ],
    ),
    "success event also a failure event": (
        "    sla_s: 60",
        "    sla_s: 60\n    failure_events: [OrderPaid]",
        [
            "F:51: workflows[0].failure_events[0]: 'OrderPaid' is the success_event and also a "
            "failure event: a run that ends with it would count as both"
        ],
    ),
    "empty failure events": (
        "    sla_s: 60",
        "    sla_s: 60\n    failure_events: []",
        [
            "F:51: workflows[0].failure_events: failure_events is empty, so the failures alarm "
            "could never fire: name the events that mean a run failed, or omit the key when none "
            "does"
        ],
    ),
    "workflow with no steps": (
        "    sla_s: 60",
        "    sla_s: 60\n    steps: []",
        [
            "F:51: workflows[0].steps: steps is empty: list the event types a run goes through, "
            "from start_event to success_event, or omit the key (then start_event → "
            "success_event)"
        ],
    ),
    "service consuming its own event": (
        "    consumes: [OrderPlaced]\n",
        "    consumes: [OrderPlaced, OrderPaid]\n",
        [
            "F:13: services[1].consumes[1]: service 'worker' consumes 'OrderPaid', which it "
            "emits itself: each event it handles would make another (emit a different event "
            "type for the next step)",
            "F:13: services[1].consumes[1]: no rule delivers 'OrderPaid' to service 'worker' "
            "(via queue 'shop-dev-work')",
        ],
    ),
    "two workflows with one start event": (
        "    sla_s: 60\n",
        "    sla_s: 60\n  - name: reorder\n    start_event: OrderPlaced\n"
        "    success_event: OrderPaid\n    sla_s: 60\n",
        [
            "F:52: workflows[1].start_event: workflow 'reorder' starts with 'OrderPlaced' like "
            "workflow 'order': nothing tells their runs apart, so every start would count for "
            "both and one always looks lost; give each workflow its own start event"
        ],
    ),
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_base_catalog_is_clean(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path, BASE))
    assert validate(catalog) == []


def _edit(case: str, old: Edit, new: Edit) -> str:
    text = BASE
    olds, news = ([old], [new]) if isinstance(old, str) else (old, new)
    for before, after in zip(olds, news, strict=True):
        assert text.count(before) == 1, f"case {case!r} must edit exactly one place"
        text = text.replace(before, after)
    return text


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_catalog_reports_exact_problems(case: str, tmp_path: Path) -> None:
    old, new, expected = CASES[case]
    path = _write(tmp_path, _edit(case, old, new))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value).splitlines() == [
        line.replace("F:", f"{path}:", 1) for line in expected
    ]
    assert all(problem.file == str(path) for problem in caught.value.problems)


def test_problem_fields_carry_line_and_path(tmp_path: Path) -> None:
    old, new, _ = CASES["unknown key, did you mean"]
    with pytest.raises(CatalogError) as caught:
        load_catalog(_write(tmp_path, _edit("unknown key", old, new)))
    (problem,) = caught.value.problems
    assert (problem.line, problem.path, problem.severity) == (16, "services[2].timeout", "error")


def test_six_times_visibility_is_a_warning_not_an_error(tmp_path: Path) -> None:
    # 120 s covers the 30 s timeout but is below AWS's recommended 6 x 30 = 180 s.
    path = _write(tmp_path, BASE.replace("visibility_timeout_s: 180", "visibility_timeout_s: 120"))
    problems = validate(load_catalog(path))
    assert [str(p) for p in problems] == [
        f"{path}:35: queues[0].visibility_timeout_s: warning: visibility timeout 120 s is below "
        "6 × consumer 'worker' timeout = 180 s (AWS's recommendation for SQS event sources)"
    ]


def test_not_a_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, "- just\n- a list\n")
    with pytest.raises(CatalogError, match=r"catalog.yaml:1: expected a mapping, got list$"):
        load_catalog(path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value) == f"{path}: catalog file not found"


WARNING_CASES: dict[str, tuple[Edit, Edit, list[str]]] = {
    "workflow end event nobody consumes": (
        ["success_event: OrderPaid", "  - name: OrderPaid\n", "emits: [OrderPaid]"],
        [
            "success_event: OrderDone",
            "  - name: OrderPaid\n  - name: OrderDone\n",
            "emits: [OrderPaid, OrderDone]",
        ],
        [
            "F:21: event_types[2]: warning: event type 'OrderDone' is consumed by no service",
            "F:50: workflows[0].success_event: warning: no service consumes 'OrderDone', so no "
            "log line shows this workflow reach it (outcome and SLA queries cannot see it)",
        ],
    ),
    "alerts topic without purpose alerts": (
        "    purpose: alerts",
        "    purpose: notifications",
        [
            "F:52: notifications.alerts_topic: warning: topic 'alerts' receives alarms but its "
            "purpose is 'notifications', not 'alerts'"
        ],
    ),
    "workflow steps out of order": (
        "    sla_s: 60",
        "    sla_s: 60\n    steps: [OrderPaid, OrderPlaced]",
        [
            "F:51: workflows[0].steps: warning: steps should run from start_event 'OrderPlaced' "
            "to success_event 'OrderPaid'"
        ],
    ),
    "event nobody consumes": (
        ["  - name: OrderPaid\n", "emits: [OrderPaid]"],
        ["  - name: OrderPaid\n  - name: OrderAudited\n", "emits: [OrderPaid, OrderAudited]"],
        ["F:21: event_types[2]: warning: event type 'OrderAudited' is consumed by no service"],
    ),
    "fifo dlq retention not longer than its source's": (
        [
            '  - name: "{system}-{stage}-work"\n',
            'queue: "{system}-{stage}-work"\n    timeout_s',
            'queue: "{system}-{stage}-work"\n            dlq',
            'dlq: "{system}-{stage}-work-dlq"',
            '  - name: "{system}-{stage}-work-dlq"\n    retention_s: 1209600',
        ],
        [
            '  - name: "{system}-{stage}-work.fifo"\n    fifo: true\n',
            'queue: "{system}-{stage}-work.fifo"\n    timeout_s',
            'queue: "{system}-{stage}-work.fifo"\n            dlq',
            'dlq: "{system}-{stage}-work-dlq.fifo"',
            '  - name: "{system}-{stage}-work-dlq.fifo"\n    fifo: true\n    retention_s: 345600',
        ],
        [
            "F:37: queues[0].dlq: warning: dead-letter queue 'shop-dev-work-dlq.fifo' keeps "
            "messages 345600 s, not longer than its source's 345600 s: messages expire before "
            "anyone can redrive them"
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_warnings_do_not_stop_loading_but_are_reported(case: str, tmp_path: Path) -> None:
    old, new, expected = WARNING_CASES[case]
    path = _write(tmp_path, _edit(case, old, new))
    problems = validate(load_catalog(path))
    assert [str(p) for p in problems] == [line.replace("F:", f"{path}:", 1) for line in expected]
    assert {p.severity for p in problems} == {"warning"}


def test_a_huge_value_is_shortened_in_its_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE.replace("timeout_s: 30", "timeout_s: 1" + "0" * 400))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value) == (
        f"{path}:12: services[1].timeout_s: Input should be less than or equal to 900 "
        f"(got 1{'0' * 74}…(401 characters))"
    )


def test_a_fifo_mapping_has_no_batching_window_and_at_most_ten_records(tmp_path: Path) -> None:
    """Lambda refuses MaximumBatchingWindowInSeconds on a FIFO queue and BatchSize above 10
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html)."""
    text = BASE.replace('"{system}-{stage}-work"', '"{system}-{stage}-work.fifo"')
    text = text.replace('"{system}-{stage}-work-dlq"', '"{system}-{stage}-work-dlq.fifo"')
    text = text.replace(
        "    visibility_timeout_s: 180\n", "    fifo: true\n    visibility_timeout_s: 180\n"
    )
    text = text.replace(
        "    retention_s: 1209600\n", "    fifo: true\n    retention_s: 1209600\n", 1
    )
    text = text.replace(
        '    queue: "{system}-{stage}-work.fifo"\n',
        '    queue: "{system}-{stage}-work.fifo"\n    batch_size: 20\n    batching_window_s: 5\n',
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog(_write(tmp_path, text))
    messages = [p.message for p in caught.value.problems]
    assert any("batch_size 20 on FIFO queue" in m and "at most 10" in m for m in messages)
    assert any("has no batching window" in m for m in messages)


def test_a_subscription_dlq_of_a_standard_topic_must_be_standard(tmp_path: Path) -> None:
    text = BASE.replace(
        "    purpose: alerts\n",
        "    purpose: alerts\n    subscriptions:\n"
        "      - {protocol: email, endpoint: a@example.org, dlq: '{system}-{stage}-late.fifo'}\n",
    ).replace(
        "queues:\n",
        'queues:\n  - name: "{system}-{stage}-late.fifo"\n    fifo: true\n',
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog(_write(tmp_path, text))
    assert [p.message for p in caught.value.problems] == [
        "dead-letter queue 'shop-dev-late.fifo' is FIFO: a standard topic's subscription needs "
        "a standard queue"
    ]


def test_mapping_defaults_are_aws_defaults(tmp_path: Path) -> None:
    worker = load_catalog(_write(tmp_path, BASE)).service("worker")
    assert (worker.batch_size, worker.batching_window_s) == (10, 0)
    assert worker.report_batch_item_failures is False
