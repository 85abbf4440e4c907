"""`obskit runbook check`: sound for both examples; each rule, when broken, is reported."""

from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog import load_catalog
from dashboards.build import build_monitoring
from insights_queries.library import build_queries
from runbooks.runbook_aws import AwsCommandError, parse_aws_command
from runbooks.runbook_check import Problem, check_runbook
from runbooks.scenarios import Scenario, Step, build_scenarios
from tools.runbook_cli import runbook
from tools.runbook_obskit import parse_obskit

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders" / "catalog.yaml"


@pytest.mark.parametrize("args", [[], ["--catalog", str(ORDERS)]], ids=["alchemiser", "orders"])
def test_examples_are_sound(args: list[str]) -> None:
    result = CliRunner().invoke(runbook, ["check", *args])
    assert result.exit_code == 0, result.output
    assert "runbook ok" in result.output


def _check(scenarios: list[Scenario]) -> list[Problem]:
    catalog = load_catalog()
    return check_runbook(
        catalog, scenarios, build_monitoring(catalog), build_queries(catalog), parse_obskit
    )


def _with_step(step: Step, scenario_id: str = "lambda-portfolio-failing") -> list[Scenario]:
    scenarios = build_scenarios(load_catalog())
    return [
        dataclasses.replace(s, diagnosis=(*s.diagnosis, step)) if s.id == scenario_id else s
        for s in scenarios
    ]


def _only(problems: list[Problem]) -> str:
    assert len(problems) == 1, problems
    text = str(problems[0])
    assert text.startswith("scenario lambda-portfolio-failing diagnosis step 5: ")
    return text


def test_step_naming_a_missing_query() -> None:
    text = _only(_check(_with_step(Step("x", query="alchemiser/errors/no-such-query"))))
    assert "query 'alchemiser/errors/no-such-query'" in text


def test_obskit_query_command_with_a_missing_query() -> None:
    step = Step("x", "obskit query --query-name errors/nope --since 1h")
    assert "no generated query named 'errors/nope'" in _only(_check(_with_step(step)))


def test_unknown_obskit_option() -> None:
    step = Step("x", "obskit trace --last trading --follow")
    assert "No such option '--follow'" in _only(_check(_with_step(step)))


def test_unknown_obskit_command() -> None:
    step = Step("x", "obskit redrive alchemiser-dev-event-dlq")
    assert "no such command 'obskit redrive'" in _only(_check(_with_step(step)))


def test_the_first_users_nonexistent_aws_command() -> None:
    step = Step("x", "aws logs filter-events --log-group-name /aws/lambda/x")
    assert "'aws logs filter-events' does not exist" in _only(_check(_with_step(step)))


def test_aws_option_that_the_operation_does_not_take() -> None:
    step = Step("x", "aws sqs set-queue-attributes --queue-url u --redrive-policy x")
    text = _only(_check(_with_step(step)))
    assert "unknown option --redrive-policy for 'aws sqs set-queue-attributes'" in text


def test_aws_command_missing_a_required_option() -> None:
    step = Step("x", "aws lambda put-function-concurrency --function-name alchemiser-dev-portfolio")
    assert "requires --reserved-concurrent-executions" in _only(_check(_with_step(step)))


def test_wrong_resource_names_in_commands() -> None:
    wrong_queue = Step("x", "obskit dlq replay alchemiser-dev-evnt-dlq --rate 5")
    assert "unknown queue 'alchemiser-dev-evnt-dlq'" in _only(_check(_with_step(wrong_queue)))
    wrong_function = Step("x", "aws lambda get-function-concurrency --function-name portfolio")
    assert "unknown function 'portfolio'" in _only(_check(_with_step(wrong_function)))
    wrong_workflow = Step("x", "obskit trace --last trade")
    assert "unknown workflow 'trade'" in _only(_check(_with_step(wrong_workflow)))


def test_missing_dashboard() -> None:
    text = _only(_check(_with_step(Step("x", dashboard="alchemiser-prod"))))
    assert "dashboard 'alchemiser-prod'" in text


def test_alarm_without_scenario_and_scenario_without_drill() -> None:
    scenarios = build_scenarios(load_catalog())
    dropped = [s for s in scenarios if s.id != "lambda-metrics-slow"]
    no_drill = [
        dataclasses.replace(s, drill=None) if s.id == "queue-execution-backlog" else s
        for s in dropped
    ]
    problems = [str(p) for p in _check(no_drill)]
    assert problems == [
        "scenario queue-execution-backlog: has no drill",
        "alarm alchemiser-dev-metrics-duration: no scenario is detected by this alarm",
    ]


def test_scenario_naming_an_alarm_that_is_not_generated() -> None:
    scenarios = [
        dataclasses.replace(s, alarms=(*s.alarms, "alchemiser-dev-portfolio-errorz"))
        if s.id == "lambda-portfolio-failing"
        else s
        for s in build_scenarios(load_catalog())
    ]
    problems = [str(p) for p in _check(scenarios)]
    assert problems == [
        "scenario lambda-portfolio-failing: names alarm 'alchemiser-dev-portfolio-errorz', "
        "which is not generated"
    ]


def test_cli_exits_non_zero_listing_every_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    import tools.runbook_cli as cli_module

    real = cli_module.build_scenarios

    def broken(catalog, args=None):  # type: ignore[no-untyped-def]
        out = real(catalog, args)
        return [
            dataclasses.replace(
                s,
                mitigation=(
                    *s.mitigation,
                    Step("bad", "aws logs filter-events --log-group-name x"),
                ),
            )
            if s.id.startswith("lambda-") and s.id.endswith("-slow")
            else s
            for s in out
        ]

    monkeypatch.setattr(cli_module, "build_scenarios", broken)
    result = CliRunner().invoke(runbook, ["check"])
    assert result.exit_code == 1
    assert result.output.count("slow mitigation step 2: `aws logs filter-events") == 8
    assert "8 problem(s)" in result.output


@pytest.mark.parametrize(
    "command",
    [
        "aws lambda update-event-source-mapping --uuid u --no-enabled --region us-east-1",
        "aws sqs get-queue-attributes --queue-url u --attribute-names A B",
        "aws sns subscribe --topic-arn t --protocol email --notification-endpoint a@b.c",
        "aws cloudwatch describe-alarms --alarm-names a b --output json --no-cli-pager",
    ],
)
def test_real_aws_commands_parse(command: str) -> None:
    parse_aws_command(command)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("aws lambda update-event-source-mapping --uuid u --enabled yes", "is a flag"),
        ("aws sqs get-queue-url --queue-name a b", "takes one value"),
        ("aws sns subscribe --topic-arn t --protocol email --endpoint x", "unknown option"),
        ("aws nosuchservice do-thing", "unknown AWS CLI service"),
        ("gcloud compute list", "expected 'aws"),
    ],
)
def test_bad_aws_commands_are_rejected(command: str, message: str) -> None:
    with pytest.raises(AwsCommandError, match=message):
        parse_aws_command(command)


def test_every_obskit_command_in_the_docs_parses(repo_root: Path) -> None:
    text = (repo_root / "docs" / "runbook.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("obskit "):
                commands.append(line)
    assert len(commands) >= 10
    for command in commands:
        if "<" in command:  # a value the reader substitutes
            continue
        parse_obskit(shlex.split(command)[1:])


def test_a_topic_no_drill_could_prove_is_refused_with_the_reason_and_the_fix(
    tmp_path: Path,
) -> None:
    """A topic nobody subscribes to can never fail a delivery: its drill would prove nothing,
    so `runbook check` says why there is none and what to write in the catalog."""
    text = ORDERS.read_text(encoding="utf-8").replace(
        "    subscriptions:\n      - {protocol: email, endpoint: shop-support@example.com}\n", ""
    )
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(runbook, ["check", "--catalog", str(path)])
    assert result.exit_code == 1, result.output
    assert "has no drill: topic 'orders-staging-customer-updates' has no subscription" in (
        result.output.replace("\n", " ")
    )
    assert "topics[].subscriptions" in result.output.replace("\n", "")


def _replaced(scenario_id: str, **changes: object) -> list[Scenario]:
    return [
        dataclasses.replace(s, **changes) if s.id == scenario_id else s  # type: ignore[arg-type]
        for s in build_scenarios(load_catalog())
    ]


def test_a_drill_that_runs_no_diagnosis_step_is_refused() -> None:
    only_words = (Step("Read the dashboard."), Step("x", "obskit trace <correlation-id>"))
    problems = _check(_replaced("lambda-portfolio-failing", diagnosis=only_words))
    assert [str(p) for p in problems] == [
        "scenario lambda-portfolio-failing drill: runs no diagnosis step: give the diagnosis at "
        "least one command (with no placeholder but the incident window) so the drill proves it "
        "finds the cause"
    ]


def test_a_diagnosis_step_with_only_the_incident_window_counts_as_run() -> None:
    step = Step("x", "obskit query --query-name errors/recent-errors --since <incident-start>")
    assert _check(_replaced("lambda-portfolio-failing", diagnosis=(step,))) == []


def test_a_drill_without_mitigation_needs_the_reason() -> None:
    problems = _check(_replaced("lambda-portfolio-failing", mitigation=()))
    assert len(problems) == 1
    assert "has no mitigation step and no reason why nothing needs doing" in str(problems[0])
    reason = "idempotency absorbs it"
    assert _check(_replaced("lambda-portfolio-failing", mitigation=(), no_action=reason)) == []


def test_a_fault_that_ends_by_itself_needs_the_reason() -> None:
    scenario = next(
        s for s in build_scenarios(load_catalog()) if s.id == "lambda-portfolio-failing"
    )
    assert scenario.drill is not None
    ends = dataclasses.replace(scenario.drill, clear_after_s=300)
    problems = _check(_replaced("lambda-portfolio-failing", drill=ends))
    assert len(problems) == 1
    assert "the fault on portfolio ends by itself (clear_after_s)" in str(problems[0])
    explained = dataclasses.replace(ends, transient="a deploy that rolls itself back")
    assert _check(_replaced("lambda-portfolio-failing", drill=explained)) == []


def test_an_expect_pattern_that_does_not_compile_is_refused() -> None:
    step = Step("x", "aws lambda get-account-settings", expect=("not:re:([unclosed",))
    text = _only(_check(_with_step(step)))
    assert "expect item 're:([unclosed' is not a valid regular expression" in text


def test_every_drill_of_both_examples_runs_diagnosis_and_mitigation() -> None:
    for path in (None, ORDERS):
        for scenario in build_scenarios(load_catalog(path)):
            if scenario.drill is None:
                continue
            assert any(s.command for s in scenario.diagnosis), scenario.id
            assert scenario.mitigation or scenario.no_action, scenario.id
