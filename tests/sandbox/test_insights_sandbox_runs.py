"""What an operator asks Logs Insights about a sandbox run gets the run's real answers: the AWS CLI,
`obskit trace` (its Insights path, no fallback) and the Lambda lines the sandbox writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
from click.testing import CliRunner

from catalog import load_catalog
from sandbox.clock import iso
from sandbox.session import Sandbox
from tools.trace_cli import trace


def _aws() -> str:
    beside = Path(sys.executable).parent / "aws"  # the AWS CLI installed with obskit
    found = str(beside) if beside.exists() else shutil.which("aws")
    assert found, "the AWS CLI (pip install awscli) is needed for this test"
    return found


def _window(box: Sandbox) -> tuple[int, int]:
    """An hour before the sandbox's clock to a minute after it, in epoch seconds (never the wall
    clock: the sandbox runs where its clock was pinned)."""
    now = box.clock.now()
    return int(now) - 3600, int(now) + 60


def test_aws_cli_start_query_gets_the_runs_invocations(sandbox: Sandbox) -> None:
    sandbox.run_workflows(2)
    sandbox.settle()
    catalog = load_catalog()
    group = catalog.service("portfolio").log_group
    assert group is not None
    start, end = _window(sandbox)
    env = dict(os.environ, AWS_DEFAULT_REGION=catalog.region)
    common = [
        "--endpoint-url",
        sandbox.endpoint_url,
        "--region",
        catalog.region,
        "--output",
        "json",
    ]
    started = subprocess.run(
        [_aws(), "logs", "start-query", "--log-group-name", group]
        + ["--start-time", str(start), "--end-time", str(end)]
        + ["--query-string", "filter @type = 'REPORT' | stats count(*) as invocations"]
        + common,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    query_id = json.loads(started.stdout)["queryId"]
    results = subprocess.run(
        [_aws(), "logs", "get-query-results", "--query-id", query_id, *common],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert results.returncode == 0, results.stderr
    answer = json.loads(results.stdout)
    assert answer["status"] == "Complete"
    assert answer["results"] == [[{"field": "invocations", "value": "2"}]]  # one per workflow


def test_the_sandboxs_lambda_lines_are_discovered(sandbox: Sandbox) -> None:
    sandbox.run_workflows(1)
    sandbox.settle()
    start, end = _window(sandbox)
    catalog = load_catalog()
    logs = boto3.client("logs", endpoint_url=sandbox.endpoint_url, region_name=catalog.region)
    query = (
        "filter @type = 'REPORT' | stats count(*) as n, count(@initDuration) as cold,"
        " min(@duration) as fastest by @log | sort @log asc"
    )
    query_id = logs.start_query(
        logGroupNames=catalog.log_groups(), startTime=start, endTime=end, queryString=query
    )["queryId"]
    rows = [
        {c["field"]: c["value"] for c in row}
        for row in logs.get_query_results(queryId=query_id)["results"]
    ]
    assert len(rows) == len({s.name for s in catalog.services if s.log_group})
    for row in rows:
        # each new execution environment starts cold (the first invocation among them)
        assert 1 <= int(row["cold"]) <= int(row["n"]), row
        assert float(row["fastest"]) > 0


def test_trace_finds_a_sandbox_workflow_through_logs_insights(sandbox: Sandbox) -> None:
    sandbox.run_workflows(2)
    sandbox.settle()
    correlation_id = sandbox.correlation_ids()[0]
    now = sandbox.clock.now()
    result = CliRunner().invoke(
        trace,
        [correlation_id, "--endpoint-url", sandbox.endpoint_url, "--via", "insights"]
        + ["--since", iso(now - 3600), "--until", iso(now + 60), "--max-lines", "0"],
    )
    assert result.exit_code == 0, result.output
    assert "searched Logs Insights over" in result.output
    assert "fell back" not in result.output
    region = load_catalog().region
    logs = boto3.client("logs", endpoint_url=sandbox.endpoint_url, region_name=region)
    ran = logs.describe_queries()["queries"]
    assert len(ran) == 2 and {q["status"] for q in ran} == {"Complete"}
    assert all(correlation_id in q["queryString"] for q in ran)
