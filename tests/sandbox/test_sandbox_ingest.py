"""The second example (examples/ingest) in the sandbox: every start kind it uses completes, and
an API-started and a queue-started run trace end to end by correlation ID with `obskit trace`.

The ingest system is not the Alchemiser's shape (an API entry, a standard queue with partial
batch failures, a queue-started workflow, a nightly job that starts none), so these tests are
what keeps the sandbox honest about "any catalog".
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from catalog import load_catalog
from sandbox import state_file
from sandbox.clock import iso
from sandbox.session import Sandbox
from tools.cli import cli
from tools.trace_cli import trace

INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"


@pytest.fixture
def sandbox_catalog() -> Path:
    return INGEST


def _trace_json(box: Sandbox, correlation_id: str) -> dict[str, Any]:
    since = iso(box.clock.now() - 86400)
    until = iso(box.clock.now() + 60)
    result = CliRunner().invoke(
        trace,
        [correlation_id, "--endpoint-url", box.endpoint_url, "--catalog", str(INGEST)]
        + ["--since", since, "--until", until, "--format", "json"],
    )
    assert result.exit_code in (0, 1), result.output
    return dict(json.loads(result.output))


@pytest.mark.parametrize(("workflow", "kind"), [("ingest", "api"), ("reindex", "queue")])
def test_each_start_kind_of_the_example_completes(
    sandbox: Sandbox, workflow: str, kind: str
) -> None:
    entry = sandbox.catalog.workflow(workflow).entry()
    assert entry is not None and entry.kind == kind
    counts = sandbox.run_workflows(3, workflow=workflow, spacing_s=0.0)
    assert (counts.started, counts.completed, counts.failed) == (3, 3, 0)
    other = "reindex" if workflow == "ingest" else "ingest"
    assert sandbox.workflow_counts(other).started == 0


def test_a_mixed_load_follows_the_rates_and_leaves_no_alarm_firing(sandbox: Sandbox) -> None:
    # a healthy system has run its nightly job: without that run (the sandbox starts with no
    # history) the job's missed-run alarm rightly fires
    sandbox.invoke_schedule("ingest-dev-nightly-sweep")
    sandbox.run_workflows(5, spacing_s=0.0)  # rate 120 : 30 per hour
    sandbox.advance(300)
    assert sandbox.workflow_counts("ingest").completed == 4
    assert sandbox.workflow_counts("reindex").completed == 1
    states = sandbox.alarm_states()
    assert [name for name, state in states.items() if state == "ALARM"] == []
    for name in ("ingest-dev-workflow-ingest-sla-breach", "ingest-dev-parse-dlq-not-empty"):
        assert states[name] == "OK"


@pytest.mark.parametrize(
    ("workflow", "services"),
    [
        ("ingest", {"intake-api", "parser", "indexer", "notifier"}),
        ("reindex", {"reindexer", "indexer", "notifier"}),
    ],
)
def test_a_run_traces_end_to_end_by_correlation_id(
    sandbox: Sandbox, workflow: str, services: set[str]
) -> None:
    sandbox.run_workflows(1, workflow=workflow)
    sandbox.settle()
    (correlation_id,) = sandbox.correlation_ids()

    report = _trace_json(sandbox, correlation_id)

    flow = load_catalog(INGEST).workflow(workflow)
    assert report["status"] == "completed", report
    assert report["missing"] == [] and report["duplicates"] == [] and report["errors"] == []
    assert set(flow.steps) <= {event["event_type"] for event in report["events"]}
    ids = {event["event_id"] for event in report["events"]}
    roots = [e for e in report["events"] if e["causation_id"] not in ids]
    assert [e["event_type"] for e in roots] == [flow.start_event]
    assert roots[0]["causation_id"] == correlation_id
    assert {s["name"] for s in report["services"]} == services


def test_a_crashing_parser_retries_only_its_record_then_dead_letters_it(sandbox: Sandbox) -> None:
    """Partial batch failure: the crash fault fails each record; SQS redelivers it after the
    visibility timeout and moves it to the DLQ after maxReceiveCount (3) receives."""
    sandbox.inject_fault("parser", "crash")
    sandbox.run_workflows(1, workflow="ingest")
    sandbox.advance(3 * 360 + 120)
    assert sandbox.runner.stats["parser"].invocations == 3
    assert sandbox.runner.stats["parser"].errors == 0  # batchItemFailures: Lambda saw success
    assert sandbox.queue_depths()["ingest-dev-parse-dlq"].visible == 1
    assert sandbox.alarm_states()["ingest-dev-parse-dlq-not-empty"] == "ALARM"


def test_sandbox_run_takes_a_workflow_and_status_counts_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(state_file.ENV_VAR, str(tmp_path / "sandbox.json"))
    runner = CliRunner()
    up = runner.invoke(cli, ["sandbox", "up", "--catalog", str(INGEST)])
    assert up.exit_code == 0, up.output
    try:
        run = runner.invoke(cli, ["sandbox", "run", "--workflow", "reindex", "-n", "2"])
        assert run.exit_code == 0, run.output
        unknown = runner.invoke(cli, ["sandbox", "run", "--workflow", "nope"])
        assert unknown.exit_code == 2
        assert "no workflow 'nope' (workflows: ingest, reindex)" in unknown.output
        status = runner.invoke(cli, ["sandbox", "status", "--format", "json"])
        assert status.exit_code == 0, status.output
        workflows = json.loads(status.output)["workflows"]
        assert workflows["reindex"] == {"started": 2, "completed": 2, "failed": 0}
        assert workflows["ingest"]["started"] == 0
    finally:
        down = runner.invoke(cli, ["sandbox", "down"])
    assert down.exit_code == 0, down.output


def test_the_demo_on_this_catalog_traces_with_this_catalog() -> None:
    """`obskit demo --catalog F` traced its workflow against the embedded example's log groups
    (`no line of workflow-... found`) before it passed its own catalog to `obskit trace`."""
    result = CliRunner().invoke(
        cli, ["demo", "--catalog", str(INGEST), "--workflows", "2", "--no-drills"]
    )
    assert result.exit_code == 0, result.output
    assert "no line of" not in result.output
    assert "alchemiser" not in result.output
    assert "DocumentIndexed" in result.output


def _log_correlation_ids(endpoint: str) -> list[str]:
    """The correlation ID of every workflow's first line (intake-api and reindexer) at
    ``endpoint``, one per run that started."""
    from sandbox.aws import client_for

    logs = client_for("logs", endpoint, "eu-west-1")
    found: list[str] = []
    for service, message in (("intake-api", "Document received"), ("reindexer", None)):
        group = f"/aws/lambda/ingest-dev-{service}"
        for event in logs.filter_log_events(logGroupName=group)["events"]:
            if not event["message"].startswith("{"):
                continue
            line = json.loads(event["message"])
            if message is None or line.get("message") == message:
                found.append(str(line.get("correlation_id")))
    return found


def test_up_run_workflow_fault_status_down_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented flow on this example: no traceback, fresh IDs every run, the nightly job
    runs when the clock passes its run time, and nothing is left running."""
    from catalog.cron_runs import run_times

    monkeypatch.setenv(state_file.ENV_VAR, str(tmp_path / "sandbox.json"))
    now = time.time()
    (slot, *_) = run_times("cron(30 2 * * ? *)", "Europe/Berlin", now - 3 * 86400, now - 86400)
    runner = CliRunner()
    up = runner.invoke(cli, ["sandbox", "up", "--catalog", str(INGEST), "--start", iso(slot - 600)])
    assert up.exit_code == 0, up.output
    saved = state_file.load()
    try:
        steps = [
            ["sandbox", "run", "-n", "3"],
            ["sandbox", "run", "--workflow", "reindex", "-n", "2"],
            ["sandbox", "run", "-n", "2", "--fault", "parser=crash", "--advance", "900"],
        ]
        for args in steps:
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, result.output
            assert "Traceback" not in result.output
        status = runner.invoke(cli, ["sandbox", "status", "--format", "json"])
        assert status.exit_code == 0, status.output
        snapshot = json.loads(status.output)
        assert snapshot["runs"] == 3
        workflows = snapshot["workflows"]
        started = workflows["ingest"]["started"] + workflows["reindex"]["started"]
        assert started == 7 and workflows["reindex"]["started"] >= 2
        ids = _log_correlation_ids(saved.endpoint_url)
        assert len(ids) == len(set(ids)) == started  # never the same ID twice
        alarms = {a["name"]: a for a in snapshot["alarms"]}
        assert alarms["ingest-dev-parse-dlq-not-empty"]["state"] == "ALARM"  # the crash
        # the nightly sweep ran when the third run's clock passed 02:30 Berlin
        assert alarms["ingest-dev-retention-sweeper-missed-run"]["state"] == "OK"
    finally:
        down = runner.invoke(cli, ["sandbox", "down"])
    assert down.exit_code == 0, down.output
    for _ in range(100):
        if not (
            state_file.is_moto_process(saved.pid or 0)
            or state_file.is_gateway_process(saved.gateway_pid or 0)
        ):
            break
        time.sleep(0.05)
    assert not state_file.is_moto_process(saved.pid or 0)
    assert not state_file.is_gateway_process(saved.gateway_pid or 0)
