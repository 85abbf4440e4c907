"""Cost arithmetic and its options: each price and assumption moves the number it should."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tools.cli import cli
from tools.logreport.cost import GB, CostInputError, Prices, estimate, stored_fraction

DAYS_PER_MONTH = 730 / 24


def _report(path: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["logs", "report", str(path), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


@pytest.fixture
def two_workflows(tmp_path: Path) -> tuple[Path, int]:
    lines = [
        json.dumps({"level": "INFO", "message": f"step {i}", "correlation_id": f"wf-{i % 2}"})
        for i in range(40)
    ]
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, sum(len(line.encode()) for line in lines)


def test_defaults_per_workflow_day_month(two_workflows: tuple[Path, int]) -> None:
    path, total = two_workflows
    report = _report(path, "--workflows-per-day", "100")
    per_workflow = total / 2
    gigabytes = per_workflow / GB
    cost = report["cost"]
    assert cost["prices"] == {
        "ingest_per_gb": 0.5,
        "storage_per_gb_month": 0.03,
        "scan_per_gb": 0.005,
    }
    one = cost["per_workflow"]
    assert one["ingest"] == pytest.approx(gigabytes * 0.5, rel=1e-6)
    assert one["storage"] == pytest.approx(gigabytes * 0.15 * 0.03 * 30 / DAYS_PER_MONTH, rel=1e-5)
    assert one["scan"] == pytest.approx(gigabytes * 0.005, rel=1e-6)
    assert one["total"] == pytest.approx(one["ingest"] + one["storage"] + one["scan"], rel=1e-6)
    assert cost["per_day"]["total"] == pytest.approx(one["total"] * 100, rel=1e-6)
    assert cost["per_month"]["total"] == pytest.approx(
        one["total"] * 100 * DAYS_PER_MONTH, rel=1e-6
    )


def test_every_option_moves_its_term(two_workflows: tuple[Path, int]) -> None:
    path, _total = two_workflows
    base = _report(path)["cost"]["per_workflow"]
    ingest = _report(path, "--price-ingest-gb", "1.0")["cost"]["per_workflow"]
    assert ingest["ingest"] == pytest.approx(base["ingest"] * 2, rel=1e-6)
    storage = _report(path, "--price-storage-gb-month", "0.06")["cost"]["per_workflow"]
    assert storage["storage"] == pytest.approx(base["storage"] * 2, rel=1e-5)
    scan = _report(path, "--price-scan-gb", "0.01")["cost"]["per_workflow"]
    assert scan["scan"] == pytest.approx(base["scan"] * 2, rel=1e-6)
    kept = _report(path, "--retention-days", "60")["cost"]["per_workflow"]
    assert kept["storage"] == pytest.approx(base["storage"] * 2, rel=1e-5)
    ratio = _report(path, "--compression-ratio", "0.3")["cost"]["per_workflow"]
    assert ratio["storage"] == pytest.approx(base["storage"] * 2, rel=1e-5)
    as_ratio = _report(path, "--compression-ratio", str(1 / 0.3))["cost"]["per_workflow"]
    assert as_ratio["storage"] == pytest.approx(ratio["storage"], rel=1e-5)


def test_workflows_per_day_defaults_from_the_catalog(
    two_workflows: tuple[Path, int], example_catalog_path: Path, tmp_path: Path
) -> None:
    path, _total = two_workflows
    text = example_catalog_path.read_text(encoding="utf-8")
    assert "workflows_per_day: 1\n" in text
    busy = tmp_path / "catalog.yaml"
    busy.write_text(
        text.replace("workflows_per_day: 1\n", "workflows_per_day: 24\n"), encoding="utf-8"
    )
    report = _report(path, "--catalog", str(busy))
    assert report["cost"]["assumptions"]["workflows_per_day"] == 24
    one = report["cost"]["per_workflow"]["total"]
    assert report["cost"]["per_day"]["total"] == pytest.approx(one * 24, rel=1e-6)


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--price-ingest-gb", "-1", "ingest_per_gb must not be negative"),
        ("--compression-ratio", "0", "compression ratio must be positive"),
        ("--retention-days", "0", "retention_days must be positive"),
        ("--workflows-per-day", "0", "workflows_per_day must be positive"),
    ],
)
def test_bad_prices_are_named(
    two_workflows: tuple[Path, int], option: str, value: str, words: str
) -> None:
    path, _total = two_workflows
    result = CliRunner().invoke(cli, ["logs", "report", str(path), option, value])
    assert result.exit_code == 2
    assert words in result.output


def test_estimate_api() -> None:
    prices = Prices(workflows_per_day=10)
    cost = estimate(GB, prices)  # one GB a workflow
    assert cost.per_workflow.ingest == pytest.approx(0.5)
    assert cost.per_month.ingest == pytest.approx(0.5 * 10 * DAYS_PER_MONTH)
    assert stored_fraction(4) == 0.25
    with pytest.raises(CostInputError):
        Prices(stored_fraction=1.5)
