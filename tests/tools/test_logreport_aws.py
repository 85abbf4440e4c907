"""`obskit logs report --aws`: FilterLogEvents over the catalog's log groups, on moto_server."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from catalog import load_catalog
from tools.cli import cli

HOUR_MS = 3_600_000


def _put(client: Any, group: str, lines: list[tuple[int, dict[str, Any] | str]]) -> None:
    client.create_log_group(logGroupName=group)
    client.create_log_stream(logGroupName=group, logStreamName="2026/01/05/[$LATEST]abc")
    client.put_log_events(
        logGroupName=group,
        logStreamName="2026/01/05/[$LATEST]abc",
        logEvents=[
            {"timestamp": ts, "message": body if isinstance(body, str) else json.dumps(body)}
            for ts, body in lines
        ],
    )


def _invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["logs", "report", "--aws", *args])


@pytest.fixture
def seeded(aws_endpoint: str, example_catalog_path: Path) -> dict[str, Any]:
    catalog = load_catalog(example_catalog_path)
    worker = catalog.service("strategy-worker").log_group
    portfolio = catalog.service("portfolio").log_group
    assert worker and portfolio
    client = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    now = int(time.time() * 1000)
    recent = now - HOUR_MS
    worker_lines: list[tuple[int, dict[str, Any] | str]] = [
        (
            recent + i,
            {
                "level": "debug",
                "event": "dispatching_dsl_function",
                "symbol": "rsi",
                "correlation_id": "wf-1",
            },
        )
        for i in range(30)
    ]
    worker_lines.append(
        (
            recent + 40,
            {"level": "info", "event": "Fetched 200 bars for SPY", "correlation_id": "wf-1"},
        )
    )
    old = now - 3 * 24 * HOUR_MS  # outside a 24 h window
    portfolio_lines: list[tuple[int, dict[str, Any] | str]] = [
        (old, {"level": "info", "message": "old line", "correlation_id": "wf-0"}),
        (
            recent + 50,
            {
                "level": "error",
                "message": "Portfolio analysis completed but no event",
                "correlation_id": "wf-1",
            },
        ),
        (recent + 60, "START RequestId: 3f1e2d4c-1111-2222-3333-444455556666 Version: $LATEST"),
    ]
    _put(client, worker, worker_lines)
    _put(client, portfolio, portfolio_lines)
    return {
        "endpoint": aws_endpoint,
        "catalog": str(example_catalog_path),
        "worker": (worker, worker_lines),
        "portfolio": (portfolio, portfolio_lines),
        "groups": catalog.log_groups(),
    }


def _size(body: dict[str, Any] | str) -> int:
    return len((body if isinstance(body, str) else json.dumps(body)).encode())


def test_reads_the_catalogs_log_groups_in_the_window(seeded: dict[str, Any]) -> None:
    result = _invoke(
        "--endpoint-url",
        seeded["endpoint"],
        "--catalog",
        seeded["catalog"],
        "--since",
        "24h",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    worker_group, worker_lines = seeded["worker"]
    portfolio_group, portfolio_lines = seeded["portfolio"]
    recent_portfolio = portfolio_lines[1:]
    services = {row["service"]: row["lines"] for row in report["by_service"]}
    assert services == {"strategy-worker": len(worker_lines), "portfolio": len(recent_portfolio)}
    expected_bytes = sum(_size(b) for _t, b in worker_lines + recent_portfolio)
    assert report["totals"]["bytes"] == expected_bytes
    assert report["call_sites"][0]["template"] == "dispatching_dsl_function"
    assert "Fetched <n> bars for <sym>" in {r["template"] for r in report["call_sites"]}
    assert report["totals"]["workflows"] == 1
    kinds = {a["kind"] for a in report["advice"]}
    assert "error_that_is_not" in kinds
    source = report["source"]
    assert source["aws"]["log_groups"] == seeded["groups"]
    # every catalog group that was not created is reported as missing, not fatal
    assert set(source["missing_log_groups"]) == set(seeded["groups"]) - {
        worker_group,
        portfolio_group,
    }
    # a wider window takes the old line too
    wide = _invoke(
        "--endpoint-url",
        seeded["endpoint"],
        "--catalog",
        seeded["catalog"],
        "--since",
        "7d",
        "--format",
        "json",
    )
    assert json.loads(wide.stdout)["totals"]["lines"] == len(worker_lines) + len(portfolio_lines)


def test_log_group_option_and_errors(seeded: dict[str, Any]) -> None:
    worker_group, worker_lines = seeded["worker"]
    one = _invoke(
        "--endpoint-url", seeded["endpoint"], "--log-group", worker_group, "--format", "json"
    )
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["totals"]["lines"] == len(worker_lines)
    missing = _invoke("--endpoint-url", seeded["endpoint"], "--log-group", "/aws/lambda/nope")
    assert missing.exit_code == 2
    assert "none of the log groups exists: /aws/lambda/nope" in missing.output
    bad_time = _invoke("--endpoint-url", seeded["endpoint"], "--since", "yesterday-ish")
    assert bad_time.exit_code == 2
    assert "'yesterday-ish' is not a time" in bad_time.output
    empty = _invoke(
        "--endpoint-url",
        seeded["endpoint"],
        "--log-group",
        worker_group,
        "--since",
        "2020-01-01T00:00:00Z",
        "--until",
        "2020-01-02T00:00:00Z",
    )
    assert empty.exit_code == 2
    assert "no log lines found in log groups " + worker_group in empty.output
