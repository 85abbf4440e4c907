"""`obskit dlq inspect` against moto_server: grouping by event type and error, nothing consumed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from dlq_helpers import (  # noqa: E402
    depth,
    eventbridge_dlq_message,
    lambda_dlq_message,
    make_queue,
    sqs_client,
)

from tools.dlq_cli import dlq  # noqa: E402


def test_inspect_groups_by_event_type_and_error_without_consuming(aws_endpoint: str) -> None:
    sqs = sqs_client(aws_endpoint)
    url = make_queue(sqs, "event-dlq")
    for i in range(3):
        eventbridge_dlq_message(sqs, url, f"sig-{i}")
    for i in range(2):
        lambda_dlq_message(sqs, url, f"start-{i}")
    result = CliRunner().invoke(
        dlq, ["inspect", "event-dlq", "--endpoint-url", aws_endpoint, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["messages"] == 5
    assert data["distinct_events"] == 5
    groups = {(g["event_type"], g["origin"]): g for g in data["groups"]}
    eb = groups[("SignalGenerated", "eventbridge")]
    assert eb["count"] == 3
    assert eb["error"] == "SDK.ResourceNotFoundException: Function not found"
    assert sorted(eb["sample_event_ids"]) == ["sig-0", "sig-1", "sig-2"]
    assert eb["rule_arns"] == ["arn:aws:events:us-east-1:123456789012:rule/trading/to-portfolio"]
    lam = groups[("WorkflowStarted", "lambda")]
    assert lam["count"] == 2
    assert lam["error"] == "200: boom"
    assert lam["sample_correlation_ids"] == ["wf-1"]
    assert data["oldest_age_s"] is not None and data["oldest_age_s"] >= 0
    # nothing was deleted, and every message is visible again for the next reader
    assert depth(sqs, url) == 5
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert len(got.get("Messages", [])) >= 1


def test_inspect_table_names_each_group(aws_endpoint: str) -> None:
    sqs = sqs_client(aws_endpoint)
    url = make_queue(sqs, "dlq-table")
    eventbridge_dlq_message(sqs, url, "a-1", event_type="TradeExecuted")
    result = CliRunner().invoke(
        dlq, ["inspect", url, "--endpoint-url", aws_endpoint], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    assert "TradeExecuted" in result.output
    assert "SDK.ResourceNotFoundException" in result.output


def test_inspect_unknown_queue_names_it(aws_endpoint: str) -> None:
    result = CliRunner().invoke(dlq, ["inspect", "no-such-dlq", "--endpoint-url", aws_endpoint])
    assert result.exit_code == 2
    assert "no-such-dlq" in result.output


def test_an_unknown_profile_is_a_usage_error_naming_it(
    aws_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))  # no profile defined
    result = CliRunner().invoke(
        dlq, ["inspect", "event-dlq", "--endpoint-url", aws_endpoint, "--profile", "nosuch"]
    )
    assert result.exit_code == 2
    assert "--profile" in result.output and "nosuch" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
