"""The evidence of SNS topic steps, dry runs to a function and event source mappings: each new
expectation passes the right resource's output and fails the output a mutant's command prints,
which the expectation it replaced let through (issue 15's surviving mutants); and the count of a
consumer's unhandled events that a drill keeps when the consumer ends no workflow.

Outputs are as the AWS CLI prints the API's answer (JSON, four spaces, members in the API's
order) and as ``obskit dlq replay --dry-run`` draws its table; the drills run the real commands
(``tests/runbooks/test_mutation_drills.py``)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from runbooks.drills.expect import missing
from runbooks.drills.verify import unhandled_events
from runbooks.scenarios import evidence
from sandbox.function_runner import Invocation

ACCOUNT = "123456789012"
ALERTS = "alchemiser-dev-alerts"
TRADES = "alchemiser-dev-trade-notifications"


def _topic_arn(name: str) -> str:
    return f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}"


def _cli(answer: object) -> str:
    return json.dumps(answer, indent=4)


def _subscriptions(topic: str, endpoint: str, *, confirmed: bool = True) -> str:
    arn = f"{_topic_arn(topic)}:0b8f4f2e-1c1d-4f55-9a51-3c5b1a2e9d10"
    return _cli(
        {
            "Subscriptions": [
                {
                    "SubscriptionArn": arn if confirmed else "PendingConfirmation",
                    "Owner": ACCOUNT,
                    "Protocol": "email",
                    "Endpoint": endpoint,
                    "TopicArn": _topic_arn(topic),
                }
            ]
        }
    )


def test_the_subscriptions_look_shows_its_topic_s_confirmed_subscriber() -> None:
    expect = evidence.confirmed_subscription(TRADES, "email", "trading-desk@example.org")
    assert missing(expect, _subscriptions(TRADES, "trading-desk@example.org")) == []
    # the mutant looks at another topic: it asked for nothing before, now it fails
    assert missing(expect, _subscriptions(ALERTS, "oncall@example.org")) != []
    # another subscriber, or one still waiting for its confirmation, is not this one
    assert missing(expect, _subscriptions(TRADES, "someone@example.org")) != []
    unconfirmed = _subscriptions(TRADES, "trading-desk@example.org", confirmed=False)
    assert missing(expect, unconfirmed) != []
    # a topic whose name starts with this one's is another topic
    assert missing(expect, _subscriptions(TRADES + "-x", "trading-desk@example.org")) != []


def _attributes(topic: str) -> str:
    return _cli(
        {
            "Attributes": {
                "Policy": "{}",
                "Owner": ACCOUNT,
                "SubscriptionsPending": "0",
                "TopicArn": _topic_arn(topic),
                "EffectiveDeliveryPolicy": '{"http":{"defaultHealthyRetryPolicy":{}}}',
                "SubscriptionsConfirmed": "1",
                "DisplayName": "",
                "SubscriptionsDeleted": "0",
            }
        }
    )


def test_the_attributes_look_is_its_own_evidence() -> None:
    expect = evidence.topic_attributes(TRADES)
    assert missing(expect, _attributes(TRADES)) == []
    assert missing(expect, _attributes(ALERTS)) != []
    # left out, the subscriptions look used to stand in for it (both name the topic's ARN)
    listing = _subscriptions(TRADES, "trading-desk@example.org")
    assert missing(evidence.names(f":{TRADES}"), listing) == []
    assert missing(expect, listing) != []


def test_the_subscribe_answer_names_its_topic() -> None:
    expect = evidence.subscribed_to(TRADES)
    answer = _cli({"SubscriptionArn": f"{_topic_arn(TRADES)}:5a7e1d3c-0f4e-4f3b-9d51-8e2a"})
    other = _cli({"SubscriptionArn": f"{_topic_arn(ALERTS)}:5a7e1d3c-0f4e-4f3b-9d51-8e2a"})
    assert missing(expect, answer) == []
    assert missing(evidence.names("SubscriptionArn"), other) == []  # the old expectation
    assert missing(expect, other) != []
    # without --return-subscription-arn SNS answers this for an e-mail endpoint
    assert missing(expect, _cli({"SubscriptionArn": "pending confirmation"})) != []


DRY_RUN = """                 dry run: alchemiser-dev-event-dlq (nothing changed)
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ key                                  ┃ action ┃ target                                  ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ 6f1c2a9e-8d0b-4f61-a3c2-0e4f5b7d9a11 │ send   │ lambda:{function} │
└──────────────────────────────────────┴────────┴─────────────────────────────────────────┘
"""


def test_a_dry_run_to_another_function_does_not_pass() -> None:
    expect = evidence.replay_preview_to("lambda:alchemiser-dev-strategy-worker")
    right = DRY_RUN.format(function="alchemiser-dev-strategy-worker")
    wrong = DRY_RUN.format(function="alchemiser-dev-trade-aggregator")
    assert missing(expect, right) == []
    assert missing(evidence.replay_preview(), wrong) == []  # the old expectation
    assert missing(expect, wrong) != []


def _mappings(function: str, queue: str | None, *, state: str = "Enabled") -> str:
    found = []
    if queue is not None:
        found.append(
            {
                "UUID": "a1b2c3d4-5678-90ab-cdef-111122223333",
                "BatchSize": 1,
                "EventSourceArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:{queue}",
                "FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}",
                "State": state,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            }
        )
    return _cli({"EventSourceMappings": found})


def test_the_mapping_look_shows_the_queue_state_and_batch_size() -> None:
    expect = evidence.event_source_mapping("alchemiser-dev-execution.fifo", 1)
    assert (
        missing(expect, _mappings("alchemiser-dev-execution", "alchemiser-dev-execution.fifo"))
        == []
    )
    # the mutant asks about a function without a mapping: an empty list passed before
    assert missing(expect, _mappings("alchemiser-dev-metrics", None)) != []
    disabled = _mappings(
        "alchemiser-dev-execution", "alchemiser-dev-execution.fifo", state="Disabled"
    )
    assert missing(expect, disabled) != []
    assert missing(expect, _mappings("alchemiser-dev-x", "alchemiser-dev-other.fifo")) != []


def _runner(invocations: list[Invocation]) -> SimpleNamespace:
    metrics = SimpleNamespace(name="metrics", consumes=["WorkflowCompleted"], emits=[])
    return SimpleNamespace(invocations=invocations, service=lambda name: metrics)


def _event(event_id: str, detail_type: str = "WorkflowCompleted") -> dict[str, object]:
    return {"id": f"eb-{event_id}", "detail-type": detail_type, "detail": {"event_id": event_id}}


def test_a_consumer_s_events_failed_during_the_incident_must_be_handled_later() -> None:
    """The count a drill keeps for a consumer that ends no workflow: a replay that missed the
    events it failed or was throttled on leaves them unhandled."""
    before = Invocation("metrics", "r0", "async", 50.0, event=_event("e0"), error="boom")
    failed = Invocation("metrics", "r1", "async", 100.0, event=_event("e1"), error="boom")
    throttled = Invocation("metrics", "", "async", 110.0, event=_event("e2"), throttled=True)
    replayed = Invocation("metrics", "r3", "async", 500.0, event=_event("e1"))
    schedule = Invocation(
        "metrics", "r4", "async", 120.0, event=_event("s1", "Scheduled Event"), error="boom"
    )
    box = SimpleNamespace(runner=_runner([before, failed, throttled, replayed, schedule]))
    # e1 came back through the replay; e2 never did; e0 failed before the fault (not counted);
    # a schedule's payload is no catalog event (a job's missed run is a new run)
    assert unhandled_events(box, "metrics", 100.0) == (1, 2)  # type: ignore[arg-type]


def test_the_queue_url_look_is_its_own_evidence() -> None:
    """A mapping's listing names the queue too (its ARN): leaving out the URL look must not
    pass for it."""
    expect = evidence.queue_url("alchemiser-dev-execution.fifo")
    url = _cli(
        {"QueueUrl": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/alchemiser-dev-execution.fifo"}
    )
    listing = _mappings("alchemiser-dev-execution", "alchemiser-dev-execution.fifo")
    assert missing(expect, url) == []
    assert missing(evidence.names("alchemiser-dev-execution.fifo"), listing) == []  # before
    assert missing(expect, listing) != []
