"""Every drill of the embedded example, as ``obskit drill run --all`` runs them.

Minutes of wall time on a loaded machine, so it only runs when ``OBSKIT_ALL_DRILLS=1`` (marked
``slow`` too); the per-behaviour drill tests (test_drill_e2e.py) run one drill each. It asserts
what must hold for every drill whatever its verdict: the report's shape, that a drill which
passed really saw its alarms within budget and lost nothing, and that one that failed says why.
"""

from __future__ import annotations

import os

import pytest

from catalog import load_catalog
from runbooks.drills import run_drills, select_scenarios
from runbooks.drills.model import REPORT_KEYS
from runbooks.scenarios import build_scenarios

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("OBSKIT_ALL_DRILLS") != "1", reason="set OBSKIT_ALL_DRILLS=1 to run"
    ),
]


def test_all_drills_of_the_embedded_example() -> None:
    catalog = load_catalog()
    scenarios = select_scenarios(build_scenarios(catalog), [])
    report = run_drills(catalog, scenarios)
    assert [r.id for r in report.results] == [s.id for s in scenarios]
    for result, scenario in zip(report.results, scenarios, strict=True):
        assert tuple(result.to_json()) == REPORT_KEYS
        assert result.passed == (not result.failures)
        if not result.expected_alarms:
            assert result.detected_after_s is None
        if result.passed:
            assert scenario.drill is not None
            assert set(result.expected_alarms) <= set(result.fired_alarms)
            if result.expected_alarms:
                assert result.detected_after_s is not None
                assert result.detected_after_s <= scenario.drill.detection_budget_s
            assert result.workflows.lost == 0 and result.workflows.duplicated == 0
            assert all(step.ok for step in result.steps)
