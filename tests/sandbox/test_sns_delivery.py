"""SNS counts a failed delivery when its protocol's delivery policy says, not at publish time:
every HTTP/S attempt at once, an e-mail once SNS stops retrying (about 6.6 hours), an SQS or
Lambda delivery after 23 days; and a delivery still being retried when the subscriber is fixed is
never counted."""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from sandbox.sns_delivery import AWS_MANAGED, CUSTOMER_MANAGED, HTTP_DEFAULT, policy_for

TOPIC = "alchemiser-dev-trade-notifications"  # one e-mail subscription in the example


def test_the_policies_have_the_documented_attempts_and_spans() -> None:
    assert len(AWS_MANAGED.attempt_offsets()) == 100_015
    assert 23 * 86400 < AWS_MANAGED.attempt_offsets()[-1] < 24 * 86400
    assert len(CUSTOMER_MANAGED.attempt_offsets()) == 50
    assert 6 * 3600 < CUSTOMER_MANAGED.attempt_offsets()[-1] < 7 * 3600  # "over 6 hours"
    assert HTTP_DEFAULT.failure_offsets() == [0.0, 20.0, 40.0, 60.0]  # 3 retries, 20 s apart
    assert CUSTOMER_MANAGED.failure_offsets() == [CUSTOMER_MANAGED.attempt_offsets()[-1]]
    assert policy_for("email") is policy_for("sms") is CUSTOMER_MANAGED
    assert policy_for("sqs") is policy_for("lambda") is AWS_MANAGED


def _failed(box: Sandbox) -> float:
    return box.metrics.total("AWS/SNS", "NumberOfNotificationsFailed", {"TopicName": TOPIC})


@pytest.fixture
def failing_email_topic(sandbox: Sandbox) -> Sandbox:
    sandbox.inject_fault(TOPIC, "deliver-fail", target="topic")
    sandbox.transport.publish_to_topic(TOPIC, "subject", "a message")
    return sandbox


def test_an_email_failure_is_counted_when_sns_stops_retrying(failing_email_topic: Sandbox) -> None:
    box = failing_email_topic
    box.advance(6 * 3600)
    assert _failed(box) == 0  # the old sandbox counted it at publish time
    box.advance(3600)
    assert _failed(box) == 1


def test_a_delivery_still_retried_when_the_subscriber_is_fixed_is_never_counted(
    failing_email_topic: Sandbox,
) -> None:
    box = failing_email_topic
    box.advance(3600)
    box.inject_fault(TOPIC, "none", target="topic")
    box.advance(7 * 3600)
    assert _failed(box) == 0
