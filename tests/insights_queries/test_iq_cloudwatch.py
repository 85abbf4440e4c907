"""Running a query on CloudWatch Logs Insights: time parsing and 50-group batches (moto_server)."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from insights_queries.cloudwatch import MAX_LOG_GROUPS, AwsQueryError, parse_time, run_on_cloudwatch


def test_parse_time_ages_and_iso() -> None:
    now = 1_766_003_938.0
    assert parse_time("15m", now) == int(now) - 900
    assert parse_time("2h", now) == int(now) - 7200
    assert parse_time("3d", now) == int(now) - 3 * 86400
    assert parse_time("2025-12-17T20:38:58Z", now) == 1_766_003_938
    assert parse_time("2025-12-17T21:38:58+01:00", now) == 1_766_003_938
    with pytest.raises(ValueError, match="cannot read the time 'soon'"):
        parse_time("soon", now)


class Recording:
    """The real boto3 client, with the StartQuery calls it made written down."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.started: list[list[str]] = []

    def start_query(self, **kwargs: Any) -> Any:
        self.started.append(kwargs["logGroupNames"])
        return self.client.start_query(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.mark.slow
def test_more_than_fifty_groups_are_queried_in_batches(aws_endpoint: str) -> None:
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    groups = [f"/aws/lambda/fn-{i:02d}" for i in range(MAX_LOG_GROUPS + 7)]
    now = int(time.time() * 1000) - 5000
    for index in (0, len(groups) - 1):
        logs.create_log_group(logGroupName=groups[index])
        logs.create_log_stream(logGroupName=groups[index], logStreamName="s")
        logs.put_log_events(
            logGroupName=groups[index],
            logStreamName="s",
            logEvents=[{"timestamp": now, "message": f"from {groups[index]}"}],
        )
    for name in groups[1:-1]:
        logs.create_log_group(logGroupName=name)
    recording = Recording(logs)
    seen: list[str] = []
    result = run_on_cloudwatch(
        "fields @message",
        groups,
        start=int(time.time()) - 600,
        client=recording,
        poll_seconds=0.05,
        progress=seen.append,
    )
    assert [len(batch) for batch in recording.started] == [MAX_LOG_GROUPS, 7]
    assert sorted(result.column("@message")) == [f"from {groups[0]}", f"from {groups[-1]}"]
    assert seen and all("records scanned" in line for line in seen)
    assert seen[0].startswith("part 1/2: ")


def test_no_log_groups_is_an_error() -> None:
    with pytest.raises(AwsQueryError, match="no log groups"):
        run_on_cloudwatch("fields @message", [], start=0, client=object())
