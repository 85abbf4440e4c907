"""Mutants run as real drills: each operator has a mutant that a weak verification would miss
and that the real drill kills. Two weak verifications: *alarms* (the alarm fired and every alarm
went back to OK, all the runbook's own `describe-alarms` step looks at) and *exit codes* (every
runbook command succeeded). The real drill also counts the workflows and the DLQs.

Few drill runs on purpose: one scenario whose fix is followed by an archive replay (a Lambda
behind a rule that fails), which every operator but wrong-resource applies to, and one DLQ
scenario with a `dlq replay` step for wrong-resource; then a small parallel mutation run.
"""

from __future__ import annotations

import pytest

from catalog import load_catalog
from runbooks.drills import run_drills, select_scenarios
from runbooks.drills.model import DrillResult
from runbooks.mutation import generate_mutants, run_mutants
from runbooks.mutation.mutants import Mutant
from runbooks.mutation.names import CatalogNames
from runbooks.scenarios import Scenario, build_scenarios

pytestmark = pytest.mark.slow

REPLAY_SCENARIO = "lambda-portfolio-failing"
DLQ_SCENARIO = "dlq-event-dlq-not-empty"
KILLERS = {
    f"{REPLAY_SCENARIO}/mitigation-2/drop": ("drop", {"alarms", "exit codes"}),
    f"{REPLAY_SCENARIO}/mitigation-2/wrong-rule-or-target": (
        "wrong-rule-or-target",
        {"alarms", "exit codes"},
    ),
    f"{REPLAY_SCENARIO}/mitigation-2/replay-before-incident": (
        "replay-before-incident",
        {"alarms", "exit codes"},
    ),
    f"{REPLAY_SCENARIO}/mitigation-2/replay-ends-before-fix": (
        "replay-ends-before-fix",
        {"alarms", "exit codes"},
    ),
    f"{REPLAY_SCENARIO}/mitigation-2/wrong-region": ("wrong-region", {"alarms"}),
    f"{REPLAY_SCENARIO}/mitigation-1/swap-next": ("swap-next", {"alarms", "exit codes"}),
    f"{DLQ_SCENARIO}/mitigation-4/wrong-resource": ("wrong-resource", {"exit codes"}),
}
"""Mutant: (its operator, the weak verifications it fools)."""


def _mutants(scenario_ids: list[str]) -> tuple[list[Scenario], dict[str, Mutant]]:
    catalog = load_catalog()
    scenarios = select_scenarios(build_scenarios(catalog), scenario_ids)
    names = CatalogNames.of(catalog)
    mutants = {m.id: m for s in scenarios for m in generate_mutants(s, names)}
    return scenarios, mutants


def _fooled(result: DrillResult) -> set[str]:
    """The weak verifications that would pass this drill."""
    out = set()
    fired = set(result.expected_alarms) <= set(result.fired_alarms)
    still = any(f.startswith("alarms still in ALARM") for f in result.failures)
    if fired and result.detected_after_s is not None and not still:
        out.add("alarms")
    if all(step.ok for step in result.steps):  # none run: nothing failed either
        out.add("exit codes")
    return out


def test_every_operator_has_a_mutant_only_the_real_drill_kills() -> None:
    catalog = load_catalog()
    scenarios, mutants = _mutants([REPLAY_SCENARIO, DLQ_SCENARIO])
    assert {m.mutation for m in mutants.values()} >= {op for op, _ in KILLERS.values()}
    chosen = [scenarios[0], *(mutants[i].scenario for i in KILLERS)]
    results = run_drills(catalog, chosen).results
    assert results[0].passed, results[0].failures  # the runbook as written
    for (mutant_id, (operator, weak)), result in zip(KILLERS.items(), results[1:], strict=True):
        assert mutants[mutant_id].mutation == operator
        assert _fooled(result) == weak, (mutant_id, result.failures)
        assert not result.passed, f"{mutant_id} survived"
        kept = [f for f in result.failures if "did not complete" in f or "still holds" in f]
        assert kept, (mutant_id, result.failures)  # killed for losing work, not for noise


def test_a_parallel_mutation_run_judges_kills_survivors_and_equivalents() -> None:
    catalog = load_catalog()
    scenarios, mutants = _mutants([DLQ_SCENARIO])
    wanted = [
        f"{DLQ_SCENARIO}/mitigation-4/wrong-resource",  # replays the wrong DLQ: killed
        f"{DLQ_SCENARIO}/diagnosis-1/swap-next",  # two reads in the other order: survives
        f"{DLQ_SCENARIO}/diagnosis-1/wrong-resource",  # looks at another queue: misleads, killed
        f"{DLQ_SCENARIO}/mitigation-2/drop",  # the only look at the DLQ before the replay
    ]
    report = run_mutants(catalog, scenarios, [mutants[i] for i in wanted], jobs=2)
    status = {o.id: (o.status, o.reason) for o in report.outcomes}
    # killed at its first failure: the replay of the wrong DLQ shows nothing was sent
    assert status[wanted[0]][0] == "killed"
    assert status[wanted[0]][1].startswith("mitigation step `obskit dlq replay"), status[wanted[0]]
    assert status[wanted[1]] == ("survived", "the drill still passes")
    assert status[wanted[2]][0] == "killed", status[wanted[2]]
    # no other step shows what it showed: the runbook's evidence kills it
    assert status[wanted[3]][0] == "killed"
    assert status[wanted[3]][1].startswith(
        "the mitigation no longer shows what `obskit dlq inspect"
    )
    overall = report.overall()
    assert (overall.killed, overall.survived, overall.errors) == (3, 1, 0)
    assert report.to_json()["scores"][DLQ_SCENARIO]["score"] == round(3 / 4, 4)


LEFT_THROUGH = {
    # the replay of another rule: metrics ends no workflow, so only its own count sees the loss
    "lambda-metrics-failing/mitigation-2/wrong-rule-or-target": (
        "event(s) metrics failed on (or was throttled on) during the incident were never handled"
    ),
    # another topic's subscriptions: the look asked for nothing before
    "topic-trade-notifications-notifications-failing/diagnosis-1/wrong-resource": (
        "diagnosis step `aws sns list-subscriptions-by-topic"
    ),
    # another function's mappings (none): the look asked for nothing, and showed nothing
    "queue-execution-backlog/diagnosis-3/wrong-resource": (
        "diagnosis step `aws lambda list-event-source-mappings --function-name "
        "alchemiser-dev-metrics"
    ),
    # the restored concurrency was asked only not to be 0 (any output, or none, met that)...
    "lambda-portfolio-throttled/verification-1/drop": "FunctionName",
    "lambda-portfolio-throttled/verification-1/wrong-resource": "alchemiser-dev-portfolio",
    # ...and the account pool only for its field, which every region's answer has
    "lambda-portfolio-throttled/diagnosis-2/wrong-region": "FunctionCount",
    # the lost run restarted before the concurrency is back: Lambda accepts the invoke (202)
    # and drops it; the drill's own runs after the fix had hidden the loss
    "lambda-strategy-orchestrator-throttled/mitigation-1/swap-next": (
        "the runbook's asynchronous invoke of strategy-orchestrator ({}) was never handled"
    ),
    # no run started again: a run that never started is in no workflow tally
    "lambda-strategy-orchestrator-throttled/mitigation-2/drop": (
        "scheduled run(s) of strategy-orchestrator were dropped during the incident and the "
        "runbook started none again"
    ),
}
"""Mutants that survived the drills before their steps (or the drill) asked for what names the
resource, or for more than an absence: what the reason each is killed for now must say."""


def test_mutants_the_old_expectations_let_through_are_killed() -> None:
    catalog = load_catalog()
    ids = sorted({mutant_id.partition("/")[0] for mutant_id in LEFT_THROUGH})
    scenarios, mutants = _mutants(ids)
    report = run_mutants(catalog, scenarios, [mutants[i] for i in LEFT_THROUGH], jobs=2)
    status = {o.id: (o.status, o.reason) for o in report.outcomes}
    for mutant_id, reason in LEFT_THROUGH.items():
        assert status[mutant_id][0] == "killed", (mutant_id, status[mutant_id])
        assert reason in status[mutant_id][1], (mutant_id, status[mutant_id])
