"""`obskit logs report` on the real Alchemiser capture: it must surface what is there.

Every expected number is computed here from the capture's JSON, independently of the report.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from catalog import load_catalog
from tools.cli import cli

CAPTURE_KEYS = ("_log_group", "_lambda_name", "_timestamp_ms", "_is_json")


@pytest.fixture(scope="module")
def records(alchemiser_capture: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(alchemiser_capture.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def report(alchemiser_capture: Path, example_catalog_path: Path) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli,
        [
            "logs",
            "report",
            str(alchemiser_capture),
            "--format",
            "json",
            "--catalog",
            str(example_catalog_path),
        ],
    )
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def _size(record: dict[str, Any]) -> int:
    """A capture record's line: the service's own fields, compact JSON (the capture has no raw)."""
    return len(orjson.dumps({k: v for k, v in record.items() if k not in CAPTURE_KEYS}))


def test_one_service_writes_almost_all_lines(
    report: dict[str, Any], records: list[dict[str, Any]], example_catalog_path: Path
) -> None:
    catalog = load_catalog(example_catalog_path)
    name_of = {s.log_group: s.name for s in catalog.services}
    expected = Counter(name_of[r["_log_group"]] for r in records)
    top_name, top_lines = expected.most_common(1)[0]
    rows = report["by_service"]
    assert {row["service"]: row["lines"] for row in rows} == dict(expected)
    top = max(rows, key=lambda row: row["lines"])
    assert top["service"] == top_name == "strategy-worker"
    assert top["share_lines"] == pytest.approx(top_lines / len(records), abs=1e-6)
    assert round(top["share_lines"] * 100, 1) == 98.8


def test_debug_share_and_levels(report: dict[str, Any], records: list[dict[str, Any]]) -> None:
    expected = Counter(r["level"].upper() for r in records)
    levels = {row["level"]: row["lines"] for row in report["by_level"]}
    assert levels == dict(expected)
    debug = next(row for row in report["by_level"] if row["level"] == "DEBUG")
    assert debug["share_lines"] == pytest.approx(expected["DEBUG"] / len(records), abs=1e-6)
    assert round(debug["share_lines"] * 100) == 78


def test_top_call_site_is_dispatching_dsl_function(
    report: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    by_message = Counter(r["event"] for r in records)
    sizes: Counter[str] = Counter()
    for r in records:
        sizes[r["event"]] += _size(r)
    top = report["call_sites"][0]
    assert top["template"] == "dispatching_dsl_function" == sizes.most_common(1)[0][0]
    assert top["lines"] == by_message["dispatching_dsl_function"]
    assert top["bytes"] == sizes["dispatching_dsl_function"]
    # the advice names it first, with its saving per workflow (the capture is one workflow)
    first = report["advice"][0]
    assert first["kind"] == "dominant_call_site"
    assert first["template"] == "dispatching_dsl_function"
    assert first["saving_bytes_per_workflow"] == pytest.approx(top["bytes"], abs=0.1)


def test_templates_fold_one_call_site_to_one_row(
    report: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    generated = [r for r in records if r["event"].startswith("Generated ")]
    assert len({r["event"] for r in generated}) > 1  # the raw messages differ...
    rows = [row for row in report["call_sites"] if row["template"].startswith("Generated ")]
    assert len(rows) == 1  # ...the call site is one row
    assert rows[0]["template"] == "Generated <n> signals from <file>"
    assert rows[0]["lines"] == len(generated)


def test_bytes_workflows_and_correlation(
    report: dict[str, Any], records: list[dict[str, Any]]
) -> None:
    total = sum(_size(r) for r in records)
    top_level = sum(1 for r in records if isinstance(r.get("correlation_id"), str))
    nested = sum(
        1
        for r in records
        if "correlation_id" not in r
        and isinstance((r.get("extra") or {}).get("correlation_id"), str)
    )
    ids = {r.get("correlation_id") or (r.get("extra") or {}).get("correlation_id") for r in records}
    ids.discard(None)
    totals = report["totals"]
    assert totals["lines"] == len(records)
    assert totals["bytes"] == total
    assert totals["bytes_per_line"] == pytest.approx(total / len(records), abs=0.05)
    assert totals["workflows"] == len(ids) == 1
    assert totals["bytes_per_workflow"] == pytest.approx(total / len(ids), abs=0.05)
    corr = report["correlation"]
    assert corr["found_top_level"] == top_level
    assert corr["found_nested"] == nested
    without = len(records) - top_level - nested
    assert corr["lines_without_field"] == without
    assert corr["share_without_field"] == pytest.approx(without / len(records), abs=1e-6)
    # every line without a field names the workflow in its text (a message or a session id)
    (workflow,) = ids
    in_text = [
        r
        for r in records
        if "correlation_id" not in r and "correlation_id" not in (r.get("extra") or {})
    ]
    assert all(str(workflow) in json.dumps(r) for r in in_text)
    assert corr["found_in_text"] == len(in_text)
    assert corr["lines_without_any"] == 0


def test_repeated_identical_lines(report: dict[str, Any], records: list[dict[str, Any]]) -> None:
    lines = Counter(
        orjson.dumps({k: v for k, v in r.items() if k not in CAPTURE_KEYS}) for r in records
    )
    repeated = sum(n - 1 for n in lines.values())
    assert report["repeats"]["repeated_lines"] == repeated
    top = report["repeats"]["top"][0]
    text, n = max(lines.items(), key=lambda kv: (kv[1] - 1) * len(kv[0]))
    assert (top["count"], top["text"]) == (n, text.decode())


def test_budget_and_levels_that_look_wrong(
    report: dict[str, Any], records: list[dict[str, Any]], example_catalog_path: Path
) -> None:
    budget = load_catalog(example_catalog_path).budgets.log_bytes_per_workflow
    assert budget is not None
    total = sum(_size(r) for r in records)
    assert report["budget"]["over"] is (total > budget)
    kinds = {a["kind"]: a for a in report["advice"]}
    assert "over_budget" in kinds
    assert kinds["over_budget"]["saving_bytes_per_workflow"] == pytest.approx(
        total - budget, abs=0.1
    )
    errors_that_are_not = [
        r["event"] for r in records if r["level"] == "error" and "completed" in r["event"]
    ]
    flagged = [a["template"] for a in report["advice"] if a["kind"] == "error_that_is_not"]
    assert flagged == errors_that_are_not
    assert "missing_correlation_id" in kinds


def test_library_call_matches_the_command(
    report: dict[str, Any], alchemiser_capture: Path, example_catalog_path: Path
) -> None:
    """`obskit ready` calls the library: same numbers as the command."""
    from tools.logreport import analyse_files

    direct = analyse_files([alchemiser_capture], catalog=load_catalog(example_catalog_path))
    assert direct["totals"] == report["totals"]
    assert direct["budget"] == report["budget"]
    assert direct["cost"]["per_month"] == report["cost"]["per_month"]
