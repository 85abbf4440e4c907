"""``obskit trace`` against CloudWatch, on a real moto_server.

The server is the sandbox's (``python -m sandbox.moto_server``), whose Logs Insights runs obskit's
engine on the stored events (moto alone ignores ``filter``/``stats``); moto ignores JSON filter
patterns, and every line is re-checked on our side anyway. Both paths are checked for the shape
of their calls (batches of at most 50 groups, times in seconds, polling until Complete) and for
returning the same lines.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from catalog import load_catalog
from insights_queries.timestamps import parse_timestamp
from tools.demo_cli import local_demo as demo
from tools.trace_cli import trace
from tools.tracing.analysis import analyse
from tools.tracing.cloudwatch import GROUPS_PER_QUERY, CloudWatchSource, Window, batches
from tools.tracing.matching import Matcher
from tools.tracing.render_json import to_dict
from tools.tracing.sources import read_files


def demo_lines(*faults: str) -> list[dict[str, Any]]:
    args = ["--json"] + [arg for fault in faults for arg in ("--fault", fault)]
    result = CliRunner().invoke(demo, args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


class CallLog:
    """Every AWS API call the client makes (operation name and parameters), via botocore events."""

    def __init__(self, client: Any) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register("provide-client-params.logs.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, dict(params)))

    def names(self) -> Counter[str]:
        return Counter(name for name, _ in self.calls)


@pytest.fixture
def logs(aws_endpoint: str) -> Any:
    return boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")


def publish(logs: Any, lines: list[dict[str, Any]], groups: list[str]) -> None:
    """Put each line in its service's log group, as Lambda would (one stream per group)."""
    catalog = load_catalog()
    for group in groups:
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="2026/01/01/[$LATEST]abc")
    by_group: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        group = catalog.service(line["service"]).log_group
        assert group is not None
        ms = int(parse_timestamp(line["timestamp"]) or 0)
        by_group.setdefault(group, []).append({"timestamp": ms, "message": json.dumps(line)})
    for group, events in by_group.items():
        events.sort(key=lambda e: e["timestamp"])
        logs.put_log_events(
            logGroupName=group, logStreamName="2026/01/01/[$LATEST]abc", logEvents=events
        )


def window_of(lines: list[dict[str, Any]]) -> Window:
    stamps = [int(parse_timestamp(ln["timestamp"]) or 0) for ln in lines]
    return Window(min(stamps) - 60_000, max(stamps) + 60_000)


@pytest.fixture
def two_workflows(
    logs: Any, tmp_path: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Path]:
    """Two real workflows (one failed) in the catalog's log groups, and the first as a file."""
    first, second = demo_lines(), demo_lines("portfolio=fail")
    publish(logs, first + second, load_catalog().log_groups())
    path = tmp_path / "first.jsonl"
    path.write_text("".join(json.dumps(ln) + "\n" for ln in first))
    return first, second, path


def test_filter_log_events_finds_exactly_the_workflow_merged_in_time_order(
    logs: Any, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    first, second, path = two_workflows
    catalog = load_catalog()
    cid = first[0]["correlation_id"]
    calls = CallLog(logs)
    source = CloudWatchSource(logs, catalog.log_groups())
    found = source.trace_filter(Matcher(cid, catalog), window_of(first + second))
    assert len(found.lines) == len(first)
    assert [ln.at for ln in found.lines] == sorted(ln.at for ln in found.lines)
    local = read_files(cid, [path], catalog)
    assert to_dict(analyse(found, catalog)) == to_dict(analyse(local, catalog))
    # one FilterLogEvents per group, each narrowed by the quoted correlation ID
    assert calls.names() == Counter({"FilterLogEvents": len(catalog.log_groups())})
    assert {p["filterPattern"] for _, p in calls.calls} == {f'"{cid}"'}
    assert {p["logGroupName"] for _, p in calls.calls} == set(catalog.log_groups())


def test_the_cli_traces_from_cloudwatch_with_the_same_answer_as_local_files(
    aws_endpoint: str, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    first, second, path = two_workflows
    for lines, code in ((first, 0), (second, 1)):
        cid = lines[0]["correlation_id"]
        args = [cid, "--format", "json", "--endpoint-url", aws_endpoint, "--since", "1h"]
        remote = CliRunner().invoke(trace, [*args, "--via", "filter"])
        assert remote.exit_code == code, remote.output
        doc = json.loads(remote.stdout)
        assert sum(s["lines"] for s in doc["services"]) == len(lines)
        assert {e["event_id"] for e in doc["events"]} == {
            ln["event_id"] for ln in lines if ln["event_id"]
        }
    cid = first[0]["correlation_id"]
    local = CliRunner().invoke(trace, [cid, str(path), "--format", "json"])
    remote = CliRunner().invoke(
        trace, [cid, "--format", "json", "--endpoint-url", aws_endpoint, "--via", "filter"]
    )
    assert json.loads(local.stdout) == json.loads(remote.stdout)


def test_logs_insights_call_shape_and_polling(
    logs: Any, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    first, second, _path = two_workflows
    catalog = load_catalog()
    cid = first[0]["correlation_id"]
    calls = CallLog(logs)
    progress: list[str] = []
    source = CloudWatchSource(logs, catalog.log_groups(), progress=progress.append)
    window = window_of(first + second)
    found = source.trace_insights(Matcher(cid, catalog), window)
    assert len(found.lines) == len(first)

    starts = [p for name, p in calls.calls if name == "StartQuery"]
    assert len(starts) == 2  # the span query, then the lines over the span
    span_query, lines_query = (p["queryString"] for p in starts)
    assert f'filter @message like "{cid}"' in span_query and "stats" in span_query
    assert f'filter @message like "{cid}"' in lines_query and "sort @timestamp asc" in lines_query
    assert all(params["logGroupNames"] == catalog.log_groups() for params in starts)
    span_params, lines_params = starts
    assert span_params["startTime"] == window.start // 1000  # StartQuery counts seconds
    assert span_params["endTime"] >= window.end // 1000
    # the sandbox's Insights runs `stats`: the lines are fetched over the workflow's span only
    stamps = [int(parse_timestamp(ln["timestamp"]) or 0) for ln in first]
    assert lines_params["startTime"] == min(stamps) // 1000
    assert lines_params["endTime"] == -(-max(stamps) // 1000)
    polls = [p for name, p in calls.calls if name == "GetQueryResults"]
    assert len(polls) == 2
    assert all(m.startswith("Logs Insights Complete") for m in progress)


class SlowQueries:
    """The real client, except that each query reports Scheduled, then Running, before its real
    (moto) result: AWS answers asynchronously, moto finishes every query at once."""

    def __init__(self, client: Any, polls_before_done: int) -> None:
        self.client = client
        self.polls_before_done = polls_before_done
        self.seen: Counter[str] = Counter()
        self.statuses: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def get_query_results(self, queryId: str) -> dict[str, Any]:  # noqa: N803 (boto3's name)
        self.seen[queryId] += 1
        if self.seen[queryId] <= self.polls_before_done:
            status = "Scheduled" if self.seen[queryId] == 1 else "Running"
            self.statuses.append(status)
            return {"status": status, "results": [], "statistics": {"recordsScanned": 10.0}}
        result: dict[str, Any] = self.client.get_query_results(queryId=queryId)
        self.statuses.append(result["status"])
        return result


def test_insights_polls_until_complete_with_progress(
    logs: Any, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    first, second, _ = two_workflows
    catalog = load_catalog()
    slow = SlowQueries(logs, polls_before_done=3)
    progress: list[str] = []
    source = CloudWatchSource(
        slow, catalog.log_groups(), poll_interval_s=0, progress=progress.append
    )
    found = source.trace_insights(Matcher(first[0]["correlation_id"], catalog), window_of(first))
    assert len(found.lines) == len(first)
    assert slow.statuses == ["Scheduled", "Running", "Running", "Complete"] * 2
    assert [m.split(":")[0] for m in progress][:4] == [
        "Logs Insights Scheduled", "Logs Insights Running", "Logs Insights Running",
        "Logs Insights Complete",
    ]  # fmt: skip


def test_groups_are_queried_in_batches_of_50(logs: Any) -> None:
    names = [f"/aws/lambda/svc-{i:03d}" for i in range(GROUPS_PER_QUERY + 12)]
    assert [len(b) for b in batches(names)] == [GROUPS_PER_QUERY, 12]
    for name in names:
        logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=names[-1], logStreamName="s")
    now = int(time.time() * 1000)  # CloudWatch rejects events older than 14 days
    logs.put_log_events(
        logGroupName=names[-1],
        logStreamName="s",
        logEvents=[{"timestamp": now, "message": '{"correlation_id": "wf-1"}'}],
    )
    calls = CallLog(logs)
    source = CloudWatchSource(logs, names)
    found = source.trace_insights(Matcher("wf-1"), Window(now - 60_000, now + 60_000))
    assert len(found.lines) == 1
    sent = [p["logGroupNames"] for name, p in calls.calls if name == "StartQuery"]
    distinct = [g for i, g in enumerate(sent) if g not in sent[:i]]
    assert distinct == [names[:GROUPS_PER_QUERY], names[GROUPS_PER_QUERY:]]
    assert all(len(groups) <= GROUPS_PER_QUERY for groups in sent)


def test_insights_failure_falls_back_to_filter_log_events(
    logs: Any, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    first, second, _ = two_workflows
    catalog = load_catalog()
    groups = [*catalog.log_groups(), "/aws/lambda/not-deployed-yet"]  # StartQuery refuses this
    calls = CallLog(logs)
    source = CloudWatchSource(logs, groups)
    found = source.trace(Matcher(first[0]["correlation_id"], catalog), window_of(first + second))
    assert len(found.lines) == len(first)
    assert "fell back to FilterLogEvents" in found.notes[0]
    assert found.searched.startswith("FilterLogEvents over")
    assert calls.names()["FilterLogEvents"] == len(groups)


def test_not_found_in_cloudwatch_exits_2_and_says_what_was_searched(
    aws_endpoint: str, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    out = CliRunner().invoke(
        trace, ["workflow-nope", "--endpoint-url", aws_endpoint, "--since", "2h"]
    )
    assert out.exit_code == 2
    assert "no line of workflow-nope found" in out.output
    assert f"{len(load_catalog().log_groups())} log group(s)" in out.output
    assert "/aws/lambda/alchemiser-dev-strategy-orchestrator" in out.output


def test_last_finds_the_most_recent_workflow(
    aws_endpoint: str, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    first, second, _ = two_workflows
    out = CliRunner().invoke(
        trace, ["--last", "trading", "--format", "json", "--endpoint-url", aws_endpoint]
    )
    assert out.exit_code == 1, out.output  # the newer one is the failed run
    assert json.loads(out.stdout)["correlation_id"] == second[0]["correlation_id"]


def test_a_window_over_the_row_limit_narrows_itself(logs: Any) -> None:
    from tools.tracing.cloudwatch import ROW_LIMIT

    group = "/aws/lambda/busy"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    # a burst of more lines than one query returns, then a few two minutes later: the span is
    # split in two by its count, and its first half, still over the limit, splits again
    burst = ROW_LIMIT + 20
    total = burst + 30
    start = int(time.time() * 1000) - 200_000
    stamps = [start + i if i < burst else start + 120_000 + i * 10 for i in range(total)]
    events = [
        {"timestamp": at, "message": json.dumps({"correlation_id": "wf-9", "n": i})}
        for i, at in enumerate(stamps)
    ]
    for chunk in (events[:5000], events[5000:]):
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=chunk)
    calls = CallLog(logs)
    progress: list[str] = []
    source = CloudWatchSource(logs, [group], progress=progress.append)
    found = source.trace_insights(Matcher("wf-9"), Window(start - 5000, stamps[-1] + 5000))
    assert [ln.fields["n"] for ln in found.lines] == list(range(total))  # each line once
    assert any("splitting the window" in m for m in progress)
    assert calls.names()["StartQuery"] >= 5  # span, its two parts, the first part's two halves


def test_windows_split_into_adjacent_parts() -> None:
    window = Window(1_000, 1_999)
    parts = window.split(3)
    assert parts[0].start == window.start and parts[-1].end == window.end
    assert all(a.end + 1 == b.start for a, b in zip(parts, parts[1:], strict=False))
    assert Window(5, 5).split(4) == [Window(5, 5)]


def test_rows_shaped_as_real_logs_insights_returns_them() -> None:
    """AWS (unlike moto) returns stats rows, ``@timestamp`` as text and ``@log`` as
    ``account:group``; the span and the lines are read from that shape."""
    from tools.tracing.cloudwatch import _row_event, _span_of

    window = Window(1_766_000_000_000, 1_766_010_000_000)
    stats = [{"first_at": "2025-12-17 20:38:58.084", "last_at": "2025-12-17 20:39:55.174",
              "lines": "8193"}]  # fmt: skip
    span, count = _span_of(stats, window)
    assert (span.start, span.end, count) == (1_766_003_938_084, 1_766_003_995_174, 8193)
    assert _span_of([], window) == (window, 0)  # nothing matched: no stats row at all
    event = _row_event(
        {
            "@timestamp": "2025-12-17 20:38:58.084",
            "@message": '{"correlation_id": "wf-1", "message": "hi"}',
            "@log": "123456789012:/aws/lambda/alchemiser-dev-portfolio",
            "@logStream": "2025/12/17/[$LATEST]abc",
        }
    )
    assert event["@timestamp"] == 1_766_003_938_084
    assert event["@log"] == "/aws/lambda/alchemiser-dev-portfolio"
    line = Matcher("wf-1", load_catalog()).line(event)
    assert line is not None and line.service == "portfolio" and line.message == "hi"


def test_last_in_a_region_without_the_log_groups_says_they_do_not_exist(
    aws_endpoint: str, two_workflows: tuple[list[dict[str, Any]], list[dict[str, Any]], Path]
) -> None:
    """No run found where none of the start event's handlers' groups exists (another region)
    must not read like no run found where they do: the message counts the missing ones."""
    args = ["--last", "trading", "--endpoint-url", aws_endpoint, "--since", "2h"]
    out = CliRunner().invoke(trace, [*args, "--region", "us-west-2"])
    assert out.exit_code == 2
    assert (
        "no WorkflowStarted of workflow trading found; searched 1 log group(s) (1 not found)"
        in (out.output)
    )
