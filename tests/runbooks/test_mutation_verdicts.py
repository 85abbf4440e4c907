"""How a drill's end becomes a mutant's verdict, and the score: no sandbox, verdicts given."""

from __future__ import annotations

from runbooks.mutation.mutants import Mutant
from runbooks.mutation.report import MutationReport, Outcome
from runbooks.mutation.run import Verdict, _outcome
from runbooks.scenarios.model import Drill, Fault, Scenario, Step

STEP = Step("Replay.", "obskit dlq replay q --rate 5")
SCENARIO = Scenario(
    "s",
    "t",
    "high",
    "queue",
    "q",
    "",
    (),
    (),
    (),
    (STEP,),
    (),
    (),
    (),
    drill=Drill(Fault("service", "x", "crash"), (), 60),
)
MUTANT = Mutant("s", "mitigation", 1, "drop", "left out", SCENARIO)
PASSED = Verdict("s/(unmutated)", True, ())


def test_a_failing_drill_kills_a_passing_one_lets_it_survive() -> None:
    killed = _outcome(
        MUTANT, Verdict(MUTANT.id, False, ("1 workflow(s) did not complete",)), PASSED
    )
    assert (killed.status, killed.reason) == ("killed", "1 workflow(s) did not complete")
    assert _outcome(MUTANT, Verdict(MUTANT.id, True, ()), PASSED).status == "survived"


def test_a_harness_error_or_a_failing_original_is_an_error_not_a_kill() -> None:
    crashed = _outcome(MUTANT, Verdict(MUTANT.id, None, ("RuntimeError: boom",)), PASSED)
    assert (crashed.status, crashed.reason) == ("error", "RuntimeError: boom")
    broken = Verdict("s/(unmutated)", False, ("DLQ q still holds 1 message(s)",))
    judged = _outcome(MUTANT, Verdict(MUTANT.id, False, ("x",)), broken)
    assert judged.status == "error" and "unmutated drill fails" in judged.reason


def test_an_equivalent_mutant_takes_the_unmutated_verdict() -> None:
    outcome = _outcome(MUTANT, None, PASSED)
    assert outcome.status == "survived" and "does not run the changed step" in outcome.reason


def test_errors_count_in_neither_side_of_the_score() -> None:
    report = MutationReport("c", "sys", "dev")
    for status in ("killed", "killed", "survived", "error"):
        report.outcomes.append(Outcome(f"s/p-1/{status}", "s", "p", 1, "drop", "", status, ""))
    overall = report.to_json()["overall"]
    assert overall == {"killed": 2, "survived": 1, "errors": 1, "score": round(2 / 3, 4)}
    assert not report.clean
