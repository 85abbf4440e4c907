"""Two workflows that start with the same event: `trace ID` names the workflow whose later events
the trace saw, and `trace --last W` takes the newest start that is W's, not merely the newest start.
(Both used to take the first workflow with that start event, and the newest start.)"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from catalog import load_catalog
from catalog.models import Catalog
from insights_queries.timestamps import parse_timestamp
from tools.trace_cli import trace
from tools.tracing.analysis import analyse
from tools.tracing.cloudwatch import CloudWatchSource, Window
from tools.tracing.model import iso
from tools.tracing.sources import latest_workflow_in_files, read_files
from tools.tracing.workflow_pick import distinctive_events

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders" / "catalog.yaml"
BASE = 1_766_003_938_000


@pytest.fixture
def shared_start_catalog() -> Catalog:
    """The orders example with its refund workflow started by an order, as checkout is.

    ``catalog check`` refuses such a catalog (nothing in it tells the two workflows' runs apart),
    so it is built past the check: the trace must still read each run as its own workflow, from
    the events the lines show, whatever catalog it is given."""
    catalog = load_catalog(ORDERS)
    refund = catalog.workflow("refund").model_copy(
        update={"start_event": "OrderPlaced", "steps": ["OrderPlaced", "RefundIssued"]}
    )
    workflows = [refund if w.name == "refund" else w for w in catalog.workflows]
    shared = catalog.model_copy(update={"workflows": workflows})
    assert shared.workflow("refund").start_event == shared.workflow("checkout").start_event
    return shared


def _event(at_s: float, cid: str, service: str, event_type: str, n: int) -> dict[str, Any]:
    return {
        "timestamp": iso(BASE + round(at_s * 1000)),
        "level": "INFO",
        "message": f"handled {event_type}",
        "service": service,
        "correlation_id": cid,
        "causation_id": cid if n == 0 else f"{cid}-e{n - 1}",
        "event_id": f"{cid}-e{n}",
        "event_type": event_type,
    }


@pytest.fixture
def lines(tmp_path: Path) -> Path:
    """A checkout at t=0 s, then (newer) a refund at t=60 s, both starting at OrderPlaced."""
    # each event as its consumer logs handling it (what the logger writes)
    checkout = [
        ("payment-worker", "OrderPlaced"),
        ("shipping", "PaymentCaptured"),
        ("customer-email", "OrderShipped"),
    ]
    refund = [("payment-worker", "OrderPlaced"), ("customer-email", "RefundIssued")]
    records = [_event(i, "wf-checkout", s, t, i) for i, (s, t) in enumerate(checkout)]
    records += [_event(60 + i, "wf-refund", s, t, i) for i, (s, t) in enumerate(refund)]
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _latest_in_files(catalog: Catalog, workflow: str, lines: Path) -> str | None:
    flow = catalog.workflow(workflow)
    own, other = distinctive_events(catalog, flow)
    return latest_workflow_in_files(flow.start_event, [lines], own, other)


@pytest.mark.parametrize(
    ("workflow", "cid"), [("checkout", "wf-checkout"), ("refund", "wf-refund")]
)
def test_last_takes_the_newest_start_that_is_that_workflows(
    shared_start_catalog: Catalog, lines: Path, workflow: str, cid: str
) -> None:
    assert _latest_in_files(shared_start_catalog, workflow, lines) == cid


@pytest.mark.parametrize(
    ("cid", "workflow"), [("wf-checkout", "checkout"), ("wf-refund", "refund")]
)
def test_an_id_is_traced_as_the_workflow_its_events_show(
    shared_start_catalog: Catalog, lines: Path, cid: str, workflow: str
) -> None:
    result = analyse(read_files(cid, [lines], shared_start_catalog), shared_start_catalog)
    assert result.workflow == workflow
    assert result.status == "completed"  # its own success event, not the other's missing one


def test_the_json_names_the_workflow(lines: Path) -> None:
    result = CliRunner().invoke(
        trace, ["wf-checkout", str(lines), "--catalog", str(ORDERS), "--format", "json"]
    )
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.output)["workflow"] == "checkout"


def test_last_on_cloudwatch_takes_the_newest_start_that_is_that_workflows(
    shared_start_catalog: Catalog, lines: Path, aws_endpoint: str
) -> None:
    """The same choice when the lines are in CloudWatch Logs (moto_server over HTTP)."""
    catalog = shared_start_catalog
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name=catalog.region)
    # CloudWatch Logs refuses events older than 14 days: the lines move to an hour ago.
    shift = int(time.time() * 1000) - 3_600_000 - BASE
    records = [json.loads(text) for text in lines.read_text(encoding="utf-8").splitlines()]
    groups = catalog.log_groups()
    for group in groups:
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    for record in records:
        at = int(parse_timestamp(record["timestamp"]) or 0) + shift
        logs.put_log_events(
            logGroupName=catalog.service(record["service"]).log_group,
            logStreamName="s",
            logEvents=[{"timestamp": at, "message": json.dumps(record)}],
        )
    source = CloudWatchSource(logs, groups)
    window = Window(BASE + shift - 60_000, BASE + shift + 600_000)
    for workflow, cid in (("checkout", "wf-checkout"), ("refund", "wf-refund")):
        flow = catalog.workflow(workflow)
        own, other = distinctive_events(catalog, flow)
        assert source.latest_correlation_id(flow.start_event, window, None, own, other) == cid
