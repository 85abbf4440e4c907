"""A consumer failing every message of a queue: the age-of-oldest alarm the redrive may trip.

With TreatMissingData ``missing``, the age alarm goes to ALARM about 15 minutes after the first
breaching datapoint even when the message was dead-lettered before 15 breaching periods (the
metric is missing afterwards; CloudWatch's premature-transition rule). Whether a drill still
watches then depends on its timing, so the drills that crash the consumer tolerate it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from catalog import load_catalog
from catalog.models import Catalog
from runbooks.scenarios import build_scenarios

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CRASH_DRILLS = ("lambda-parser-failing", "queue-parse-poison-message", "dlq-parse-dlq-not-empty")


def _drills(catalog: Catalog) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    return {
        s.id: (s.drill.expected_alarms, s.drill.may_fire)
        for s in build_scenarios(catalog)
        if s.drill is not None
    }


def test_a_message_redriven_before_15_breaching_minutes_may_trip_the_age_alarm() -> None:
    drills = _drills(load_catalog(EXAMPLES / "ingest" / "catalog.yaml"))
    for drill_id in CRASH_DRILLS:
        expected, may_fire = drills[drill_id]
        assert "ingest-dev-parse-age-of-oldest" not in expected, drill_id
        assert "ingest-dev-parse-age-of-oldest" in may_fire, drill_id


def test_an_age_alarm_the_drill_expects_is_not_also_tolerated() -> None:
    drills = _drills(load_catalog(EXAMPLES / "alchemiser" / "catalog.yaml"))
    expected, may_fire = drills["queue-execution-poison-message"]
    assert "alchemiser-dev-execution-age-of-oldest" in expected
    assert "alchemiser-dev-execution-age-of-oldest" not in may_fire


def test_a_message_redriven_before_it_passes_the_threshold_trips_nothing(tmp_path: Path) -> None:
    """One receive of 300 s: the message leaves for the DLQ as its age reaches the threshold."""
    data = yaml.safe_load((EXAMPLES / "ingest" / "catalog.yaml").read_text(encoding="utf-8"))
    for queue in data["queues"]:
        if queue["name"] == "{system}-{stage}-parse":
            queue["max_receive_count"] = 1
            queue["visibility_timeout_s"] = 300
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    drills = _drills(load_catalog(path))
    for drill_id in CRASH_DRILLS:
        _expected, may_fire = drills[drill_id]
        assert "ingest-dev-parse-age-of-oldest" not in may_fire, drill_id
