"""Scenarios under AWS's semantics for a throttled SQS mapping (it receives; messages return after
each visibility timeout and reach the DLQ after maxReceiveCount) and for SNS subscription DLQs."""

from __future__ import annotations

from pathlib import Path

import yaml

from catalog import load_catalog
from catalog.models import Catalog
from runbooks.scenarios import build_scenarios
from runbooks.scenarios.model import Scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
INGEST = EXAMPLES / "ingest" / "catalog.yaml"
ALCHEMISER = EXAMPLES / "alchemiser" / "catalog.yaml"


def _scenarios(catalog: Catalog) -> dict[str, Scenario]:
    return {s.id: s for s in build_scenarios(catalog)}


def _commands(scenario: Scenario) -> list[str]:
    return [s.command or "" for s in scenario.mitigation]


def test_a_throttled_consumer_s_backlog_reaches_the_dlq_and_the_runbook_replays_it() -> None:
    backlog = _scenarios(load_catalog(INGEST))["queue-parse-backlog"]
    assert backlog.drill is not None
    # visibility 360 s x maxReceiveCount 3 = 1080 s: before the age alarm's 15 periods
    assert backlog.drill.expected_alarms == (
        "ingest-dev-parser-throttles",
        "ingest-dev-parse-dlq-not-empty",
    )
    assert "ingest-dev-parse-age-of-oldest" in backlog.drill.may_fire
    assert backlog.drill.detection_budget_s == 1080 + 60 + 300
    assert any("dlq replay ingest-dev-parse-dlq" in c for c in _commands(backlog))


def test_a_backlog_without_a_dlq_expects_no_dlq(tmp_path: Path) -> None:
    data = yaml.safe_load(INGEST.read_text(encoding="utf-8"))
    for queue in data["queues"]:
        if queue["name"].endswith("-parse"):
            del queue["dlq"], queue["max_receive_count"]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    backlog = _scenarios(load_catalog(path))["queue-parse-backlog"]
    assert backlog.drill is not None
    assert backlog.drill.expected_alarms == (
        "ingest-dev-parse-age-of-oldest",
        "ingest-dev-parser-throttles",
    )
    assert not any("dlq replay" in c for c in _commands(backlog))


def test_a_stuck_drill_never_holds_a_queue_past_its_receives(tmp_path: Path) -> None:
    """A throttled mapping receives once per visibility timeout: holding the parse queue
    (visibility 60 s, maxReceiveCount 3) for the SLA + 60 s (360 s) would dead-letter the run, so
    the stuck drill holds another hop instead."""
    data = yaml.safe_load(INGEST.read_text(encoding="utf-8"))
    for queue in data["queues"]:
        if queue["name"].endswith("-parse"):
            queue["visibility_timeout_s"] = 60
    for service in data["services"]:
        if service["name"] == "parser":
            service["timeout_s"] = 10
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    stuck = _scenarios(load_catalog(path))["workflow-ingest-stuck"]
    assert stuck.drill is None or stuck.drill.fault.name != "parser"
    held = _scenarios(load_catalog(INGEST))["workflow-ingest-stuck"]
    assert held.drill is not None and held.drill.fault.name == "parser"  # 360 s: one receive


def test_a_topic_with_a_subscription_dlq_is_detected_and_replayed_through_it() -> None:
    scenarios = _scenarios(load_catalog(INGEST))
    topic = scenarios["topic-document-updates-notifications-failing"]
    assert topic.drill is not None
    assert "ingest-dev-document-updates-dlq-not-empty" in topic.drill.expected_alarms
    commands = _commands(topic)
    assert any(
        "dlq replay ingest-dev-document-updates-dlq --to sns:ingest-dev-document-updates" in c
        for c in commands
    )
    assert not any("RedrivePolicy" in c for c in commands)  # it has one already
    dlq = scenarios["dlq-document-updates-dlq-not-empty"]
    assert dlq.drill is not None and dlq.drill.fault.target == "topic"
    assert any("--to sns:ingest-dev-document-updates" in c for c in _commands(dlq))


def test_a_topic_without_a_subscription_dlq_still_says_how_to_add_one() -> None:
    topic = _scenarios(load_catalog(ALCHEMISER))["topic-trade-notifications-notifications-failing"]
    assert any("RedrivePolicy" in c for c in _commands(topic))
    assert topic.drill is not None
    assert not any("dlq-not-empty" in a for a in topic.drill.expected_alarms)
