"""``obskit deploy`` / ``obskit diff`` as an operator runs them, against a real moto_server."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result

from tools.cli import cli

PAYMENTS = Path(__file__).resolve().parent.parent / "dashboards" / "data" / "payments-catalog.yaml"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _counts(output: str) -> dict[str, int]:
    line = output.strip().splitlines()[-1]
    return {
        action: int(n)
        for n, action in re.findall(r"(\d+) (add|change|remove|unchanged|skipped)", line)
    }


def test_diff_deploy_diff_round_trip(aws_endpoint: str) -> None:
    common = ("--catalog", str(PAYMENTS), "--endpoint-url", aws_endpoint)
    before = _run("diff", *common, "--exit-code")
    assert before.exit_code == 1
    counts = _counts(before.output)
    assert counts["change"] == counts["remove"] == counts["unchanged"] == 0
    assert "+ add       alarm            payments-test-ledger-errors" in before.output
    assert "! skipped   composite alarm" not in before.output  # diff cannot know before writing

    deployed = _run("deploy", *common)
    assert deployed.exit_code == 0, deployed.output
    assert (
        "! skipped   composite alarm  1 of them: the endpoint does not implement PutCompositeAlarm"
        in deployed.output
    )
    region = boto3.client("cloudwatch", endpoint_url=aws_endpoint, region_name="eu-west-1")
    names = {a["AlarmName"] for a in region.describe_alarms()["MetricAlarms"]}
    assert "payments-test-ledger-errors" in names  # the catalog's region, eu-west-1
    assert "payments-test" in {
        d["DashboardName"] for d in region.list_dashboards()["DashboardEntries"]
    }

    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="eu-west-1")
    saved = logs.describe_query_definitions(queryDefinitionNamePrefix="payments/")
    queries = len(saved["queryDefinitions"])  # kept by the sandbox's server (not moto alone)
    assert queries > 0

    after = _run("diff", *common)
    counts_after = _counts(after.output)
    assert counts_after["unchanged"] == len(names) + 1 + queries  # alarms, dashboard, queries
    assert counts_after["change"] == counts_after["remove"] == 0
    assert counts_after["add"] == 1  # the composite alarm moto cannot store


def test_diff_shows_field_changes_readably(aws_endpoint: str) -> None:
    common = ("--catalog", str(PAYMENTS), "--endpoint-url", aws_endpoint)
    assert _run("deploy", *common).exit_code == 0
    cw = boto3.client("cloudwatch", endpoint_url=aws_endpoint, region_name="eu-west-1")
    (alarm,) = cw.describe_alarms(AlarmNames=["payments-test-intake-errors"])["MetricAlarms"]
    keep = ("AlarmName", "AlarmDescription", "Namespace", "MetricName", "Dimensions", "Statistic",
            "Period", "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator",
            "TreatMissingData", "AlarmActions", "OKActions")  # fmt: skip
    cw.put_metric_alarm(**{k: alarm[k] for k in keep}, Threshold=9)
    result = _run("diff", *common)
    assert "~ change    alarm            payments-test-intake-errors" in result.output
    assert "      Threshold: 9.0 → 0.0" in result.output
    assert _counts(result.output)["change"] == 1


def test_deploy_reports_a_bad_endpoint_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["deploy", "--catalog", str(PAYMENTS), "--endpoint-url", "http://127.0.0.1:9"],
        env={"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_MAX_ATTEMPTS": "1"},
    )
    assert result.exit_code == 3
    assert "AWS call failed" in result.output


def test_endpoint_comes_from_aws_endpoint_url_when_not_given(
    aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
    result = _run("deploy", "--catalog", str(PAYMENTS))
    assert result.exit_code == 0, result.output
    cw = boto3.client("cloudwatch", endpoint_url=aws_endpoint, region_name="eu-west-1")
    assert cw.describe_alarms(AlarmNames=["payments-test-ledger-errors"])["MetricAlarms"]
