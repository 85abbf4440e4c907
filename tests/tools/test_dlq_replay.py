"""`obskit dlq replay` against moto_server: exactly once, safe to stop, dry run, rate, poison."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from dlq_helpers import (  # noqa: E402
    arn,
    depth,
    drain,
    envelope,
    event_ids,
    eventbridge_dlq_message,
    events_client,
    lambda_dlq_message,
    make_queue,
    sqs_client,
)

from tools.dlq.journal import Journal  # noqa: E402
from tools.dlq.rate import RateLimiter  # noqa: E402
from tools.dlq.replay import Replayer  # noqa: E402
from tools.dlq.targets import Sender, Target  # noqa: E402
from tools.dlq_cli import dlq  # noqa: E402


def _replay(endpoint: str, *args: str) -> Any:
    return CliRunner().invoke(
        dlq, ["replay", *args, "--endpoint-url", endpoint], env={"COLUMNS": "300"}
    )


def test_replay_moves_every_message_exactly_once(aws_endpoint: str, tmp_path: Path) -> None:
    sqs = sqs_client(aws_endpoint)
    source = make_queue(sqs, "dlq-a")
    target = make_queue(sqs, "work-a")
    expected = [f"evt-{i:02d}" for i in range(25)]
    for event_id in expected:
        lambda_dlq_message(sqs, source, event_id)
    journal = tmp_path / "journal.jsonl"
    result = _replay(aws_endpoint, "dlq-a", "--to", "sqs:work-a", "--journal", str(journal))
    assert result.exit_code == 0, result.output
    assert "sent 25" in result.output
    assert depth(sqs, source) == 0
    delivered = drain(sqs, target)
    assert event_ids(delivered) == expected
    # body and message attributes are preserved
    first = delivered[0]
    assert json.loads(first["Body"])["event_type"] == "WorkflowStarted"
    assert first["MessageAttributes"]["ErrorCode"]["StringValue"] == "200"


class _CrashOnDelete:
    """The real client, except that the n-th DeleteMessage dies (a crash after the send)."""

    def __init__(self, client: Any, crash_on: int) -> None:
        self._client = client
        self._left = crash_on

    def delete_message(self, **kwargs: Any) -> Any:
        self._left -= 1
        if self._left == 0:
            raise RuntimeError("process killed between send and delete")
        return self._client.delete_message(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_interrupted_replay_then_rerun_loses_and_duplicates_nothing(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs = sqs_client(aws_endpoint)
    source = make_queue(sqs, "dlq-b")
    target = make_queue(sqs, "work-b")
    expected = [f"evt-{i:02d}" for i in range(12)]
    for event_id in expected:
        lambda_dlq_message(sqs, source, event_id)
    journal_path = tmp_path / "journal.jsonl"
    crashing = _CrashOnDelete(sqs, crash_on=5)
    replayer = Replayer(
        sqs=crashing,
        sender=Sender(sqs),
        journal=Journal(journal_path),
        url=source,
        mode=Target("sqs", "work-b"),
    )
    with pytest.raises(RuntimeError, match="killed"):
        replayer.run()
    # 5 were sent, 4 deleted; the 5th is sent but still in the DLQ (made visible again)
    assert depth(sqs, source) == 12 - 4
    result = _replay(aws_endpoint, "dlq-b", "--to", "sqs:work-b", "--journal", str(journal_path))
    assert result.exit_code == 0, result.output
    assert "sent 7" in result.output and "finished from an earlier run 1" in result.output
    assert depth(sqs, source) == 0
    assert event_ids(drain(sqs, target)) == expected  # each exactly once


def test_dry_run_changes_nothing(aws_endpoint: str, tmp_path: Path) -> None:
    sqs = sqs_client(aws_endpoint)
    source = make_queue(sqs, "dlq-c")
    target = make_queue(sqs, "work-c")
    for i in range(4):
        lambda_dlq_message(sqs, source, f"evt-{i}")
    journal = tmp_path / "journal.jsonl"
    result = _replay(
        aws_endpoint,
        "dlq-c",
        "--to",
        "sqs:work-c",
        "--dry-run",
        "--journal",
        str(journal),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout.strip().splitlines()[-1])
    # Lambda's on-failure messages carry the invocation payload: it is their identity.
    bodies = [json.dumps(envelope(f"evt-{i}", "WorkflowStarted")["detail"]) for i in range(4)]
    expected = sorted("sha256:" + hashlib.sha256(b.encode()).hexdigest()[:32] for b in bodies)
    assert sorted(p["key"] for p in plan["planned"]) == expected
    assert {p["target"] for p in plan["planned"]} == {"sqs:work-c"}
    assert plan["sent"] == 0
    assert depth(sqs, source) == 4
    assert depth(sqs, target) == 0
    assert not journal.exists()
    visible = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]
    assert visible["ApproximateNumberOfMessages"] == "4"


def test_rate_limit_is_honoured(aws_endpoint: str, tmp_path: Path) -> None:
    """Count sends per simulated second: never more than --rate."""
    sqs = sqs_client(aws_endpoint)
    source = make_queue(sqs, "dlq-d")
    make_queue(sqs, "work-d")
    for i in range(17):
        lambda_dlq_message(sqs, source, f"evt-{i}")
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    send_times: list[float] = []

    class CountingSender(Sender):
        def send(self, message: Any, target: Target) -> None:
            send_times.append(now[0])
            super().send(message, target)

    result = Replayer(
        sqs=sqs,
        sender=CountingSender(sqs),
        journal=Journal(tmp_path / "j.jsonl"),
        url=source,
        mode=Target("sqs", "work-d"),
        limiter=RateLimiter(4, clock=lambda: now[0], sleep=sleep),
    ).run()
    assert len(result.sent) == 17
    per_second: dict[int, int] = {}
    for t in send_times:
        per_second[int(t + 1e-9)] = per_second.get(int(t + 1e-9), 0) + 1
    assert max(per_second.values()) <= 4
    assert now[0] == pytest.approx(16 / 4)  # 17 sends spaced 0.25 s apart
    assert len(sleeps) == 16


def test_max_limits_one_run(aws_endpoint: str, tmp_path: Path) -> None:
    sqs = sqs_client(aws_endpoint)
    source = make_queue(sqs, "dlq-e")
    target = make_queue(sqs, "work-e")
    for i in range(6):
        lambda_dlq_message(sqs, source, f"evt-{i}")
    result = _replay(
        aws_endpoint,
        "dlq-e",
        "--to",
        "sqs:work-e",
        "--max",
        "4",
        "--journal",
        str(tmp_path / "j.jsonl"),
    )
    assert result.exit_code == 0, result.output
    assert depth(sqs, source) == 2
    assert len(drain(sqs, target)) == 4


def _redrive_once(sqs: Any, source: str, dlq_url: str) -> None:
    """The consumer fails: receive the message until SQS moves it to the DLQ (maxReceiveCount 1)."""
    for _ in range(3):
        sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0)
        if depth(sqs, dlq_url) and not depth(sqs, source):
            return
    raise AssertionError("moto did not redrive the message to the DLQ")


def test_message_back_after_replay_is_poison_and_can_be_parked(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs = sqs_client(aws_endpoint)
    dlq_url = make_queue(sqs, "orders-dlq")
    policy = json.dumps({"deadLetterTargetArn": arn(sqs, dlq_url), "maxReceiveCount": "1"})
    source = make_queue(sqs, "orders", RedrivePolicy=policy)
    park = make_queue(sqs, "orders-parked")
    sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"event_id": "bad-1"}))
    sqs.send_message(QueueUrl=source, MessageBody=json.dumps({"event_id": "good-1"}))
    _redrive_once(sqs, source, dlq_url)
    journal = str(tmp_path / "j.jsonl")
    # no --to: the DLQ's only source queue (StartMessageMoveTask is missing on moto: fallback)
    first = _replay(aws_endpoint, "orders-dlq", "--journal", journal)
    assert first.exit_code == 0, first.output
    assert "sent 2" in first.output
    assert depth(sqs, dlq_url) == 0
    # the good one is consumed; the bad one fails again and comes back with a new MessageId
    for message in sqs.receive_message(
        QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0
    ).get("Messages", []):
        if "good-1" in message["Body"]:
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
    _redrive_once(sqs, source, dlq_url)
    second = _replay(aws_endpoint, "orders-dlq", "--journal", journal)
    assert second.exit_code == 1
    assert "poison (came back after a replay): bad-1" in second.output
    assert depth(sqs, dlq_url) == 1  # left in place
    assert depth(sqs, source) == 0  # and not sent again
    third = _replay(
        aws_endpoint, "orders-dlq", "--journal", journal, "--park-poison", "orders-parked"
    )
    assert third.exit_code == 0, third.output
    assert depth(sqs, dlq_url) == 0
    assert event_ids(drain(sqs, park)) == ["bad-1"]


def test_eventbridge_dlq_goes_back_on_its_bus(aws_endpoint: str, tmp_path: Path) -> None:
    sqs = sqs_client(aws_endpoint)
    events = events_client(aws_endpoint)
    events.create_event_bus(Name="trading")
    consumer = make_queue(sqs, "portfolio-in")
    events.put_rule(
        Name="to-portfolio",
        EventBusName="trading",
        EventPattern=json.dumps({"detail-type": ["SignalGenerated"]}),
    )
    events.put_targets(
        Rule="to-portfolio",
        EventBusName="trading",
        Targets=[{"Id": "1", "Arn": arn(sqs, consumer)}],
    )
    dlq_url = make_queue(sqs, "event-dlq")
    for i in range(3):
        eventbridge_dlq_message(sqs, dlq_url, f"sig-{i}", bus="trading")
    result = _replay(aws_endpoint, "event-dlq", "--journal", str(tmp_path / "j.jsonl"))
    assert result.exit_code == 0, result.output
    delivered = drain(sqs, consumer)
    assert event_ids(delivered) == ["sig-0", "sig-1", "sig-2"]
    body = json.loads(delivered[0]["Body"])
    assert body["source"] == "alchemiser.strategy"
    assert body["detail-type"] == "SignalGenerated"
    assert depth(sqs, dlq_url) == 0


def test_fifo_target_keeps_group_and_dedupes_on_event_id(aws_endpoint: str, tmp_path: Path) -> None:
    sqs = sqs_client(aws_endpoint)
    dlq_url = make_queue(sqs, "exec-dlq.fifo")
    target = make_queue(sqs, "exec.fifo")
    for i in range(3):
        sqs.send_message(
            QueueUrl=dlq_url,
            MessageBody=json.dumps({"event_id": f"plan-{i}"}),
            MessageGroupId="portfolio",
            MessageDeduplicationId=f"d{i}",
        )
    result = _replay(
        aws_endpoint,
        "exec-dlq.fifo",
        "--to",
        "sqs:exec.fifo",
        "--journal",
        str(tmp_path / "j.jsonl"),
    )
    assert result.exit_code == 0, result.output
    delivered = drain(sqs, target)
    assert event_ids(delivered) == ["plan-0", "plan-1", "plan-2"]
    for message in delivered:
        event_id = json.loads(message["Body"])["event_id"]
        assert message["Attributes"]["MessageGroupId"] == "portfolio"
        assert (
            message["Attributes"]["MessageDeduplicationId"]
            == hashlib.sha256(event_id.encode()).hexdigest()
        )


def test_unroutable_message_is_reported_and_kept(aws_endpoint: str, tmp_path: Path) -> None:
    sqs = sqs_client(aws_endpoint)
    dlq_url = make_queue(sqs, "lonely-dlq")
    lambda_dlq_message(sqs, dlq_url, "evt-x")
    result = _replay(aws_endpoint, "lonely-dlq", "--journal", str(tmp_path / "j.jsonl"))
    assert result.exit_code == 1
    assert "pass --to" in result.output
    assert depth(sqs, dlq_url) == 1


def test_bad_target_and_unknown_queue_are_named(aws_endpoint: str) -> None:
    bad = _replay(aws_endpoint, "whatever", "--to", "kinesis:x")
    assert bad.exit_code == 2 and "kinesis:x" in bad.output
    missing = _replay(aws_endpoint, "no-such-dlq")
    assert missing.exit_code == 2 and "no-such-dlq" in missing.output


def test_fanned_out_invocations_sharing_an_event_id_are_each_replayed_once(
    aws_endpoint: str, tmp_path: Path
) -> None:
    """One start event, one asynchronous invocation per strategy, all failed: four messages whose
    payloads share the event_id. Each is a different invocation, none is poison."""
    sqs = sqs_client(aws_endpoint)
    source = make_queue(sqs, "dlq-fan")
    target = make_queue(sqs, "work-fan")
    detail = envelope("evt-start", "WorkflowStarted")["detail"]
    attrs = {"RequestID": "req", "ErrorCode": "200", "ErrorMessage": "boom"}
    for strategy in ("nuclear", "tecl", "klm", "grail"):
        sqs.send_message(
            QueueUrl=source,
            MessageBody=json.dumps({**detail, "strategy": strategy}),
            MessageAttributes={
                k: {"DataType": "String", "StringValue": v} for k, v in attrs.items()
            },
        )
    journal = tmp_path / "journal.jsonl"
    args = ["dlq-fan", "--to", "sqs:work-fan", "--journal", str(journal), "--format", "json"]
    result = _replay(aws_endpoint, *args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["sent"], summary["poison"]) == (4, [])
    strategies = sorted(json.loads(m["Body"])["strategy"] for m in drain(sqs, target))
    assert strategies == ["grail", "klm", "nuclear", "tecl"]
    assert depth(sqs, source) == 0


def test_to_a_missing_queue_is_a_one_line_error_not_a_traceback(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs = sqs_client(aws_endpoint)
    dlq_url = make_queue(sqs, "dlq-missing-target")
    lambda_dlq_message(sqs, dlq_url, "evt-1")
    journal = str(tmp_path / "j.jsonl")
    for extra in ([], ["--dry-run"]):
        result = _replay(
            aws_endpoint,
            "dlq-missing-target",
            "--to",
            "sqs:no-such-queue",
            "--journal",
            journal,
            *extra,
        )
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)  # no traceback
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1
        assert "--to sqs:no-such-queue" in lines[0] and "'no-such-queue'" in lines[0]
    assert depth(sqs, dlq_url) == 1  # nothing lost


def test_a_target_that_vanished_mid_run_fails_that_message_and_keeps_it(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs = sqs_client(aws_endpoint)
    dlq_url = make_queue(sqs, "dlq-vanished")
    for event_id in ("evt-1", "evt-2"):
        lambda_dlq_message(sqs, dlq_url, event_id)
    result = Replayer(
        sqs=sqs,
        sender=Sender(sqs),
        journal=Journal(tmp_path / "j.jsonl"),
        url=dlq_url,
        mode=Target("sqs", "gone-queue"),
    ).run()
    assert [m for m, _ in result.failed] and len(result.failed) == 2
    assert all("gone-queue" in error for _, error in result.failed)
    assert result.sent == []
    assert depth(sqs, dlq_url) == 2


def test_a_second_copy_in_the_dlq_is_a_duplicate_not_a_message_that_came_back(
    aws_endpoint: str, tmp_path: Path
) -> None:
    """Two DLQ messages of one event, neither ever replayed: the first is sent, the second is a
    duplicate within the DLQ (not sent again, kept), and nothing claims it came back."""
    sqs = sqs_client(aws_endpoint)
    dlq_url = make_queue(sqs, "dlq-dup")
    target = make_queue(sqs, "work-dup")
    for _ in range(2):
        sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({"event_id": "dup-1"}))
    journal = str(tmp_path / "j.jsonl")
    result = _replay(aws_endpoint, "dlq-dup", "--to", "sqs:work-dup", "--journal", journal)
    assert result.exit_code == 1, result.output
    assert "came back" not in result.output
    assert "poison 0, duplicates 1" in result.output
    assert "duplicate within the DLQ (never replayed" in result.output
    assert event_ids(drain(sqs, target)) == ["dup-1"]  # sent once
    assert depth(sqs, dlq_url) == 1  # the copy is kept
    # a re-run still calls it a duplicate; --park-poison moves it so the DLQ can clear
    again = _replay(aws_endpoint, "dlq-dup", "--to", "sqs:work-dup", "--journal", journal)
    assert "duplicates 1" in again.output and "came back" not in again.output
    park = make_queue(sqs, "dup-parked")
    parked = _replay(
        aws_endpoint,
        "dlq-dup",
        "--to",
        "sqs:work-dup",
        "--journal",
        journal,
        "--park-poison",
        "dup-parked",
    )
    assert parked.exit_code == 0, parked.output
    assert depth(sqs, dlq_url) == 0 and depth(sqs, target) == 0
    assert event_ids(drain(sqs, park)) == ["dup-1"]


def test_an_event_put_back_on_its_bus_that_fails_again_is_known_by_its_event_id(
    aws_endpoint: str, tmp_path: Path
) -> None:
    """PutEvents' EventId is the ``id`` of the event the rule's DLQ receives: the marker."""
    sqs = sqs_client(aws_endpoint)
    events = events_client(aws_endpoint)
    events.create_event_bus(Name="again")
    consumer = make_queue(sqs, "again-in")
    events.put_rule(
        Name="to-again",
        EventBusName="again",
        EventPattern=json.dumps({"detail-type": ["SignalGenerated"]}),
    )
    events.put_targets(
        Rule="to-again", EventBusName="again", Targets=[{"Id": "1", "Arn": arn(sqs, consumer)}]
    )
    dlq_url = make_queue(sqs, "again-dlq")
    eventbridge_dlq_message(sqs, dlq_url, "sig-1", bus="again", rule="to-again")
    journal = str(tmp_path / "j.jsonl")
    assert _replay(aws_endpoint, "again-dlq", "--journal", journal).exit_code == 0
    (delivered,) = drain(sqs, consumer)
    # the target fails again: EventBridge writes the event it delivered to the DLQ
    attributes = {
        "RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/again/to-again",
        "ERROR_CODE": "SDK.ResourceNotFoundException",
    }
    sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=delivered["Body"],
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
        },
    )
    second = _replay(aws_endpoint, "again-dlq", "--journal", journal)
    assert second.exit_code == 1
    assert "poison (came back after a replay): sig-1" in second.output
    assert "duplicates 0" in second.output


class _FakeLambda:
    """Records async Invokes and answers with a request id, as Lambda does."""

    def __init__(self) -> None:
        self.invoked: list[bytes] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.invoked.append(kwargs["Payload"])
        return {"StatusCode": 202, "ResponseMetadata": {"RequestId": f"req-{len(self.invoked)}"}}


def test_a_lambda_dlq_message_carrying_the_request_id_of_a_replay_came_back(
    aws_endpoint: str, tmp_path: Path
) -> None:
    sqs = sqs_client(aws_endpoint)
    dlq_url = make_queue(sqs, "fn-dlq")
    lambda_dlq_message(sqs, dlq_url, "evt-9")
    fake = _FakeLambda()
    journal = Journal(tmp_path / "j.jsonl")

    def run() -> Any:
        return Replayer(
            sqs=sqs,
            sender=Sender(sqs, lambda service: fake),
            journal=journal,
            url=dlq_url,
            mode=Target("lambda", "worker"),
        ).run()

    assert run().sent and fake.invoked
    # the re-invocation failed too: Lambda writes the payload with that invocation's request id
    sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=fake.invoked[0].decode(),
        MessageAttributes={
            "RequestID": {"DataType": "String", "StringValue": "req-1"},
            "ErrorCode": {"DataType": "String", "StringValue": "200"},
        },
    )
    lambda_dlq_message(sqs, dlq_url, "evt-9")  # and an unrelated second copy of the event
    second = run()
    assert len(fake.invoked) == 1  # nothing sent twice
    assert len(second.poison) == 1 and len(second.duplicates) == 1
