"""What the ingest example (an API-started entry, a rule with few retries) taught the scenario
generator: a synchronously invoked function drops no asynchronous event, and a stuck drill never
holds a rule's delivery past what its retry policy can outlast."""

from __future__ import annotations

from pathlib import Path

import yaml

from catalog import load_catalog
from catalog.models import Catalog
from runbooks.scenarios import build_scenarios

INGEST = Path(__file__).resolve().parents[2] / "examples" / "ingest" / "catalog.yaml"


def _drills(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    return {s.id: s.drill.expected_alarms for s in build_scenarios(catalog) if s.drill is not None}


def test_an_api_entry_expects_no_dropped_events_when_it_fails_or_is_throttled() -> None:
    drills = _drills(load_catalog(INGEST))
    assert drills["lambda-intake-api-failing"] == ("ingest-dev-intake-api-errors",)
    assert drills["lambda-intake-api-throttled"] == ("ingest-dev-intake-api-throttles",)
    # a function something does invoke asynchronously keeps its events-dropped alarm
    assert "ingest-dev-indexer-events-dropped" in drills["lambda-indexer-failing"]


def test_a_direct_function_another_service_invokes_is_asynchronous(tmp_path: Path) -> None:
    data = yaml.safe_load(INGEST.read_text(encoding="utf-8"))
    sweeper = next(s for s in data["services"] if s["name"] == "retention-sweeper")
    sweeper["invokes"] = ["intake-api"]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    drills = _drills(load_catalog(path))
    assert "ingest-dev-intake-api-events-dropped" in drills["lambda-intake-api-failing"]


def test_no_stuck_drill_holds_a_rule_longer_than_its_retries_last(tmp_path: Path) -> None:
    """The reindex workflow's only hop is the to-indexer rule (4 retries): held for the SLA,
    its event would go to the DLQ and the run never complete, so there is no stuck drill."""
    assert "workflow-reindex-stuck" not in _drills(load_catalog(INGEST))
    data = yaml.safe_load(INGEST.read_text(encoding="utf-8"))
    for rule in data["buses"][0]["rules"]:
        if rule["name"] == "{system}-{stage}-to-indexer":
            rule["targets"][0]["retry_policy"] = {
                "maximum_retry_attempts": 185,
                "maximum_event_age_s": 7200,
            }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    stuck = {s.id: s.drill for s in build_scenarios(load_catalog(path))}["workflow-reindex-stuck"]
    assert stuck is not None
    assert (stuck.fault.target, stuck.fault.name) == ("rule", "ingest-dev-to-indexer")
