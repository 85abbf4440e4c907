"""A moto_server's state saved and put back: what drills start from instead of reset + set-up.

Against a real server: a restore forgets everything done since the snapshot (queues made, messages
sent, alarms changed, functions created), brings back what was deleted, can be done again and
again, and leaves a system that works (locks in the copies are usable, SNS still finds the SQS
queue it delivers to). Restoring with no snapshot is a clear error, not a silent reset.
"""

from __future__ import annotations

import copy
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from sandbox.moto_server import MotoServer
from sandbox.moto_snapshot import RESTORE_PATH, _copying_rules

REGION = "us-east-1"


@pytest.fixture(scope="module")
def server() -> Iterator[MotoServer]:
    with MotoServer() as running:
        yield running


def _client(server: MotoServer, service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=server.endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _queues(sqs: Any) -> dict[str, int]:
    """Queue name → messages in it."""
    out: dict[str, int] = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        total = sum(
            int(attrs[name])
            for name in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        )
        out[url.rsplit("/", 1)[-1]] = total
    return out


def _alarms(cloudwatch: Any) -> dict[str, str]:
    found = cloudwatch.describe_alarms()["MetricAlarms"]
    return {a["AlarmName"]: a["StateValue"] for a in found}


def _put_alarm(cloudwatch: Any, name: str) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )


def test_restore_forgets_what_came_after_and_brings_back_what_was_deleted(
    server: MotoServer,
) -> None:
    server.reset()
    sqs, cloudwatch = _client(server, "sqs"), _client(server, "cloudwatch")
    kept = sqs.create_queue(QueueName="kept")["QueueUrl"]
    doomed = sqs.create_queue(QueueName="doomed")["QueueUrl"]
    sqs.send_message(QueueUrl=kept, MessageBody="before")
    _put_alarm(cloudwatch, "depth")
    server.snapshot()
    saved = (_queues(sqs), _alarms(cloudwatch))
    assert saved == ({"kept": 1, "doomed": 0}, {"depth": "OK"})

    sqs.send_message(QueueUrl=kept, MessageBody="after")
    sqs.delete_queue(QueueUrl=doomed)
    sqs.create_queue(QueueName="new")
    cloudwatch.set_alarm_state(AlarmName="depth", StateValue="ALARM", StateReason="test")
    _put_alarm(cloudwatch, "another")
    assert (_queues(sqs), _alarms(cloudwatch)) != saved

    for _ in range(2):  # the snapshot survives a restore: every drill starts from it
        server.restore()
        assert (_queues(sqs), _alarms(cloudwatch)) == saved
        sqs.send_message(QueueUrl=kept, MessageBody="dirty again")


def test_a_restored_system_works_across_services(server: MotoServer) -> None:
    server.reset()
    sqs, sns = _client(server, "sqs"), _client(server, "sns")
    url = sqs.create_queue(QueueName="observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    server.snapshot()
    sns.publish(TopicArn=topic, Message="lost in the restore")
    server.restore()

    sns.publish(TopicArn=topic, Message="after the restore")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["Message"] for m in got] == ["after the restore"]
    # the copied queue's locks work: receive again, delete, and the queue is empty
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []


def test_services_first_used_after_the_snapshot_are_reset(server: MotoServer) -> None:
    server.reset()
    sqs, logs = _client(server, "sqs"), _client(server, "logs")
    sqs.create_queue(QueueName="only-sqs")
    server.snapshot()
    logs.create_log_group(logGroupName="/made/later")
    server.restore()
    assert logs.describe_log_groups()["logGroups"] == []
    assert list(_queues(sqs)) == ["only-sqs"]


def test_restore_without_a_snapshot_is_a_clear_error() -> None:
    with MotoServer() as fresh:
        with pytest.raises(RuntimeError, match="no snapshot taken yet"):
            fresh.restore()
        request = urllib.request.Request(f"{fresh.endpoint_url}{RESTORE_PATH}")  # a GET
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=5)
        assert answer.value.code == 405


def test_copying_rules_make_new_locks_and_end_with_the_copy() -> None:
    lock, condition = threading.Lock(), threading.Condition(threading.Lock())
    lock.acquire()  # a lock held while copying is copied unlocked
    with _copying_rules():
        copied_lock, copied_condition = copy.deepcopy([lock, condition])
    lock.release()
    assert copied_lock is not lock and copied_lock.acquire(blocking=False)
    with copied_condition:  # its methods are its own lock's, so notify works
        copied_condition.notify_all()
    with pytest.raises(TypeError):  # outside the rules, copy behaves as before
        copy.deepcopy(lock)
