"""`obskit trace` on what the sandbox wrote to CloudWatch Logs: the full causation tree.

The sandbox runs the example services with Lambda's semantics and writes their lines, with START /
END / REPORT, to each service's log group in moto_server. Tracing a workflow there is what an
operator does in AWS, so this is the end-to-end proof that the IDs the logger writes rebuild the
whole workflow: every catalog step handled once, nothing missing, no orphan.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from catalog import load_catalog
from sandbox.clock import iso
from sandbox.session import Sandbox
from tools.trace_cli import trace


def _trace_json(box: Sandbox, correlation_id: str) -> dict:
    # The window comes from the sandbox's simulated clock, never from the wall clock: the sandbox
    # may start days back (on a day the catalog's schedules run, or wherever the suite pins it).
    since = iso(box.clock.now() - 86400)
    until = iso(box.clock.now() + 60)
    result = CliRunner().invoke(
        trace,
        [correlation_id, "--endpoint-url", box.endpoint_url, "--since", since, "--until", until]
        + ["--format", "json"],
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def test_a_sandbox_workflow_traces_to_its_full_causation_tree(sandbox: Sandbox) -> None:
    sandbox.run_workflows(1)
    sandbox.settle()
    (correlation_id,) = sandbox.correlation_ids()

    report = _trace_json(sandbox, correlation_id)

    workflow = load_catalog().workflow("trading")
    assert report["status"] == "completed"
    assert report["missing"] == [] and report["duplicates"] == [] and report["errors"] == []
    seen_types = {event["event_type"] for event in report["events"]}
    assert set(workflow.steps) <= seen_types
    ids = {event["event_id"] for event in report["events"]}
    roots = [e for e in report["events"] if e["causation_id"] not in ids]
    assert [e["event_type"] for e in roots] == [workflow.start_event]
    assert roots[0]["causation_id"] == correlation_id
    services_with_lines = {s["name"] for s in report["services"]}
    assert services_with_lines == {s.name for s in load_catalog().services}


def test_a_failed_handler_shows_where_the_workflow_stopped(sandbox: Sandbox) -> None:
    sandbox.inject_fault("portfolio", "crash")
    sandbox.run_workflows(1)
    sandbox.advance(600)
    (correlation_id,) = sandbox.correlation_ids()

    report = _trace_json(sandbox, correlation_id)

    assert report["status"] in ("failed", "incomplete")
    assert any(m["expected_event_type"] == "RebalancePlanned" for m in report["missing"]), report[
        "missing"
    ]
    assert any(e["service"] == "portfolio" for e in report["errors"])
