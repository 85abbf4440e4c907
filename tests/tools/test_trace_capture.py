"""``obskit trace`` on the real 8,193-line CloudWatch capture: every expectation is computed here
from the fixture's JSON, never typed in."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from catalog import load_catalog
from tools.trace_cli import trace
from tools.tracing.analysis import analyse
from tools.tracing.render_json import TOP_LEVEL_KEYS
from tools.tracing.sources import read_files

CID = "workflow-2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a"


@pytest.fixture(scope="module")
def records(alchemiser_capture: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(alchemiser_capture.read_text())
    return data


def _service_of_group(group: str) -> str:
    catalog = load_catalog()
    return next(s.name for s in catalog.services if s.log_group == group)


def test_the_seven_services_in_the_order_they_ran_with_their_durations(
    alchemiser_capture: Path, records: list[dict[str, Any]]
) -> None:
    by_group: dict[str, list[int]] = {}
    for record in records:
        by_group.setdefault(record["_log_group"], []).append(record["_timestamp_ms"])
    expected = sorted(by_group.items(), key=lambda item: min(item[1]))
    result = analyse(read_files(CID, [alchemiser_capture], load_catalog()), load_catalog())

    assert len(result.services) == len(expected) == 7
    for span, (group, stamps) in zip(result.services, expected, strict=True):
        assert span.log_group == group
        assert span.name == _service_of_group(group)
        assert span.lines == len(stamps)
        assert (span.first_at, span.last_at) == (min(stamps), max(stamps))
        assert span.duration_ms == max(stamps) - min(stamps)
    every = [r["_timestamp_ms"] for r in records]
    assert result.duration_ms == max(every) - min(every)
    assert len(result.lines) == len(records)
    assert result.malformed_lines == 0


def test_ids_at_top_level_nested_and_only_in_text_are_all_found(
    alchemiser_capture: Path, records: list[dict[str, Any]]
) -> None:
    top = [r for r in records if r.get("correlation_id") == CID]
    nested = [r for r in records if "correlation_id" not in r and "extra" in r
              and r["extra"].get("correlation_id") == CID]  # fmt: skip
    text_only = [r for r in records if r not in top and r not in nested]
    assert top and nested and text_only  # the capture really has all three
    assert all(CID in json.dumps(r) for r in text_only)
    found = read_files(CID, [alchemiser_capture], load_catalog())
    assert len(found.lines) == len(top) + len(nested) + len(text_only)
    messages = Counter(ln.message for ln in found.lines)
    for record in text_only:
        assert messages[record["event"]] > 0


def test_errors_warnings_and_the_noisy_service_in_the_terminal_view(
    alchemiser_capture: Path, records: list[dict[str, Any]]
) -> None:
    errors = [r for r in records if r["level"] == "error"]
    warnings = [r for r in records if r["level"] == "warning"]
    groups = Counter(r["_log_group"] for r in records)
    noisy_group, noisy_lines = groups.most_common(1)[0]
    share = f"{100 * noisy_lines / len(records):.1f}%"
    assert share == "98.8%"  # what the issue says the capture shows

    result = CliRunner().invoke(
        trace, [CID, str(alchemiser_capture), "--format", "text"], terminal_width=160
    )
    assert result.exit_code == 1, result.output  # found, and it failed
    out = result.output
    assert f"Errors: {len(errors)}" in out and f"Warnings: {len(warnings)}" in out
    for record in errors + warnings:
        assert record["event"] in out
    noisy_row = next(ln for ln in out.splitlines() if _service_of_group(noisy_group) in ln
                     and share in ln)  # fmt: skip
    assert f"{noisy_lines:,}" in noisy_row
    assert "FAILED" in out


def test_json_has_exactly_the_contract_keys_and_the_capture_values(
    alchemiser_capture: Path, records: list[dict[str, Any]]
) -> None:
    result = CliRunner().invoke(trace, [CID, str(alchemiser_capture), "--format", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert list(doc) == list(TOP_LEVEL_KEYS)
    assert doc["correlation_id"] == CID
    assert doc["status"] == "failed"
    every = [r["_timestamp_ms"] for r in records]
    assert doc["duration_ms"] == max(every) - min(every)
    assert [e["message"] for e in doc["errors"]] == [
        r["event"] for r in sorted(records, key=lambda r: r["_timestamp_ms"])
        if r["level"] == "error"
    ]  # fmt: skip
    assert {e["level"] for e in doc["errors"]} == {"ERROR"}
    assert sum(s["lines"] for s in doc["services"]) == len(records)
    assert doc["events"] == [] and doc["duplicates"] == []  # the capture has no event IDs
    assert doc["malformed_lines"] == 0
    for service in doc["services"]:
        assert set(service) == {"name", "log_group", "lines", "errors", "first_at", "last_at"}
    # the catalog's flow has a trade-aggregator that never wrote a line in this run
    assert [m["expected_event_type"] for m in doc["missing"]] == ["TradeExecuted"]
