"""Each mutation operator on a small scenario written here: the expected mutant, or none where
the mistake is not possible. No sandbox: mutants are data."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from catalog import load_catalog
from runbooks.drills.placeholders import fill, incident_values
from runbooks.drills.runner import drilled_steps
from runbooks.mutation.mutants import Mutant, catalog_mutants, generate_mutants
from runbooks.mutation.names import CatalogNames
from runbooks.scenarios import build_scenarios
from runbooks.scenarios.model import Drill, Fault, Scenario, Step

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NAMES = CatalogNames(
    "shop",
    {
        "dlq": ("shop-dev-dlq-a", "shop-dev-dlq-b"),
        "queue": ("shop-dev-orders",),
        "function": ("shop-dev-pay", "shop-dev-ship"),
        "rule": ("shop-dev-to-pay", "shop-dev-to-ship"),
        "topic": ("shop-dev-alerts",),
        "bus": ("shop-bus",),
        "log-group": ("/aws/lambda/shop-dev-pay", "/aws/lambda/shop-dev-ship"),
        "query": ("shop/errors/recent", "shop/trace/by-id"),
        "query-tail": ("errors/recent", "trace/by-id"),
        "workflow": ("checkout",),
    },
)
REPLAY = (
    "obskit replay archive --bus shop-bus --since <incident-start> --until <fix-time> "
    "--rule shop-dev-to-pay --region eu-west-1"
)
DLQ_REPLAY = "obskit dlq replay shop-dev-dlq-a --lambda shop-dev-pay --rate 5 --region eu-west-1"
QUERY = "obskit query --query-name errors/recent --since 1h --region eu-west-1"
FIX = Step("Roll back the deploy.")
PERSON = Step(
    "Unsubscribe.", "aws sns unsubscribe --subscription-arn <subscription-arn>", runnable=False
)


def _scenario(mitigation: tuple[Step, ...], diagnosis: tuple[Step, ...] = ()) -> Scenario:
    fault = Fault("service", "pay", "crash")
    return Scenario(
        id="lambda-pay-failing",
        title="pay fails",
        severity="high",
        kind="lambda",
        resource="shop-dev-pay",
        summary="",
        alarms=("shop-dev-pay-errors",),
        symptoms=(),
        diagnosis=diagnosis,
        mitigation=mitigation,
        verification=(),
        rollback=(),
        escalation=(),
        drill=Drill(fault, ("shop-dev-pay-errors",), 600),
    )


def _only(mutants: list[Mutant], mutation: str) -> Mutant:
    found = [m for m in mutants if m.mutation == mutation]
    assert len(found) == 1, [m.id for m in mutants]
    return found[0]


def _command(mutant: Mutant, index: int = 0) -> str:
    command = mutant.scenario.mitigation[index].command
    assert command is not None
    return command


def test_drop_leaves_the_step_out_and_names_it() -> None:
    scenario = _scenario((FIX, Step("Replay.", REPLAY, runnable=False)))
    dropped = _only(generate_mutants(scenario, NAMES), "drop")
    assert dropped.id == "lambda-pay-failing/mitigation-2/drop"
    assert dropped.scenario.mitigation == (FIX,)
    assert dropped.part == "mitigation" and dropped.step == 2


def test_wrong_resource_takes_the_next_name_of_the_same_kind() -> None:
    scenario = _scenario(
        (Step("Inspect.", "obskit dlq inspect shop-dev-dlq-a --region eu-west-1"),)
    )
    wrong = _only(generate_mutants(scenario, NAMES), "wrong-resource")
    assert _command(wrong) == "obskit dlq inspect shop-dev-dlq-b --region eu-west-1"
    assert wrong.detail == "the queue argument: dlq shop-dev-dlq-a -> shop-dev-dlq-b"
    # the last name wraps around to the first: deterministic, always another one
    query = _only(generate_mutants(_scenario((Step("q", QUERY),)), NAMES), "wrong-resource")
    assert "--query-name trace/by-id" in _command(query)  # the tail form is kept


def test_wrong_resource_edits_an_arn_and_keeps_the_variable_expandable() -> None:
    names = CatalogNames("shop", {**NAMES.by_kind, "topic": ("shop-a", "shop-b")})
    arn = '"arn:aws:sns:eu-west-1:${AWS_ACCOUNT_ID}:shop-a"'
    step = Step("Publish.", f"aws sns publish --topic-arn {arn} --message 'hi there'")
    wrong = _only(generate_mutants(_scenario((step,)), names), "wrong-resource")
    assert _command(wrong) == (
        'aws sns publish --topic-arn "arn:aws:sns:eu-west-1:${AWS_ACCOUNT_ID}:shop-b" '
        "--message 'hi there'"
    )


def test_no_wrong_resource_where_the_step_names_none_or_the_only_one() -> None:
    steps = (
        Step("settings", "aws lambda get-account-settings --region eu-west-1"),
        Step("trace", "obskit trace --last checkout --region eu-west-1"),  # one workflow only
        FIX,
    )
    mutants = generate_mutants(_scenario(steps), NAMES)
    assert not [m for m in mutants if m.mutation == "wrong-resource"]


def test_wrong_rule_or_target_changes_where_a_replay_sends_events() -> None:
    mutants = generate_mutants(_scenario((Step("Replay.", DLQ_REPLAY),)), NAMES)
    target = _only(mutants, "wrong-rule-or-target")
    assert "--lambda shop-dev-ship" in _command(target)
    assert "shop-dev-dlq-a" in _command(target)  # the queue is wrong-resource's, not this one's
    resource = _only(mutants, "wrong-resource")
    assert "--lambda shop-dev-pay" in _command(resource)
    replay = generate_mutants(_scenario((Step("Replay.", REPLAY, runnable=False),)), NAMES)
    assert "--rule shop-dev-to-ship" in _command(_only(replay, "wrong-rule-or-target"))


def test_replay_windows_before_the_incident_and_ending_before_the_fix() -> None:
    mutants = generate_mutants(_scenario((FIX, Step("Replay.", REPLAY, runnable=False))), NAMES)
    before = _only(mutants, "replay-before-incident")
    assert "--since <before-incident> --until <incident-start>" in _command(before, 1)
    early = _only(mutants, "replay-ends-before-fix")
    assert "--since <incident-start> --until <fault-time>" in _command(early, 1)
    assert not early.scenario.mitigation[1].runnable  # the drill fills the window itself
    # the drill knows every moment these windows use
    values = incident_values(fault_at=10_000.0, fixed_at=10_600.0)
    for mutant in (before, early):
        filled = fill(_command(mutant, 1), values)
        assert filled is not None and "<" not in filled
    assert values["before-incident"] < values["incident-start"] < values["fault-time"]
    assert values["fault-time"] < values["fix-time"]


def test_aws_start_replay_gets_the_same_window_mutants() -> None:
    command = (
        "aws events start-replay --replay-name r --event-source-arn arn:aws:events:x "
        "--event-start-time <incident-start> --event-end-time <fix-time> --destination Arn=y"
    )
    mutants = generate_mutants(_scenario((Step("Replay.", command, runnable=False),)), NAMES)
    before = _only(mutants, "replay-before-incident")
    words = shlex.split(_command(before))
    assert words[words.index("--event-start-time") + 1] == "<before-incident>"
    assert words[words.index("--event-end-time") + 1] == "<incident-start>"
    assert _only(mutants, "replay-ends-before-fix")


def test_no_window_mutant_for_a_command_that_replays_nothing() -> None:
    mutants = generate_mutants(_scenario((Step("q", QUERY),)), NAMES)
    assert not [m for m in mutants if m.mutation.startswith("replay-")]


def test_wrong_region_only_where_the_step_names_a_region() -> None:
    mutants = generate_mutants(
        _scenario((Step("q", QUERY), Step("s", "obskit dlq inspect q"))), NAMES
    )
    region = _only(mutants, "wrong-region")
    assert region.step == 1 and "--region us-west-2" in _command(region)
    west = Step("q", "aws lambda get-account-settings --region us-west-2")
    assert "--region us-east-1" in _command(
        _only(generate_mutants(_scenario((west,)), NAMES), "wrong-region")
    )


def test_swap_next_swaps_a_fix_and_its_replay_but_not_a_skipped_step() -> None:
    replay = Step("Replay.", REPLAY, runnable=False)
    mutants = generate_mutants(_scenario((FIX, replay, PERSON)), NAMES)
    swap = _only(mutants, "swap-next")
    assert swap.id == "lambda-pay-failing/mitigation-1/swap-next"
    assert swap.scenario.mitigation == (replay, FIX, PERSON)
    # the step a person must fill in is skipped by drills: moving it changes nothing
    assert not [m for m in mutants if m.step == 3 or (m.step == 2 and m.mutation == "swap-next")]


def test_steps_a_drill_cannot_run_get_no_mutant() -> None:
    mutants = generate_mutants(_scenario((FIX, PERSON)), NAMES)
    assert mutants == []


def test_ids_are_unique_and_stable_and_every_part_is_mutated() -> None:
    scenario = _scenario((Step("Replay.", DLQ_REPLAY), FIX), diagnosis=(Step("q", QUERY),))
    first = generate_mutants(scenario, NAMES)
    again = generate_mutants(scenario, NAMES)
    assert [m.id for m in first] == [m.id for m in again]
    assert len({m.id for m in first}) == len(first)
    assert {m.part for m in first} == {"diagnosis", "mitigation"}


def test_a_mutant_of_a_step_the_drill_does_not_run_is_equivalent() -> None:
    scenario = _scenario((Step("Replay.", DLQ_REPLAY),), diagnosis=(Step("q", QUERY),))
    for mutant in generate_mutants(scenario, NAMES):
        changed = drilled_steps(mutant.scenario) != drilled_steps(scenario)
        assert mutant.equivalent_to(scenario) is not changed


@pytest.mark.parametrize("example", ["alchemiser", "orders"])
def test_both_examples_get_mutants_whose_names_are_the_catalogs_own(example: str) -> None:
    catalog = load_catalog(EXAMPLES / example / "catalog.yaml")
    scenarios = build_scenarios(catalog)
    mutants = catalog_mutants(catalog, scenarios)
    names = CatalogNames.of(catalog)
    every_name = {n for kind in names.by_kind.values() for n in kind}
    assert len({m.id for m in mutants}) == len(mutants)
    assert {m.mutation for m in mutants} >= {"drop", "wrong-resource", "wrong-region", "swap-next"}
    for mutant in (m for m in mutants if m.mutation == "wrong-resource"):
        new = mutant.detail.rsplit(" -> ", 1)[1]
        assert new in every_name or new.rsplit(":", 1)[1] in every_name, mutant.detail
    assert [m.id for m in catalog_mutants(catalog, scenarios)] == [m.id for m in mutants]
