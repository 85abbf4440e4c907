"""EventBridge's delivery semantics in the sandbox: which failures are retried, how, and what the
DLQ message says (EventBridge User Guide, "Event retry policy and using dead-letter queues")."""

from __future__ import annotations

import pytest

from catalog import load_catalog
from catalog.models import Catalog, RetryPolicy, RuleTarget
from sandbox import Sandbox, SandboxError

pytestmark = pytest.mark.slow

RULE = "alchemiser-dev-to-portfolio"
BUS = "alchemiser-trading-events-dev"
DIMS = {"EventBusName": BUS, "RuleName": RULE}
EVENT_DLQ = "alchemiser-dev-event-dlq"


def _with_target(catalog: Catalog, **changes: object) -> Catalog:
    """The catalog with RULE's target changed (a catalog written by the test)."""
    buses = []
    for bus in catalog.buses:
        rules = []
        for rule in bus.rules:
            if rule.name == RULE:
                targets: list[RuleTarget] = [t.model_copy(update=changes) for t in rule.targets]
                rule = rule.model_copy(update={"targets": targets})
            rules.append(rule)
        buses.append(bus.model_copy(update={"rules": rules}))
    return catalog.model_copy(update={"buses": buses})


def _dead_letters(box: Sandbox) -> list[dict[str, str]]:
    return [
        {k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()}
        for m in box.read_queue(EVENT_DLQ, delete=True)
    ]


def test_retries_run_out_by_attempts(sandbox: Sandbox) -> None:
    """A retriable failure: 1 attempt + 4 retries, then the DLQ, condition as AWS spells it."""
    sandbox.inject_fault(RULE, "deliver-fail", target="rule")
    sandbox.run_workflows(1)
    assert sandbox.metrics.total("AWS/Events", "InvocationAttempts", DIMS) == 5
    (attributes,) = _dead_letters(sandbox)
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "4"
    assert attributes["ERROR_CODE"] == "CONNECTION_FAILURE"
    assert attributes["TARGET_ARN"].startswith("arn:aws:sqs:")


def _until_first_attempt(sandbox: Sandbox) -> None:
    """Run until the rule's first delivery attempt: the workflow's invocations overlap on the
    simulated clock and take their time to reach it."""
    while sandbox.metrics.total("AWS/Events", "InvocationAttempts", DIMS) == 0:
        sandbox.advance(0.01, flush=False)


def test_backoff_has_jitter(sandbox: Sandbox) -> None:
    """Each retry waits a random share of the doubling backoff, not the backoff itself."""
    sandbox.inject_fault(RULE, "deliver-fail", target="rule")
    sandbox.run_workflows(1, settle_s=0)
    _until_first_attempt(sandbox)
    delays = []
    for retry in range(4):
        due = sandbox.deliveries.next_due()
        assert due is not None
        delays.append(due - sandbox.clock.now())
        sandbox.advance(max(0.0, due - sandbox.clock.now()) + 0.001, flush=False)
        assert 0 <= delays[-1] <= 2**retry
    assert delays != [1.0, 2.0, 4.0, 8.0]
    assert len({round(d, 6) for d in delays}) == 4


@pytest.mark.parametrize(
    ("reason", "code"), [("no-permissions", "NO_PERMISSIONS"), ("no-resource", "NO_RESOURCE")]
)
def test_a_missing_permission_or_target_is_not_retried(
    sandbox: Sandbox, reason: str, code: str
) -> None:
    """ "No retry attempts will happen": one attempt, straight to the DLQ, no retry condition."""
    sandbox.inject_fault(RULE, f"deliver-fail:{reason}", target="rule")
    sandbox.run_workflows(1, settle_s=0)
    _until_first_attempt(sandbox)
    assert sandbox.metrics.total("AWS/Events", "InvocationAttempts", DIMS) == 1
    assert sandbox.metrics.total("AWS/Events", "InvocationsSentToDlq", DIMS) == 1
    (attributes,) = _dead_letters(sandbox)
    assert attributes["ERROR_CODE"] == code
    assert attributes["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attributes


def test_throttled_invocations_count_throttled_rules(sandbox: Sandbox) -> None:
    """Throttled attempts count ThrottledRules and are retried; Invocations only counts the
    outcome ("doesn't include throttled or retried attempts until they fail permanently")."""
    sandbox.inject_fault(RULE, "deliver-fail:throttled", target="rule")
    sandbox.run_workflows(1, settle_s=0)
    _until_first_attempt(sandbox)
    assert sandbox.metrics.total("AWS/Events", "ThrottledRules", DIMS) == 1
    assert sandbox.metrics.total("AWS/Events", "Invocations", DIMS) == 0
    sandbox.settle(600)
    assert sandbox.metrics.total("AWS/Events", "ThrottledRules", DIMS) == 5
    assert sandbox.metrics.total("AWS/Events", "Invocations", DIMS) == 1
    (attributes,) = _dead_letters(sandbox)
    assert attributes["ERROR_CODE"] == "THROTTLING"


def test_unknown_failure_reason_is_named(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="deliver-fail:sometimes"):
        sandbox.inject_fault(RULE, "deliver-fail:sometimes", target="rule")


def test_retries_run_out_by_event_age(aws_endpoint: str) -> None:
    """185 retries allowed but only 60 s: the event's age ends them first."""
    catalog = _with_target(
        load_catalog(),
        retry_policy=RetryPolicy(maximum_retry_attempts=185, maximum_event_age_s=60),
    )
    with Sandbox.start(catalog, endpoint_url=aws_endpoint, seed=0) as box:
        box.inject_fault(RULE, "deliver-fail", target="rule")
        box.run_workflows(1)
        (attributes,) = _dead_letters(box)
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert 0 < int(attributes["RETRY_ATTEMPTS"]) < 185


def test_a_fifo_dead_letter_queue_is_refused(aws_endpoint: str) -> None:
    """EventBridge DLQs are standard queues: a catalog that names a FIFO one (built without the
    loader's check) is refused, naming the rule and the queue."""
    catalog = _with_target(load_catalog(), dlq="alchemiser-dev-execution-dlq.fifo")
    with pytest.raises(SandboxError, match=r"alchemiser-dev-execution-dlq\.fifo.*standard"):
        Sandbox.start(catalog, endpoint_url=aws_endpoint, seed=0)


def test_a_failing_rule_keeps_its_targets_listed_as_on_aws(sandbox: Sandbox) -> None:
    """A target failing on AWS leaves the rule's targets as they are; the runbook's first look
    (list-targets-by-rule) must see them. The sandbox holds moto's own delivery instead."""
    events = sandbox.clients.events
    before = events.list_targets_by_rule(Rule=RULE, EventBusName=BUS)["Targets"]
    assert before
    sandbox.inject_fault(RULE, "deliver-fail", target="rule")
    assert events.list_targets_by_rule(Rule=RULE, EventBusName=BUS)["Targets"] == before
    sandbox.run_workflows(1)
    # moto delivered nothing itself: every attempt was the sandbox's, and the event is in the DLQ
    assert sandbox.metrics.total("AWS/Events", "InvocationAttempts", DIMS) == 5
    assert len(_dead_letters(sandbox)) == 1
    sandbox.clear_faults()
    assert events.list_targets_by_rule(Rule=RULE, EventBusName=BUS)["Targets"] == before
