"""What makes the sandbox fast must not change what it does: moto's memoized helpers, its faster
time helpers and SQS retention check answer as before, every SNS subscription signs with one key,
batched notifications arrive in order, an observer queue read early loses nothing, and after a
hand-over the sandbox re-reads what tools outside it did to any queue."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox import Sandbox
from sandbox.activity import Activity
from sandbox.moto_server import _server_command
from sandbox.moto_speedups import (
    _memoized,
    faster_sqs_retention_check,
    faster_time_helpers,
    memoize_moto,
    share_sns_signing_key,
    unix_time,
)
from sandbox.session import OBSERVER_READ_AT
from sandbox.transport import BATCH, PUBLISH_BATCH_BYTES, _publish_batches


def test_the_server_runs_as_this_module_so_it_is_memoized() -> None:
    command = _server_command(4567)
    assert command[1:3] == ["-m", "sandbox.moto_server"]
    assert command[-4:] == ["-H", "127.0.0.1", "-p", "4567"]


def test_memoized_moto_helpers_answer_as_before() -> None:
    from moto.core import utils

    expected = utils.camelcase_to_underscores("ApproximateNumberOfMessagesNotVisible")
    done = memoize_moto()
    assert "moto.backends.list_of_moto_modules" in done
    assert "moto.core.utils.camelcase_to_underscores" in done
    assert utils.camelcase_to_underscores("ApproximateNumberOfMessagesNotVisible") == expected
    assert utils.camelcase_to_underscores("ApproximateNumberOfMessagesNotVisible") == expected
    names = utils.method_names_from_class(Activity)
    assert "handed_over" in names and "touched" in names
    assert _memoized(len)([1, 2, 3]) == 3  # an argument that cannot be hashed: not cached

    from moto import backends

    first, second = list(backends.list_of_moto_modules()), list(backends.list_of_moto_modules())
    assert first == second and "sqs" in first and "events" in first


def test_activity_hand_over_rereads_everything_and_polls_what_was_touched() -> None:
    activity = Activity(["a", "b", "c"])
    activity.to_sample(["a", "b", "c"])
    for name in ("a", "b", "c"):
        activity.found_empty(name)
    assert activity.to_sample(["a", "b", "c"]) == set()

    activity.handed_over()
    activity.changed("b")  # a delete from a standard queue: re-read, nothing new to receive

    assert activity.to_sample(["a", "b", "c"]) == {"a", "b", "c"}
    assert activity.to_sample(["a", "b", "c"]) == set()
    assert not any(activity.needs_poll(name) for name in ("a", "b", "c"))
    activity.touched("c")
    assert activity.needs_poll("c") and activity.to_sample(["a", "b", "c"]) == {"c"}


def test_publish_batches_keep_order_within_ten_and_the_size_limit() -> None:
    notes = [(f"s{i}", f"m{i}") for i in range(23)]
    batches = list(_publish_batches(notes))
    assert [len(b) for b in batches] == [BATCH, BATCH, 3]
    assert [n for b in batches for n in b] == notes

    big = "x" * (PUBLISH_BATCH_BYTES // 2)
    batches = list(_publish_batches([("a", big), ("b", big), ("c", "small")]))
    assert [[subject for subject, _ in b] for b in batches] == [["a"], ["b", "c"]]


@pytest.mark.slow
def test_batched_notifications_arrive_in_order_with_their_subjects(sandbox: Sandbox) -> None:
    topic = sandbox.catalog.notifications.alerts_topic
    for index in range(13):
        sandbox.transport.publish_to_topic(topic, f"subject {index}", json.dumps({"n": index}))

    got = sandbox.notifications(topic)

    assert [note["Subject"] for note in got] == [f"subject {i}" for i in range(13)]
    assert [note["Message"] for note in got] == [{"n": i} for i in range(13)]


@pytest.mark.slow
def test_after_a_hand_over_the_next_sample_reads_what_another_tool_did(sandbox: Sandbox) -> None:
    dlq = sandbox.catalog.dlqs()[0].name
    sandbox.advance(120, flush=False)  # sampled twice: the DLQ is empty and nobody touches it

    sandbox.flush()  # hands the endpoint over, as a drill does before a runbook command
    url = sandbox.resources.queue(dlq).url
    send = {"QueueUrl": url, "MessageBody": json.dumps({"from": "another tool"})}
    if url.endswith(".fifo"):
        send |= {"MessageGroupId": "g", "MessageDeduplicationId": "d"}
    sandbox.clients.sqs.send_message(**send)  # not through the sandbox
    sandbox.advance(60, flush=False)

    now = sandbox.now
    visible = sandbox.store.samples(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": dlq},
        now - timedelta(seconds=60),
        now,
    )
    assert visible == [1.0]


@pytest.mark.slow
def test_a_full_observer_queue_is_read_early_and_nothing_is_lost(sandbox: Sandbox) -> None:
    alerts = sandbox.catalog.notifications.alerts_topic
    topic = next(t.name for t in sandbox.catalog.topics if t.name != alerts)  # no alarm uses it
    observer = sandbox.resources.observers[topic]
    count = OBSERVER_READ_AT + 5
    for index in range(count):
        sandbox.transport.publish_to_topic(topic, f"subject {index}", json.dumps({"n": index}))

    sandbox.advance(60, flush=False)  # a minute boundary: the observer queue is read

    assert sandbox.queue_depths()[observer].total == 0
    got = sandbox.notifications(topic)
    assert [note["Message"] for note in got] == [{"n": i} for i in range(count)]


def _keep(monkeypatch: pytest.MonkeyPatch, owner: object, *names: str) -> dict[str, object]:
    """Let monkeypatch put ``names`` back after the test; returns the originals."""
    originals = {name: getattr(owner, name) for name in names}
    for name, value in originals.items():
        monkeypatch.setattr(owner, name, value)
    return originals


@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    stamp=st.floats(min_value=0, max_value=4e9),
)
def test_faster_time_helpers_answer_as_moto_does(moment: datetime, stamp: float) -> None:
    from moto.core import utils

    with pytest.MonkeyPatch.context() as monkeypatch:
        moto_own = _keep(monkeypatch, utils, "unix_time", "unix_time_millis", "utcfromtimestamp")
        done = faster_time_helpers()
        assert "moto.core.utils.unix_time" in done
        assert utils.unix_time(moment) == moto_own["unix_time"](moment)  # type: ignore[operator]
        assert utils.unix_time_millis(moment) == moto_own["unix_time_millis"](moment)  # type: ignore[operator]
        assert utils.utcfromtimestamp(stamp) == moto_own["utcfromtimestamp"](stamp)  # type: ignore[operator]
    assert abs(unix_time() - time.time()) < 5  # "now", on the wall clock


def test_every_sns_subscription_signs_with_one_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.sns import models

    _keep(monkeypatch, models.Subscription, "private_key")
    assert share_sns_signing_key() == ["moto.sns.models.Subscription.private_key"]
    topic = SimpleNamespace(arn="arn:aws:sns:us-east-1:123456789012:alerts")
    first = models.Subscription("123456789012", topic, "arn:aws:sqs:us-east-1:1:a", "sqs")
    second = models.Subscription("123456789012", topic, "arn:aws:sqs:us-east-1:1:b", "sqs")
    assert first.private_key() is second.private_key()
    assert first.private_key().key_size == 2048


@pytest.mark.parametrize("age_s", [0, 59, 61, 400_000])
def test_sqs_retention_check_answers_as_moto_does(
    monkeypatch: pytest.MonkeyPatch, age_s: int
) -> None:
    from moto.sqs import models

    moto_own = _keep(monkeypatch, models.SQSBackend, "is_message_valid_based_on_retention_period")
    backend = models.SQSBackend("us-east-1", "123456789012")
    backend.create_queue("short", MessageRetentionPeriod="60")
    backend.create_queue("default")
    message = backend.send_message("short", "body")
    message.sent_timestamp = int((time.time() - age_s) * 1000)
    expected = {
        name: moto_own["is_message_valid_based_on_retention_period"](backend, name, message)  # type: ignore[operator]
        for name in ("short", "default")
    }
    assert faster_sqs_retention_check() == [
        "moto.sqs.models.SQSBackend.is_message_valid_based_on_retention_period"
    ]
    for name, valid in expected.items():
        assert backend.is_message_valid_based_on_retention_period(name, message) is valid
    assert expected["short"] is (age_s < 60)
