"""The generated CloudFormation passes the real cfn-lint with zero errors (one run per module).

cfn-lint rejects an alarm Period of 20 with E3615 although AWS accepts 10, 20 and 30; obskit never
emits 20 by default, and the last test shows the cfn-lint behaviour so the reason stays visible.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from catalog import load_catalog
from dashboards.output_files import render_output

PAYMENTS = Path(__file__).parent / "data" / "payments-catalog.yaml"
INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"

PERIOD_20 = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Twenty:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: twenty
      Namespace: AWS/Lambda
      MetricName: Errors
      Statistic: Sum
      Period: 20
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
"""


@pytest.fixture(scope="module")
def lint(
    tmp_path_factory: pytest.TempPathFactory, example_catalog_path: Path
) -> dict[str, list[dict[str, object]]]:
    """cfn-lint findings per template: the Alchemiser, the payments catalog, the payments catalog
    with hop SLAs (metric filters reading a nested age field), a Period-20 alarm."""
    base = tmp_path_factory.mktemp("cfn")
    hops = yaml.safe_load(PAYMENTS.read_text(encoding="utf-8"))
    hops["log_conventions"] = {"event_age_field": "timing.age_ms"}
    for event in hops["event_types"]:
        event["hop_sla_s"] = 7.5
    (base / "hops-catalog.yaml").write_text(yaml.safe_dump(hops), encoding="utf-8")
    hops_output = render_output(load_catalog(base / "hops-catalog.yaml"))
    assert hops_output.monitoring.metric_filters, "the hops catalog must generate metric filters"
    alchemiser = render_output(load_catalog(example_catalog_path))
    assert alchemiser.monitoring.metric_filters, "the example must generate metric filters"
    templates = {
        "alchemiser": alchemiser.files["template.yaml"],
        "payments": render_output(load_catalog(PAYMENTS)).files["template.yaml"],
        "payments-hops": hops_output.files["template.yaml"],
        "period20": PERIOD_20.encode(),
        "ingest": render_output(load_catalog(INGEST)).files["template.yaml"],
    }
    paths = {}
    for name, data in templates.items():
        paths[name] = base / f"{name}.yaml"
        paths[name].write_bytes(data)
    exe = Path(sys.executable).parent / "cfn-lint"
    cfn_lint = str(exe) if exe.exists() else shutil.which("cfn-lint")
    assert cfn_lint, "cfn-lint is not installed (it is in the dev extra)"
    run = subprocess.run(
        [cfn_lint, "--format", "json", *map(str, paths.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.stdout.strip().startswith("["), f"cfn-lint did not run: {run.stderr}"
    findings = json.loads(run.stdout)
    by_name: dict[str, list[dict[str, object]]] = {name: [] for name in paths}
    for finding in findings:
        for name, path in paths.items():
            if finding["Filename"] == str(path):
                by_name[name].append(finding)
    return by_name


def _errors(findings: list[dict[str, object]]) -> list[str]:
    return [
        f"{f['Rule']['Id']}: {f['Message']}"  # type: ignore[index]
        for f in findings
        if f["Level"] == "Error"
    ]


def test_alchemiser_template_has_no_cfn_lint_error(
    lint: dict[str, list[dict[str, object]]],
) -> None:
    assert _errors(lint["alchemiser"]) == []


def test_second_catalog_template_has_no_cfn_lint_error(
    lint: dict[str, list[dict[str, object]]],
) -> None:
    assert _errors(lint["payments"]) == []


def test_template_with_metric_filters_has_no_cfn_lint_error(
    lint: dict[str, list[dict[str, object]]],
) -> None:
    assert _errors(lint["payments-hops"]) == []


def test_subscription_with_a_redrive_policy_has_no_cfn_lint_error(
    lint: dict[str, list[dict[str, object]]],
) -> None:
    """The ingest example's webhook subscription has a DLQ: an AWS::SNS::Subscription."""
    assert _errors(lint["ingest"]) == []


def test_cfn_lint_rejects_period_20_which_is_why_obskit_never_emits_it(
    lint: dict[str, list[dict[str, object]]],
) -> None:
    assert any(e.startswith("E3615") for e in _errors(lint["period20"]))
