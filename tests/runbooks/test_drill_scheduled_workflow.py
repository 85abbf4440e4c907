"""A scheduled workflow on a catalog neither example has (tests/sandbox/tiny_reports: a daily
cron schedule invokes `starter`, which has no DLQ and opens a `reports` run; `finisher` writes
the report, `recorder` counts the run). The starter's failing and throttled runbooks end by
starting the missed run again with an asynchronous invoke, and the drills check that it was
handled and that the lost scheduled run was made up: proven here outside the Alchemiser.
About 40 s: two drills, then two mutants (and their scenario's own drill) on two workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import load_catalog
from runbooks.drills import run_drills, select_scenarios
from runbooks.mutation import generate_mutants, run_mutants
from runbooks.mutation.names import CatalogNames
from runbooks.scenarios import build_scenarios

CATALOG = Path(__file__).resolve().parents[1] / "sandbox" / "tiny_reports" / "catalog.yaml"
START_AGAIN = (
    "aws lambda invoke response.json --function-name tinyreports-dev-starter "
    "--invocation-type Event --region eu-west-1"
)

pytestmark = pytest.mark.slow


def test_the_starters_drills_pass_and_end_by_starting_the_missed_run() -> None:
    catalog = load_catalog(CATALOG)
    ids = ["lambda-starter-throttled", "lambda-starter-failing"]
    scenarios = select_scenarios(build_scenarios(catalog), ids)
    for scenario in scenarios:
        assert scenario.mitigation[-1].command == START_AGAIN, scenario.id
    report = run_drills(catalog, scenarios)
    assert [r.id for r in report.results] == ids
    for result in report.results:
        assert result.passed, (result.id, result.failures)
        assert set(result.expected_alarms) <= set(result.fired_alarms)
        mitigation = [step for step in result.steps if step.part == "mitigation"]
        assert mitigation[-1].command == START_AGAIN, result.id
        assert mitigation[-1].run and mitigation[-1].exit_code == 0, (result.id, mitigation[-1])


KILLED = {
    # started again while the concurrency is still 0: Lambda accepts the invoke, then drops it
    "lambda-starter-throttled/mitigation-1/swap-next": (
        "the runbook's asynchronous invoke of starter ({}) was never handled"
    ),
    # not started again at all: a run that never started is in no workflow tally
    "lambda-starter-throttled/mitigation-2/drop": (
        "scheduled run(s) of starter were dropped during the incident and the runbook started "
        "none again"
    ),
}


def test_a_late_early_or_missing_restart_is_killed() -> None:
    catalog = load_catalog(CATALOG)
    scenarios = select_scenarios(build_scenarios(catalog), ["lambda-starter-throttled"])
    names = CatalogNames.of(catalog)
    mutants = {m.id: m for m in generate_mutants(scenarios[0], names)}
    chosen = [mutants[i] for i in KILLED]
    report = run_mutants(catalog, scenarios, chosen, jobs=2, catalog_label="tiny_reports")
    status = {o.id: (o.status, o.reason) for o in report.outcomes}
    for mutant_id, reason in KILLED.items():
        assert status[mutant_id][0] == "killed", (mutant_id, status[mutant_id])
        assert reason in status[mutant_id][1], (mutant_id, status[mutant_id])
