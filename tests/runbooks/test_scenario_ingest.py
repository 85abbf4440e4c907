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


def _with_indexer_retries(tmp_path: Path, attempts: int, age_s: int) -> Catalog:
    data = yaml.safe_load(INGEST.read_text(encoding="utf-8"))
    for rule in data["buses"][0]["rules"]:
        if rule["name"] == "{system}-{stage}-to-indexer":
            rule["targets"][0]["retry_policy"] = {
                "maximum_retry_attempts": attempts,
                "maximum_event_age_s": age_s,
            }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_catalog(path)


def test_no_stuck_drill_holds_a_rule_longer_than_its_retries_last(tmp_path: Path) -> None:
    """The reindex workflow's only hop is the to-indexer rule. Retried for two hours, it can be
    held past the SLA and delivered late; with 4 retries the held event would go to the DLQ and
    the run never complete, so there is no stuck drill, and the scenario says why."""
    stuck = {s.id: s for s in build_scenarios(load_catalog(INGEST))}["workflow-reindex-stuck"]
    assert stuck.drill is not None
    assert (stuck.drill.fault.target, stuck.drill.fault.name) == ("rule", "ingest-dev-to-indexer")
    short = _with_indexer_retries(tmp_path, 4, 3600)
    stuck = {s.id: s for s in build_scenarios(short)}["workflow-reindex-stuck"]
    assert stuck.drill is None
    assert stuck.no_drill is not None and "retry policy" in stuck.no_drill


def test_a_failing_rule_drill_waits_for_its_retries_to_run_out(tmp_path: Path) -> None:
    """FailedInvocations and the DLQ only see an event after its last retry: a two-hour retry
    policy needs a two-hour budget, four quick retries a few minutes."""
    budgets = {
        attempts: {
            s.id: s.drill.detection_budget_s
            for s in build_scenarios(_with_indexer_retries(tmp_path, attempts, 7200))
            if s.drill is not None
        }["rule-to-indexer-target-failing"]
        for attempts in (4, 185)
    }
    assert budgets[4] < 400
    assert budgets[185] >= 7200
