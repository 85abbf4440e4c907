"""``obskit sandbox up / run / status / down`` through click, on a moto_server it starts itself."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox import state_file
from sandbox.aws import client_for
from tools.cli import cli

pytestmark = pytest.mark.slow


def test_up_run_status_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "sandbox.json"
    monkeypatch.setenv(state_file.ENV_VAR, str(state))
    runner = CliRunner()
    assert "sandbox" in runner.invoke(cli, ["--help"]).output

    up = runner.invoke(cli, ["sandbox", "up"])
    assert up.exit_code == 0, up.output
    saved = state_file.load()
    assert saved.endpoint_url in up.output and saved.pid is not None
    assert f"export AWS_ENDPOINT_URL={saved.gateway_url}" in up.output
    try:
        run = runner.invoke(cli, ["sandbox", "run", "--workflows", "1"])
        assert run.exit_code == 0, run.output
        assert "alchemiser-dev-event-dlq-not-empty" in run.output
        assert state_file.load().clock > saved.clock  # the next run continues the timeline

        status = runner.invoke(cli, ["sandbox", "status"])
        assert status.exit_code == 0, status.output
        assert "running" in status.output and "alchemiser-dev-execution.fifo" in status.output
    finally:
        down = runner.invoke(cli, ["sandbox", "down"])
    assert down.exit_code == 0 and "stopped" in down.output
    assert not state.exists()
    assert saved.gateway_pid is not None
    for _ in range(100):  # the gateway stops too
        if not state_file.is_gateway_process(saved.gateway_pid):
            break
        time.sleep(0.05)
    assert not state_file.is_gateway_process(saved.gateway_pid)
    again = runner.invoke(cli, ["sandbox", "down"])
    assert again.exit_code == 1 and "no sandbox is up" in again.output


def test_a_runbook_acts_on_the_sandbox_through_the_exported_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `up` exports is where runbook commands go: the functions exist, an asynchronous
    Invoke lands on the function's delivery queue, and reserved concurrency set there throttles
    the function in the next `run`."""
    monkeypatch.setenv(state_file.ENV_VAR, str(tmp_path / "sandbox.json"))
    runner = CliRunner()
    up = runner.invoke(cli, ["sandbox", "up"])
    assert up.exit_code == 0, up.output
    saved = state_file.load()
    try:
        assert saved.gateway_url is not None
        lam, sqs = (
            client_for(service, saved.gateway_url, "us-east-1") for service in ("lambda", "sqs")
        )
        names = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
        assert "alchemiser-dev-portfolio" in names and len(names) == 8
        answer = lam.invoke(
            FunctionName="alchemiser-dev-portfolio", InvocationType="Event", Payload=b"{}"
        )
        assert answer["StatusCode"] == 202
        url = sqs.get_queue_url(QueueName="alchemiser-dev-portfolio-async-invoke")["QueueUrl"]
        depth = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        assert depth["Attributes"]["ApproximateNumberOfMessages"] == "1"

        lam.put_function_concurrency(
            FunctionName="alchemiser-dev-portfolio", ReservedConcurrentExecutions=0
        )
        run = runner.invoke(cli, ["sandbox", "run", "--workflows", "1"], terminal_width=200)
        assert run.exit_code == 0, run.output
        row = next(line for line in run.output.splitlines() if line.startswith("│ portfolio "))
        invocations, errors, throttles = (cell.strip() for cell in row.split("│")[2:5])
        assert invocations == "0" and int(throttles) > 0, row
    finally:
        runner.invoke(cli, ["sandbox", "down"])


def test_run_without_up_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(state_file.ENV_VAR, str(tmp_path / "none.json"))
    result = CliRunner().invoke(cli, ["sandbox", "run"])
    assert result.exit_code == 2
    assert "obskit sandbox up" in result.output


def _correlation_ids(endpoint: str) -> set[str]:
    """Every correlation ID in the JSON lines of every log group at ``endpoint``."""
    logs = client_for("logs", endpoint, "us-east-1")
    found: set[str] = set()
    for group in logs.describe_log_groups()["logGroups"]:
        name = group["logGroupName"]
        for event in logs.filter_log_events(logGroupName=name)["events"]:
            if event["message"].startswith("{"):
                found.add(json.loads(event["message"]).get("correlation_id"))
    found.discard(None)
    return found


def test_successive_runs_continue_one_timeline_with_fresh_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second `sandbox run` on the same sandbox used to crash (CreateLogStream answered
    ResourceAlreadyExistsException) and repeat the first run's IDs, merging two workflows."""
    monkeypatch.setenv(state_file.ENV_VAR, str(tmp_path / "sandbox.json"))
    runner = CliRunner()
    up = runner.invoke(cli, ["sandbox", "up"])
    assert up.exit_code == 0, up.output
    endpoint = state_file.load().endpoint_url
    try:
        first = runner.invoke(cli, ["sandbox", "run", "--workflows", "1"])
        assert first.exit_code == 0, first.output
        second = runner.invoke(cli, ["sandbox", "run", "--workflows", "1"])
        assert second.exit_code == 0, second.output
        assert second.exception is None or isinstance(second.exception, SystemExit)
        assert len(_correlation_ids(endpoint)) == 2  # one workflow per run, never the same ID
        faulted = runner.invoke(
            cli, ["sandbox", "run", "-n", "1", "--fault", "portfolio=crash", "--advance", "900"]
        )
        assert faulted.exit_code == 0, faulted.output

        status = runner.invoke(cli, ["sandbox", "status", "--format", "json"])
        assert status.exit_code == 0, status.output
        snapshot = json.loads(status.output)
        saved = state_file.load()
        assert snapshot["endpoint"] == endpoint and snapshot["gateway"] == saved.gateway_url
        assert snapshot["runs"] == 3 and snapshot["clock"].endswith("Z")
        assert snapshot["workflows"]["trading"] == {"started": 3, "completed": 2, "failed": 0}
        alarms = {a["name"]: a for a in snapshot["alarms"]}
        assert alarms["alchemiser-dev-portfolio-errors"]["transitions"] >= 1  # the crash paged
        assert alarms["alchemiser-dev-execution-errors"]["transitions"] == 0
        queues = {q["name"]: q for q in snapshot["queues"]}
        assert set(queues["alchemiser-dev-event-dlq"]) == {"name", "visible", "in_flight"}
        text = runner.invoke(cli, ["sandbox", "status"])
        assert f"export AWS_ENDPOINT_URL={saved.gateway_url}" in text.output
    finally:
        runner.invoke(cli, ["sandbox", "down"])


def test_run_seeds_differ_per_run_and_keep_the_first() -> None:
    assert state_file.run_seed(7, 0) == 7
    seeds = {state_file.run_seed(7, run) for run in range(50)}
    assert len(seeds) == 50
    assert state_file.run_seed(7, 3) == state_file.run_seed(7, 3)
