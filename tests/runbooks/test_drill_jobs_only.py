"""A catalog the examples do not cover: scheduled jobs only (a ``rate(...)`` job and a cron job,
tiny handlers in tests/sandbox/tiny_jobs), no workflow, no event. Every drill generated for it
must pass on the correct system: the failing and throttled drills of each job see its Errors /
AsyncEventsDropped and missed-run alarms, and the alerts-topic drill throttles a job to make an
alarm notify. Two drills run always (about half a minute); all of them with OBSKIT_ALL_DRILLS=1.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from catalog import load_catalog
from runbooks.drills import run_drills, select_scenarios
from runbooks.scenarios import build_scenarios

CATALOG = Path(__file__).resolve().parents[1] / "sandbox" / "tiny_jobs" / "catalog.yaml"

pytestmark = pytest.mark.slow


def test_every_drill_of_a_jobs_only_catalog_is_generated_for_a_job() -> None:
    scenarios = build_scenarios(load_catalog(CATALOG))
    drills = {s.id: s.drill for s in scenarios if s.drill is not None}
    assert sorted(drills) == [
        "lambda-janitor-failing",
        "lambda-janitor-slow",
        "lambda-janitor-throttled",
        "lambda-reporter-failing",
        "lambda-reporter-slow",
        "lambda-reporter-throttled",
        "topic-alerts-notifications-failing",
    ]
    assert all(d is not None and d.job and d.workflow is None for d in drills.values())
    janitor = drills["lambda-janitor-failing"]
    assert janitor is not None and "tinyjobs-dev-janitor-missed-run" in janitor.expected_alarms


@pytest.mark.parametrize(
    "ids",
    [
        ["lambda-janitor-failing", "lambda-reporter-throttled"]
        if os.environ.get("OBSKIT_ALL_DRILLS") != "1"
        else []
    ],
)
def test_the_drills_pass_on_the_correct_system(ids: list[str]) -> None:
    catalog = load_catalog(CATALOG)
    scenarios = select_scenarios(build_scenarios(catalog), ids)
    report = run_drills(catalog, scenarios)
    for result in report.results:
        assert result.passed, (result.id, result.failures)
        assert set(result.expected_alarms) <= set(result.fired_alarms)
        assert result.unexpected_alarms == []
