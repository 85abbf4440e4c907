"""The generated query library, answered by the sandbox's Logs Insights as by `obskit query`.

For each example catalog (and one written here), a few workflows' lines - the logger's JSON lines
and Lambda's START / END / REPORT lines - go into the catalog's log groups on the sandbox's
moto_server, and the same events into a file shaped like `aws logs filter-log-events` output.
Every saved query then runs twice through `obskit query`: on the file (the local engine) and on the
endpoint (StartQuery / GetQueryResults). The rows must be the same; only ``@log`` differs, as on
AWS, where it reads ``account-id:log-group-name``.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from catalog import Catalog, load_catalog
from insights_queries import parameters
from insights_queries.library import build_queries
from insights_queries.values import to_text
from tools.query_cli import query

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"

WRITTEN_CATALOG = """
system: shop
stage: test
region: eu-west-1
runbook_url: https://runbooks.example.com/shop.md
services:
  - name: intake
    function_name: shop-test-intake
    log_group: /aws/lambda/shop-test-intake
    trigger: direct
    emits: [OrderReceived]
  - name: billing
    function_name: shop-test-billing
    log_group: /aws/lambda/shop-test-billing
    consumes: [OrderReceived]
    emits: [OrderBilled, OrderRejected]
buses:
  - name: shop-test-bus
    rules:
      - name: shop-test-to-billing
        event_types: [OrderReceived]
        targets: [{service: billing}]
event_types:
  - name: OrderReceived
  - name: OrderBilled
  - name: OrderRejected
workflows:
  - name: ordering
    start_event: OrderReceived
    success_event: OrderBilled
    failure_events: [OrderRejected]
    sla_s: 60
notifications:
  alerts_topic: shop-test-alerts
topics:
  - name: shop-test-alerts
    purpose: alerts
"""


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def workflow_events(catalog: Catalog, base_ms: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Three workflows through every service that has a log group, one failing: CloudWatch
    events (group, stream, timestamp, message), each at its own millisecond, and the workflows'
    correlation IDs."""
    services = [s for s in catalog.services if s.log_group]
    events: list[dict[str, Any]] = []
    correlation_ids: list[str] = []
    clock = base_ms
    for run in range(3):
        cid = f"workflow-{run:04d}-test"
        correlation_ids.append(cid)
        parent = cid
        for index, service in enumerate(services):
            assert service.log_group is not None
            request = f"{run:08x}-0000-4000-8000-{index:012x}"
            stream = f"2026/01/01/[$LATEST]{service.name}{run}"
            event_type = (service.consumes or service.emits or ["Invoked"])[0]
            event_id = f"evt-{run}-{index}"
            failing = run == 2 and index == len(services) - 1
            lines: list[str] = [f"START RequestId: {request} Version: $LATEST"]
            for step, (level, message) in enumerate(
                [("INFO", "Handling event"), ("ERROR" if failing else "INFO", "Done")]
            ):
                lines.append(
                    json.dumps(
                        {
                            "timestamp": _iso(clock + len(lines)),
                            "level": level,
                            "message": message if not failing else "Order rejected",
                            "service": service.name,
                            "function_name": service.function_name,
                            "function_request_id": request,
                            "correlation_id": cid,
                            "causation_id": parent,
                            "event_id": event_id,
                            "event_type": event_type,
                            "step": step,
                            "cold_start": run == 0,
                        }
                    )
                )
            lines.append(f"END RequestId: {request}")
            init = "\tInit Duration: 412.50 ms" if run == 0 else ""
            lines.append(
                f"REPORT RequestId: {request}\tDuration: {20 + 7 * index + run:.2f} ms\t"
                f"Billed Duration: {21 + 7 * index + run} ms\tMemory Size: 128 MB\t"
                f"Max Memory Used: {60 + index} MB{init}"
            )
            for line in lines:
                clock += 1
                events.append(
                    {"group": service.log_group, "stream": stream, "at": clock, "message": line}
                )
            parent = event_id
            clock += 250
    return events, correlation_ids


def publish(logs: Any, events: list[dict[str, Any]]) -> None:
    """The events into their log groups and streams (created as Lambda would)."""
    streams: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for event in events:
        streams.setdefault((event["group"], event["stream"]), []).append(
            {"timestamp": event["at"], "message": event["message"]}
        )
    for group in sorted({group for group, _ in streams}):
        logs.create_log_group(logGroupName=group)
    for (group, stream), batch in streams.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)


def export(events: list[dict[str, Any]], path: Path) -> Path:
    """The events as `aws logs filter-log-events` prints them (with each event's group)."""
    document = {
        "events": [
            {
                "logGroupName": e["group"],
                "logStreamName": e["stream"],
                "timestamp": e["at"],
                "message": e["message"],
                "ingestionTime": e["at"],
            }
            for e in sorted(events, key=lambda e: e["at"])
        ]
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _rows(output: str, *, remote: bool) -> tuple[list[dict[str, str]], int]:
    """Rows as text (empty values dropped, ``@log`` as a plain group name), and records matched."""
    document = json.loads(output)
    rows = []
    for row in document["rows"]:
        shown = {k: v if remote else to_text(v) for k, v in row.items() if v not in (None, "")}
        if remote and "@log" in shown:
            account, _, group = shown["@log"].partition(":")
            assert account == ACCOUNT, shown["@log"]
            shown["@log"] = group
        rows.append(shown)
    return rows, int(document["statistics"]["records_matched"])


CATALOGS = {
    "alchemiser": REPO / "examples" / "alchemiser" / "catalog.yaml",
    "orders": REPO / "examples" / "orders" / "catalog.yaml",
    "written": None,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CATALOGS))
def test_every_saved_query_answers_as_obskit_query_on_the_same_lines(
    name: str, aws_endpoint: str, tmp_path: Path
) -> None:
    path = CATALOGS[name]
    if path is None:
        path = tmp_path / "catalog.yaml"
        path.write_text(WRITTEN_CATALOG, encoding="utf-8")
    catalog = load_catalog(path)
    base_ms = (int(time.time()) - 3600) * 1000  # CloudWatch refuses events over 14 days old
    events, correlation_ids = workflow_events(catalog, base_ms)
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name=catalog.region)
    publish(logs, events)
    window = ["--since", _iso(base_ms - 60_000), "--until", _iso(events[-1]["at"] + 60_000)]
    saved_queries = build_queries(catalog)
    assert saved_queries
    answered = 0
    for saved in saved_queries:
        args = ["--query-name", saved.name, "--catalog", str(path), "--format", "json"]
        for parameter in parameters(saved.query):
            assert parameter == "correlation_id", f"{saved.name}: no value for {parameter}"
            args += ["--param", f"correlation_id={correlation_ids[1]}"]
        groups = set(saved.log_groups) or set(catalog.log_groups())  # what the endpoint reads
        capture = export([e for e in events if e["group"] in groups], tmp_path / "capture.json")
        local = CliRunner().invoke(query, [*args, str(capture)])
        assert local.exit_code == 0, f"{saved.name}: {local.output}"
        remote = CliRunner().invoke(
            query, [*args, "--endpoint-url", aws_endpoint, "--region", catalog.region, *window]
        )
        assert remote.exit_code == 0, f"{saved.name}: {remote.output}"
        local_rows, local_matched = _rows(local.stdout, remote=False)
        remote_rows, remote_matched = _rows(remote.stdout, remote=True)
        assert remote_rows == local_rows, saved.name
        assert remote_matched == local_matched, saved.name
        answered += bool(remote_rows)
    # most queries find something in these lines: the comparison is not of empty answers
    assert answered >= len(saved_queries) // 2, answered
