"""The second example's catalog (examples/ingest) loads, checks its handlers, generates, and its
CloudFormation passes the real cfn-lint; its workflows use the start kinds the guide shows."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import load_catalog
from catalog.handlers import check_handlers
from dashboards.output_files import render_output
from runbooks.scenarios import build_scenarios

INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"


def test_the_catalog_loads_with_what_the_guide_describes() -> None:
    catalog = load_catalog(INGEST)
    starts = {w.name: w.entry() for w in catalog.workflows}
    assert {name: entry.kind for name, entry in starts.items() if entry} == {
        "ingest": "api",
        "reindex": "queue",
    }
    parse = catalog.queue("ingest-dev-parse")
    assert not parse.fifo and parse.dlq == "ingest-dev-parse-dlq"
    assert catalog.service("parser").trigger == "sqs" and catalog.service("parser").batch_size > 1
    (nightly,) = catalog.schedules
    assert nightly.workflow is None and nightly.target == "retention-sweeper"
    rule = next(r for _bus, r in catalog.rules() if "DocumentReceived" in r.event_types)
    (target,) = rule.targets
    assert target.queue == "ingest-dev-parse" and target.dlq == "ingest-dev-undelivered"
    assert target.retry_policy.maximum_retry_attempts == 8


def test_every_handler_imports() -> None:
    assert check_handlers(load_catalog(INGEST)) == []


def test_it_generates_monitoring_and_a_drill_per_scenario() -> None:
    output = render_output(load_catalog(INGEST))
    assert "template.yaml" in output.files
    assert output.monitoring.metric_filters  # hop SLAs
    scenarios = build_scenarios(load_catalog(INGEST))
    ids = {s.id for s in scenarios if s.drill is not None}
    assert {"workflow-ingest-failed", "workflow-reindex-stuck", "lambda-parser-failing"} <= ids


def test_its_template_has_no_cfn_lint_error(tmp_path: Path) -> None:
    template = tmp_path / "ingest.yaml"
    template.write_bytes(render_output(load_catalog(INGEST)).files["template.yaml"])
    exe = Path(sys.executable).parent / "cfn-lint"
    cfn_lint = str(exe) if exe.exists() else shutil.which("cfn-lint")
    if cfn_lint is None:
        pytest.fail("cfn-lint is not installed (it is in the dev extra)")
    run = subprocess.run(
        [cfn_lint, "--format", "json", str(template)], capture_output=True, text=True, check=False
    )
    assert run.stdout.strip().startswith("["), f"cfn-lint did not run: {run.stderr}"
    errors = [
        f"{f['Rule']['Id']}: {f['Message']}"
        for f in json.loads(run.stdout)
        if f["Level"] == "Error"
    ]
    assert errors == []
