"""End to end on the sandbox: the Alchemiser on moto_server, alarms evaluated on simulated time."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from sandbox import Sandbox, SandboxError
from sandbox.clock import resolve_start
from sandbox.moto_server import MotoServer

pytestmark = pytest.mark.slow
START = resolve_start(None, time.time())  # the suite's pin (tests/conftest.py)

EVENT_DLQ = "alchemiser-dev-event-dlq"
EVENT_DLQ_ALARM = "alchemiser-dev-event-dlq-not-empty"
EXECUTION_DLQ = "alchemiser-dev-execution-dlq.fifo"


def _last_tick(box: Sandbox, name: str) -> datetime:
    spec = next(s for s in box.monitoring.specs if s.name == name) if box.monitoring else None
    assert spec is not None
    period = spec.evaluation_period
    return datetime.fromtimestamp(box.clock.now() // period * period, tz=UTC)


def _alarm_notifications(box: Sandbox, alarm: str) -> list[dict[str, object]]:
    found = []
    for note in box.notifications():
        message = note["Message"]
        if isinstance(message, dict) and message.get("AlarmName") == alarm:
            found.append(message)
    return found


def test_healthy_run_leaves_every_alarm_ok(sandbox: Sandbox) -> None:
    counts = sandbox.run_workflows(3, spacing_s=0.0)
    sandbox.advance(360)  # the runs' datapoints reach the alarms (log-derived ones after 120 s)

    assert (counts.started, counts.completed, counts.failed) == (3, 3, 0)
    states = sandbox.alarm_states()
    assert sandbox.monitoring is not None
    composites = {c.name for c in sandbox.monitoring.composites}
    assert composites  # the workflow's "unhealthy" alarm: evaluated, in the states
    assert len(states) == len(sandbox.monitoring.specs) + len(composites)
    assert [name for name, state in states.items() if state == "ALARM"] == []
    assert {states[name] for name in composites} == {"OK"}
    stuck = [
        name
        for name, state in states.items()
        if state == "INSUFFICIENT_DATA"
        and any(
            v is not None
            for v in sandbox.alarms.evaluator.datapoints(name, _last_tick(sandbox, name))
        )
    ]
    assert stuck == []
    assert states["alchemiser-dev-workflow-trading-heartbeat"] == "OK"
    assert states[EVENT_DLQ_ALARM] == "OK"

    # The endpoint tells the same story: states mirrored, metrics and logs written.
    cloudwatch = sandbox.clients.cloudwatch
    mirrored = {
        a["AlarmName"]: a["StateValue"]
        for page in cloudwatch.get_paginator("describe_alarms").paginate()
        for a in page["MetricAlarms"]
    }
    assert mirrored == {name: s for name, s in states.items() if name not in composites}
    worker = "alchemiser-dev-strategy-worker"
    stats = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": worker}],
        StartTime=datetime.fromtimestamp(sandbox.clock.now() - 3600, tz=UTC),
        EndTime=datetime.fromtimestamp(sandbox.clock.now() + 60, tz=UTC),
        Period=3600,
        Statistics=["Sum"],
    )["Datapoints"]
    assert sum(d["Sum"] for d in stats) == sandbox.runner.stats["strategy-worker"].invocations == 12
    completed = sandbox.metrics.total(
        "obskit", "WorkflowsCompleted", {"service": "metrics", "workflow": "trading"}
    )
    assert completed == 3  # extracted from the metrics service's EMF lines
    events = sandbox.clients.logs.filter_log_events(logGroupName=f"/aws/lambda/{worker}")["events"]
    messages = [e["message"] for e in events]
    assert messages[0].startswith("START RequestId: ")
    reports = [m for m in messages if m.startswith("REPORT RequestId: ")]
    assert len(reports) == 12
    # one cold start per execution environment: the burst's workers ran side by side
    cold = [r for r in reports if "Init Duration: " in r]
    assert "Init Duration: " in reports[0]
    assert 1 < len(cold) == sandbox.runner.environments.cold_starts["strategy-worker"]
    assert len({e["logStreamName"] for e in events}) == len(cold)
    # Log timestamps are simulated time, not the wall clock.
    assert min(e["timestamp"] for e in events) / 1000 >= sandbox.clock.now() - 3600


def test_async_failure_dead_letters_and_the_dlq_alarm_goes_and_comes_back(
    sandbox: Sandbox,
) -> None:
    sandbox.inject_fault("strategy-worker", "crash")
    counts = sandbox.run_workflows(1)
    assert counts.completed == 0

    attempts = [i for i in sandbox.runner.invocations if i.service == "strategy-worker"]
    assert len(attempts) == 12 and all(i.failed for i in attempts)  # 4 events x 3 attempts
    first, second, third = (sorted(i.started for i in attempts)[k * 4] for k in range(3))
    assert 60 <= second - first < 61 and 120 <= third - second < 121  # Lambda's retry delays

    dead = sandbox.read_queue(EVENT_DLQ, delete=False)
    assert len(dead) >= 1
    attributes = dead[0]["MessageAttributes"]
    assert attributes["ErrorCode"]["StringValue"] == "200"
    assert "InjectedFault" in attributes["ErrorMessage"]["StringValue"]
    assert json.loads(dead[0]["Body"])["strategy"]
    assert sandbox.queue_depths()[EVENT_DLQ].visible == 4
    dims = {"FunctionName": "alchemiser-dev-strategy-worker"}
    assert sandbox.metrics.total("AWS/Lambda", "AsyncEventsReceived", dims) == 4
    assert sandbox.metrics.total("AWS/Lambda", "AsyncEventsDropped", dims) == 4  # DLQ or not
    ages = sandbox.metrics.totals[("AWS/Lambda", "AsyncEventAge", tuple(dims.items()))]
    assert ages >= 4 * (60 + 180) * 1000  # each event retried at about 60 s and 180 s of age

    sandbox.advance(120)
    assert sandbox.alarm_states()[EVENT_DLQ_ALARM] == "ALARM"
    raised = _alarm_notifications(sandbox, EVENT_DLQ_ALARM)
    assert [n["NewStateValue"] for n in raised][-1] == "ALARM"

    sandbox.clear_faults()
    assert sandbox.drain_queue(EVENT_DLQ) == 4
    sandbox.advance(120)
    assert sandbox.alarm_states()[EVENT_DLQ_ALARM] == "OK"
    cleared = _alarm_notifications(sandbox, EVENT_DLQ_ALARM)
    assert [n["NewStateValue"] for n in cleared][-1] == "OK"
    history = sandbox.alarm_history(EVENT_DLQ_ALARM)
    assert [t.new_state for t in history][-2:] == ["ALARM", "OK"]
    assert history[-1].timestamp <= sandbox.now


def test_sqs_event_source_retries_after_visibility_timeout_then_redrives(
    sandbox: Sandbox,
) -> None:
    sandbox.inject_fault("execution", "crash")
    sandbox.run_workflows(1, settle_s=3600)

    runs = [i for i in sandbox.runner.invocations if i.service == "execution"]
    assert len(runs) == 3  # maxReceiveCount 3
    gaps = [b.started - a.started for a, b in zip(runs, runs[1:], strict=False)]
    # The queue's visibility timeout, counted from each receive (the first run also had a cold
    # start of under a second between its receive and its start).
    assert all(899 <= gap <= 900 for gap in gaps)
    assert runs[0].event["Records"][0]["attributes"]["ApproximateReceiveCount"] == "1"

    sandbox.advance(120)  # the next receive moves it; then a sample sees it
    assert sandbox.queue_depths()[EXECUTION_DLQ].visible == 1
    assert sandbox.alarm_states()["alchemiser-dev-execution-dlq-not-empty"] == "ALARM"
    # The handler reports the record in batchItemFailures and returns: to Lambda that is a
    # successful invocation, so Errors stays 0 and only the DLQ alarm sees the failure.
    assert all(not i.failed for i in runs)
    assert all(i.response["batchItemFailures"] for i in runs)
    errors = sandbox.metrics.total(
        "AWS/Lambda", "Errors", {"FunctionName": "alchemiser-dev-execution"}
    )
    assert errors == 0
    assert sandbox.alarm_states()["alchemiser-dev-execution-errors"] != "ALARM"


def test_timeout_is_an_error_with_lambdas_lines(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="unknown service 'portfolo'.*portfolio"):
        sandbox.inject_fault("portfolo", "crash")
    with pytest.raises(SandboxError, match="unknown kind 'explode'"):
        sandbox.inject_fault("portfolio", "explode")
    with pytest.raises(SandboxError, match="slow needs seconds"):
        sandbox.inject_fault("portfolio", "slow:soon")
    sandbox.inject_fault("notifications", "slow:120")  # its timeout is 30 s
    counts = sandbox.run_workflows(1)
    assert counts.completed == 0
    runs = [i for i in sandbox.runner.invocations if i.service == "notifications"]
    assert len(runs) == 3 and all(i.timed_out for i in runs)
    assert all(i.duration_ms == 30_000.0 for i in runs)
    group = "/aws/lambda/alchemiser-dev-notifications"
    lines = [r.message for r in sandbox.logs.records if r.log_group == group]
    assert sum("Task timed out after 30.00 seconds" in line for line in lines) == 3
    assert any("\tDuration: 30000.00 ms\t" in line for line in lines)


def test_reserved_concurrency_zero_drops_async_events_at_once(sandbox: Sandbox) -> None:
    """Lambda keeps no event of a function reserved at 0 to retry (issue 13: it was modelled as
    a throttle retried for 6 hours, so restoring the concurrency alone brought the runs back)."""
    sandbox.inject_fault("portfolio", "throttle")
    sandbox.run_workflows(1, settle_s=300)
    stats = sandbox.runner.stats["portfolio"]
    assert stats.invocations == 0 and stats.throttles == 1  # refused once, never retried
    dims = {"FunctionName": "alchemiser-dev-portfolio"}
    assert sandbox.metrics.total("AWS/Lambda", "AsyncEventsDropped", dims) == 1
    depth = sandbox.queue_depths()["alchemiser-dev-portfolio-async-invoke"]
    assert (depth.visible, depth.not_visible) == (0, 0)  # nothing kept
    sandbox.advance(120)
    assert sandbox.alarm_states()["alchemiser-dev-portfolio-events-dropped"] == "ALARM"

    sandbox.clear_faults()
    sandbox.settle(600)
    assert sandbox.workflow_counts().completed == 0  # the concurrency is back, the run is not


def test_reserved_concurrency_zero_sends_async_events_to_the_dlq_without_running(
    sandbox: Sandbox,
) -> None:
    sandbox.inject_fault("strategy-worker", "throttle")
    sandbox.run_workflows(1)
    assert sandbox.runner.stats["strategy-worker"].invocations == 0
    dead = sandbox.read_queue(EVENT_DLQ, delete=False)
    assert len(dead) == 4  # one per strategy, each at its first attempt
    assert {d["MessageAttributes"]["ErrorCode"]["StringValue"] for d in dead} == {"429"}
    dims = {"FunctionName": "alchemiser-dev-strategy-worker"}
    assert sandbox.metrics.total("AWS/Lambda", "AsyncEventsDropped", dims) == 4
    assert sandbox.metrics.total("AWS/Lambda", "DeadLetterErrors", dims) == 0


def test_same_seed_same_run(aws_endpoint: str, moto_server: MotoServer) -> None:
    def one_run() -> tuple[list[str], list[str]]:
        with Sandbox.start(
            endpoint_url=aws_endpoint, seed=11, start_time=START, deploy=False
        ) as box:
            box.run_workflows(1, detail={"strategies": ["beam_chain"]})
            lines = [r.message for r in box.logs.records]
            return box.correlation_ids(), lines

    first = one_run()
    moto_server.reset()
    second = one_run()
    assert first == second
    assert len(first[1]) > 50
    assert sum("Evaluating strategy" in line for line in first[1]) == 1  # the one strategy


def test_rule_delivery_failure_retries_then_dead_letters_then_recovers(sandbox: Sandbox) -> None:
    rule = "alchemiser-dev-to-portfolio"
    dims = {"EventBusName": "alchemiser-trading-events-dev", "RuleName": rule}
    sandbox.inject_fault(rule, "deliver-fail", target="rule")
    assert sandbox.run_workflows(1).completed == 0
    assert sandbox.runner.stats["portfolio"].invocations == 0
    # 1 attempt + 4 retries (the target's RetryPolicy), then the target's DLQ.
    assert sandbox.metrics.total("AWS/Events", "InvocationAttempts", dims) == 5
    assert sandbox.metrics.total("AWS/Events", "FailedInvocations", dims) == 1
    assert sandbox.metrics.total("AWS/Events", "InvocationsSentToDlq", dims) == 1
    dead = sandbox.read_queue(EVENT_DLQ, delete=False)
    assert len(dead) == 1
    attributes = {k: v["StringValue"] for k, v in dead[0]["MessageAttributes"].items()}
    assert attributes["RETRY_ATTEMPTS"] == "4"
    assert attributes["RULE_ARN"].endswith(f"rule/alchemiser-trading-events-dev/{rule}")
    assert json.loads(dead[0]["Body"])["detail-type"] == "SignalGenerated"
    sandbox.advance(120)
    states = sandbox.alarm_states()
    assert states[f"{rule}-sent-to-dlq"] == "ALARM"
    assert states[EVENT_DLQ_ALARM] == "ALARM"

    # Fixed before the retries run out: the next retry delivers and the workflow completes.
    sandbox.inject_fault(rule, "deliver-fail", target="rule")
    sandbox.run_workflows(1, settle_s=0)
    sandbox.advance(2)
    sandbox.clear_faults()
    sandbox.settle(600)
    assert sandbox.workflow_counts().completed == 1
    assert sandbox.metrics.total("AWS/Events", "InvocationsSentToDlq", dims) == 1


def test_topic_delivery_failure_counts_failed_notifications(sandbox: Sandbox) -> None:
    topic = "alchemiser-dev-trade-notifications"
    sandbox.inject_fault(topic, "deliver-fail", target="topic")
    assert sandbox.run_workflows(1).completed == 1
    dims = {"TopicName": topic}
    # SNS retries an e-mail for about 6.6 hours before it counts the failure (sns_delivery)
    assert sandbox.metrics.total("AWS/SNS", "NumberOfNotificationsFailed", dims) == 0
    sandbox.advance(7 * 3600)
    failed = sandbox.metrics.total("AWS/SNS", "NumberOfNotificationsFailed", dims)
    assert failed == 1  # the e-mail subscription; the sandbox's observer queue is not counted
    assert sandbox.notifications(topic) == []
    sandbox.clear_faults()
    sandbox.run_workflows(1)
    assert len(sandbox.notifications(topic)) == 1
