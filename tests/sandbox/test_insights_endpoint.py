"""The sandbox's Logs Insights API over HTTP: shapes, statuses, time ranges and documented errors.

Every test talks to a real ``python -m sandbox.moto_server`` (the root conftest's ``aws_endpoint``,
or one started here with ``$OBSKIT_INSIGHTS_POLLS`` set) through boto3, as an operator's tools do.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox.insights_endpoint import POLLS_ENV
from sandbox.insights_events import message_fields
from sandbox.moto_server import MotoServer

GROUP = "/aws/lambda/orders-api"
OTHER = "/aws/lambda/orders-worker"
ACCOUNT = "123456789012"
ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{GROUP}"
REPORT = (
    "REPORT RequestId: 8f5a1b2c-1111-2222-3333-444455556666\tDuration: 12.50 ms\t"
    "Billed Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 300.10 ms"
)


def _client(endpoint: str) -> Any:
    return boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture
def logs(aws_endpoint: str) -> Any:
    return _client(aws_endpoint)


@pytest.fixture
def second(logs: Any) -> int:
    """Two groups of events, all inside one whole second (returned, epoch seconds) of an hour ago;
    one more event a second later and one a second earlier."""
    at = int(time.time()) - 3600  # CloudWatch refuses events over 14 days old
    for group in (GROUP, OTHER):
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s1")
    lines = [
        {"level": "INFO", "correlation_id": "wf-1", "message": "accepted", "amount": 30},
        {"level": "ERROR", "correlation_id": "wf-2", "message": "boom", "amount": 5},
        {"level": "INFO", "correlation_id": "wf-2", "message": "retried", "amount": 7},
    ]
    events = [{"timestamp": at * 1000 - 1, "message": json.dumps({"level": "EARLY"})}]
    events += [
        {"timestamp": at * 1000 + i, "message": json.dumps(ln)} for i, ln in enumerate(lines)
    ]
    events.append({"timestamp": at * 1000 + 10, "message": REPORT})
    events.append({"timestamp": at * 1000 + 999, "message": "plain text at the last millisecond"})
    events.append({"timestamp": at * 1000 + 1000, "message": json.dumps({"level": "LATE"})})
    logs.put_log_events(logGroupName=GROUP, logStreamName="s1", logEvents=events)
    logs.put_log_events(
        logGroupName=OTHER,
        logStreamName="s1",
        logEvents=[{"timestamp": at * 1000 + 5, "message": json.dumps({"level": "WARN"})}],
    )
    return at


def run(logs: Any, query: str, start: int, end: int, **kwargs: Any) -> dict[str, Any]:
    if not {"logGroupName", "logGroupIdentifiers"} & set(kwargs):
        kwargs.setdefault("logGroupNames", [GROUP])
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    query_id = logs.start_query(startTime=start, endTime=end, queryString=query, **kwargs)
    result: dict[str, Any] = logs.get_query_results(queryId=query_id["queryId"])
    return result


def rows(result: dict[str, Any]) -> list[dict[str, str]]:
    return [{cell["field"]: cell["value"] for cell in row} for row in result["results"]]


def error_of(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


# ------------------------------------------------------------------ answers


def test_filter_and_stats_are_evaluated(logs: Any, second: int) -> None:
    result = run(logs, "filter level = 'ERROR' | fields message, amount", second, second)
    assert result["status"] == "Complete"
    (row,) = rows(result)
    assert (row["message"], row["amount"]) == ("boom", "5")
    counted = rows(run(logs, "stats count(*) as n, sum(amount) as total by level", second, second))
    by_level = {r.get("level"): (r["n"], r.get("total")) for r in counted}
    assert by_level["INFO"] == ("2", "37") and by_level["ERROR"] == ("1", "5")


def test_rows_of_events_carry_ptr_and_stats_rows_do_not(logs: Any, second: int) -> None:
    events = rows(run(logs, "fields @timestamp, @log, @logStream, message", second, second))
    assert events and all(r["@ptr"] for r in events)
    assert len({r["@ptr"] for r in events}) == len(events)  # one pointer per event
    assert {r["@log"] for r in events} == {f"{ACCOUNT}:{GROUP}"}  # account-id:log-group-name
    assert {r["@logStream"] for r in events} == {"s1"}
    assert events[0]["@timestamp"].count(":") == 2 and "." in events[0]["@timestamp"]
    stats = rows(run(logs, "stats count(*)", second, second))
    assert stats == [{"count(*)": str(len(events))}]


def test_missing_fields_are_left_out_of_a_row(logs: Any, second: int) -> None:
    found = rows(run(logs, "fields level, amount | sort @timestamp asc", second, second))
    report = [r for r in found if "level" not in r]
    assert report and all("amount" not in r for r in report)


def test_lambda_report_lines_are_discovered(logs: Any, second: int) -> None:
    query = "filter @type = 'REPORT' | stats max(@duration) as d, max(@maxMemoryUsed) as m, max(@initDuration) as i"
    assert rows(run(logs, query, second, second)) == [{"d": "12.5", "m": "60000000", "i": "300.1"}]


def test_the_time_range_is_whole_seconds_both_ends_included(logs: Any, second: int) -> None:
    result = run(logs, "fields @message", second, second)
    messages = [r["@message"] for r in rows(result)]
    assert "plain text at the last millisecond" in messages  # endTime's whole second counts
    assert not any("EARLY" in m or "LATE" in m for m in messages)
    assert result["statistics"]["recordsScanned"] == 5.0
    assert result["statistics"]["recordsMatched"] == 5.0
    wider = run(logs, "fields @message", second - 1, second + 1)
    assert wider["statistics"]["recordsScanned"] == 7.0


def test_statistics_count_what_was_scanned_and_matched(logs: Any, second: int) -> None:
    result = run(logs, "filter level = 'INFO' | limit 1", second, second)
    statistics = result["statistics"]
    assert statistics["recordsScanned"] == 5.0  # every event of the range, whatever the limit
    assert statistics["recordsMatched"] >= 1.0
    assert statistics["bytesScanned"] > 0


def test_several_groups_and_identifiers_by_name_or_arn(logs: Any, second: int) -> None:
    query = "stats count(*) as n by @log | sort @log asc"
    by_names = rows(run(logs, query, second, second, logGroupNames=[GROUP, OTHER]))
    assert by_names == [
        {"@log": f"{ACCOUNT}:{GROUP}", "n": "5"},
        {"@log": f"{ACCOUNT}:{OTHER}", "n": "1"},
    ]
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{OTHER}"
    by_ids = rows(run(logs, query, second, second, logGroupIdentifiers=[GROUP, arn]))
    assert by_ids == by_names
    one = rows(run(logs, query, second, second, logGroupNames=None, logGroupName=OTHER))
    assert one == by_names[1:]


def test_the_limit_parameter_caps_the_rows(logs: Any, second: int) -> None:
    found = rows(run(logs, "fields @message | sort @timestamp asc", second, second, limit=2))
    assert len(found) == 2


def test_a_query_the_engine_cannot_finish_ends_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server here: a backend with one group, and an engine that raises while running."""
    from sandbox import insights_runs
    from sandbox.logs_api import InsightsState

    item = SimpleNamespace(timestamp=1_000, message='{"a": 1}', ingestion_time=1_000, event_id=0)
    group = SimpleNamespace(name=GROUP, streams={"s": SimpleNamespace(events=[item])})
    backend = SimpleNamespace(groups={GROUP: group})

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise insights_runs.QueryError("division by a field that is not a number")

    monkeypatch.setattr(insights_runs, "run", broken)
    state = InsightsState()
    params = {"logGroupNames": [GROUP], "startTime": 0, "endTime": 5, "queryString": "fields a"}
    query_id = insights_runs.start_query(state, params, backend, ACCOUNT, "us-east-1", 0)["queryId"]
    answer = insights_runs.get_query_results(state, {"queryId": query_id})
    assert answer["status"] == "Failed" and answer["results"] == []
    assert answer["statistics"]["recordsScanned"] == 1.0


# ------------------------------------------------------------------ documented errors


def test_a_syntax_error_is_malformed_query_exception_with_its_place(logs: Any, second: int) -> None:
    with pytest.raises(ClientError) as caught:
        run(logs, "filter level = ", second, second)
    response = caught.value.response
    assert response["Error"]["Code"] == "MalformedQueryException"
    assert "line 1, column 16" in response["Error"]["Message"]
    assert response["queryCompileError"]["location"]["startCharOffset"] == 15


def test_an_invalid_regex_is_malformed(logs: Any, second: int) -> None:
    code, message = error_of(lambda: run(logs, "filter @message like /(/", second, second))
    assert code == "MalformedQueryException" and "invalid regular expression" in message


def test_what_the_engine_does_not_support_is_refused_by_name(logs: Any, second: int) -> None:
    code, message = error_of(lambda: run(logs, "pattern @message", second, second))
    assert code == "MalformedQueryException" and "unsupported command 'pattern'" in message


def test_a_missing_group_is_resource_not_found(logs: Any, second: int) -> None:
    code, message = error_of(lambda: run(logs, "fields @message", 0, 1, logGroupNames=["/nope"]))
    assert code == "ResourceNotFoundException" and "/nope" in message


def test_more_than_fifty_groups_are_refused(logs: Any, second: int) -> None:
    names = [GROUP] * 51
    code, message = error_of(lambda: run(logs, "fields @message", 0, 1, logGroupNames=names))
    assert code == "InvalidParameterException" and "at most 50" in message


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"logGroupName": GROUP, "logGroupNames": [GROUP]}, "exactly one of"),
        ({"logGroupNames": None}, "exactly one of"),
        ({"startTime": 10, "endTime": 5}, "before startTime"),
        ({"queryString": "fields @message " + " " * 10_000}, "10,000"),
        (
            {"logGroupNames": None, "logGroupIdentifiers": [f"{ARN}:*"]},
            "asterisk",
        ),
    ],
)
def test_invalid_parameters_are_named(
    logs: Any, second: int, kwargs: dict[str, Any], expected: str
) -> None:
    params: dict[str, Any] = {
        "logGroupNames": [GROUP],
        "startTime": 0,
        "endTime": 1,
        "queryString": "fields @message",
    }
    params.update(kwargs)
    params = {k: v for k, v in params.items() if v is not None}
    code, message = error_of(lambda: logs.start_query(**params))
    assert code == "InvalidParameterException" and expected in message


def test_unknown_query_ids_are_resource_not_found(logs: Any) -> None:
    assert error_of(lambda: logs.get_query_results(queryId="nope"))[0] == (
        "ResourceNotFoundException"
    )
    assert error_of(lambda: logs.stop_query(queryId="nope"))[0] == "ResourceNotFoundException"


def test_stopping_a_finished_query_says_it_is_not_running(logs: Any, second: int) -> None:
    query_id = logs.start_query(
        logGroupNames=[GROUP], startTime=second, endTime=second, queryString="fields @message"
    )["queryId"]
    code, message = error_of(lambda: logs.stop_query(queryId=query_id))
    assert code == "InvalidParameterException" and "not running" in message


def test_a_body_that_is_not_json_is_a_serialization_error(aws_endpoint: str) -> None:
    request = urllib.request.Request(
        aws_endpoint,
        data=b"{not json",
        method="POST",
        headers={"X-Amz-Target": "Logs_20140328.StartQuery"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["__type"] == "SerializationException"


def test_other_logs_operations_still_reach_moto(logs: Any, second: int) -> None:
    groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    assert groups == {GROUP, OTHER}


# ------------------------------------------------------------------ asynchronous statuses


@pytest.fixture
def polled(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A server whose queries report Scheduled, then Running, before they end (2 polls)."""
    monkeypatch.setenv(POLLS_ENV, "2")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with MotoServer() as server:
        logs = _client(server.endpoint_url)
        logs.create_log_group(logGroupName=GROUP)
        yield logs


@pytest.mark.slow
def test_queries_go_scheduled_running_complete_and_can_be_cancelled(polled: Any) -> None:
    def start() -> str:
        started = polled.start_query(
            logGroupNames=[GROUP], startTime=0, endTime=10, queryString="stats count(*)"
        )
        return str(started["queryId"])

    first = start()
    statuses = [polled.get_query_results(queryId=first)["status"] for _ in range(4)]
    assert statuses == ["Scheduled", "Running", "Complete", "Complete"]

    cancelled = start()
    listed = polled.describe_queries(status="Scheduled")["queries"]
    assert [q["queryId"] for q in listed] == [cancelled]
    assert polled.stop_query(queryId=cancelled)["success"] is True
    assert polled.get_query_results(queryId=cancelled)["status"] == "Cancelled"
    code, _ = error_of(lambda: polled.stop_query(queryId=cancelled))
    assert code == "InvalidParameterException"

    for _ in range(100):  # the concurrency quota: 100 queries in progress at once
        start()
    code, message = error_of(start)
    assert code == "LimitExceededException" and "100" in message


# ------------------------------------------------------------------ how messages are read


def test_message_fields_as_logs_insights_discovers_them() -> None:
    assert message_fields('{"a": {"b": 1}}\n') == {"a": {"b": 1}, "@message": '{"a": {"b": 1}}'}
    report = message_fields(REPORT)
    assert report["@type"] == "REPORT" and report["@duration"] == 12.5
    assert report["@requestId"] == "8f5a1b2c-1111-2222-3333-444455556666"
    runtime = message_fields(
        '2026-01-01T00:00:00.000Z\t8f5a1b2c-1111-2222-3333-444455556666\tINFO\t{"k": 2}'
    )
    assert runtime["k"] == 2 and runtime["@requestId"].startswith("8f5a1b2c")
    assert message_fields("{broken") == {"@message": "{broken"}  # still an event, never lost
    assert message_fields("plain") == {"@message": "plain"}


def test_lines_skipped_by_the_prefilter_still_count_as_scanned(logs: Any) -> None:
    """A selective filter decodes only candidate messages; one spelling the value with a JSON
    escape is still found, and every event of the window counts as scanned."""
    at = int(time.time()) - 3600
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    messages = [json.dumps({"correlation_id": f"wf-{i}"}) for i in range(20)]
    messages.append('{"correlation_id": "wf\\u002d7", "escaped": true}')
    events = [{"timestamp": at * 1000 + i, "message": m} for i, m in enumerate(messages)]
    logs.put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=events)
    result = run(logs, 'filter correlation_id = "wf-7" | fields escaped', at, at)
    assert sorted(r.get("escaped", "-") for r in rows(result)) == ["-", "1"]
    assert result["statistics"]["recordsScanned"] == 21.0
    assert result["statistics"]["recordsMatched"] == 2.0


def test_a_rows_ptr_reads_back_every_field_of_its_event(logs: Any, second: int) -> None:
    (row,) = rows(run(logs, "filter level = 'ERROR' | fields message", second, second))
    record = logs.get_log_record(logRecordPointer=row["@ptr"])["logRecord"]
    assert record["message"] == "boom" and record["amount"] == "5"  # beyond the query's fields
    assert record["correlation_id"] == "wf-2" and record["@log"] == f"{ACCOUNT}:{GROUP}"
    assert record["@timestamp"] == str(second * 1000 + 1)
    assert record["@message"].startswith("{")
    assert error_of(lambda: logs.get_log_record(logRecordPointer="not-a-pointer"))[0] == (
        "InvalidParameterException"
    )
