"""A runbook step's evidence: ``Step.expect`` is checked on the output, a step that misleads fails
the drill with a message naming it, and the report says which part each step belongs to."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import load_catalog
from runbooks.drills.expect import ExpectError, item_found, missing
from runbooks.drills.model import REPORT_KEYS, STEP_KEYS, DrillReport, DrillResult, StepResult
from runbooks.drills.report import to_html, to_markdown, write_report
from runbooks.drills.steps import judged, not_run, step_failures
from runbooks.scenarios import build_scenarios, evidence
from runbooks.scenarios.model import Step

TRACE = """Trace workflow-1  FAILED  workflow trading
Errors: 3
  2026-12-03T07:00:08.422Z portfolio: uncaught InjectedFault
Missing RebalancePlanned: SignalGenerated was handled by portfolio at 07:00:08.422 but no \
RebalancePlanned was handled after it (execution never handled one)
"""


def test_literal_regex_and_negated_items() -> None:
    assert item_found("portfolio: uncaught", TRACE)
    assert not item_found("execution: uncaught", TRACE)
    assert item_found(r"re:^Trace \S+ +FAILED", TRACE)
    assert not item_found(r"re:^Trace \S+ +COMPLETED", TRACE)
    assert item_found("not:re:^Trace \\S+ +COMPLETED", TRACE)
    assert not item_found("not:portfolio", TRACE)
    # a literal is never read as a pattern: the dots and brackets of a name are literal
    assert not item_found("a.b[1]", "axb1")
    assert missing(("FAILED", "COMPLETED", "not:FAILED"), TRACE) == ["COMPLETED", "not:FAILED"]


def test_an_invalid_pattern_is_an_error_naming_the_item() -> None:
    with pytest.raises(ExpectError, match=r"expect item 're:\(' is not a valid regular"):
        item_found("re:(", TRACE)


def test_the_trace_evidence_names_where_the_run_stopped() -> None:
    assert missing(evidence.trace_stopped_at("portfolio"), TRACE) == []
    assert missing(evidence.trace_stopped_at("execution"), TRACE) != []
    assert missing(evidence.trace_stopped_at("folio"), TRACE) != []  # a whole name only
    assert missing(evidence.trace_errors_in("portfolio"), TRACE) == []
    assert missing(evidence.trace_errors_in("execution"), TRACE) != []
    assert missing(evidence.trace_waiting_for("execution"), TRACE) == []
    assert missing(evidence.trace_failed_with(["WorkflowFailed"]), TRACE) != []


OUTCOMES = """┃ event_type        ┃ workflows ┃
│ WorkflowCompleted │ {done}         │
│ WorkflowStarted   │ {started}         │
"""


@settings(max_examples=25, deadline=None, derandomize=True)
@given(started=st.integers(1, 300), done=st.integers(0, 300))
def test_as_many_completed_as_started(started: int, done: int) -> None:
    table = OUTCOMES.format(started=started, done=done)
    shown = not missing(evidence.as_many_completed("WorkflowStarted", "WorkflowCompleted"), table)
    assert shown == (started == done)


def test_dlq_rows() -> None:
    full = (
        "  q-dlq: 4 message(s), 1 distinct event(s)\n┃ count ┃ event type ┃\n│ 4     │ Started │\n"
    )
    empty = "  q-dlq: 0 message(s), 0 distinct event(s)\n┃ count ┃ event type ┃ error ┃\n"
    assert missing(evidence.dlq_holds_messages("q-dlq"), full) == []
    assert missing(evidence.dlq_holds_messages("q-dlq"), empty) != []
    assert missing(evidence.dlq_empty("q-dlq"), empty) == []
    assert missing(evidence.dlq_empty("q-dlq"), full) != []
    # another DLQ, full or empty, does not pass for this one
    assert missing(evidence.dlq_holds_messages("q-dlq"), full.replace("q-dlq", "x-dlq")) != []
    assert missing(evidence.dlq_holds_messages("q-dlq"), full.replace("q-dlq", "aq-dlq")) != []
    assert missing(evidence.dlq_empty("q-dlq"), empty.replace("q-dlq", "x-dlq")) != []


def test_rule_targets() -> None:
    on_aws = '{"Targets": [{"Id": "t", "Arn": "arn:aws:lambda:us-east-1:1:function:app-portfolio",'
    on_aws += ' "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:1:app-event-dlq"}}]}'
    in_sandbox = on_aws.replace(
        "lambda:us-east-1:1:function:app-portfolio", "sqs:us-east-1:1:app-portfolio-async-invoke"
    )
    expect = evidence.rule_targets(["app-portfolio"], ["app-event-dlq"])
    assert missing(expect, on_aws) == [] and missing(expect, in_sandbox) == []
    assert missing(evidence.rule_targets(["app-port"], []), on_aws) != []
    assert missing(evidence.rule_targets(["app-signal"], []), on_aws) != []
    assert missing(evidence.rule_targets([], ["app-dlq"]), on_aws) == [':app-dlq"']


def test_alarms_not_firing() -> None:
    ok = '{"AlarmName": "a", "StateValue": "OK"}, {"AlarmName": "b", "StateValue": "INSUFFICIENT_DATA"}'
    assert missing(evidence.alarms_not_firing(["a", "b"]), ok) == []
    assert missing(evidence.alarms_not_firing(["a", "b"]), ok.replace('"OK"', '"ALARM"')) != []
    assert missing(evidence.alarms_not_firing(["a", "c"]), ok) == ['"AlarmName": "c"']


def test_a_step_whose_output_misleads_fails_with_a_clear_message() -> None:
    step = Step(
        "trace",
        "obskit trace --last trading",
        expect=evidence.trace_stopped_at("portfolio"),
        exit_codes=(0, 1),
    )
    wrong = TRACE.replace("handled by portfolio", "handled by execution")
    outcome = judged(step, "diagnosis", StepResult(step.command or "", 1, False, wrong))
    assert outcome.ok and outcome.matched is False  # exit 1 is allowed: the run failed
    [failure] = step_failures([outcome])
    assert failure.startswith("diagnosis step `obskit trace --last trading`: output does not")
    assert "was handled by" in failure and "expect: [" in failure
    assert "output ends: " in failure and "(execution never handled one)" in failure
    assert "\n" not in failure


def test_a_step_exiting_outside_its_codes_fails_and_one_not_run_never_does() -> None:
    step = Step("x", "aws lambda get-policy --function-name f")
    outcome = judged(step, "diagnosis", StepResult(step.command or "", 255, False, "boom"))
    assert step_failures([outcome]) == [
        "diagnosis step exited 255: aws lambda get-policy --function-name f"
    ]
    skipped = not_run(
        Step("x", "aws sns unsubscribe --subscription-arn <arn>"), "rollback", placeholder=True
    )
    assert step_failures([skipped]) == []


def test_report_steps_carry_part_expect_matched_and_run(tmp_path: Path) -> None:
    result = DrillResult("lambda-x-failing", "x", ["a"], budget_s=60)
    shown = StepResult("obskit query", 0, True, "rows", "diagnosis", ("rows",), True)
    manual = not_run(
        Step("x", "aws sns unsubscribe --subscription-arn <subscription-arn>"),
        "mitigation",
        placeholder=True,
    )
    rollback = not_run(
        Step("x", "aws lambda put-function-concurrency"), "rollback", placeholder=False
    )
    result.steps = [shown, manual, rollback]
    report = DrillReport("embedded example", "s", "dev", [result])
    entry = orjson.loads(write_report(report, tmp_path / "d.json")[0].read_bytes())["scenarios"][0]
    assert tuple(entry) == REPORT_KEYS and entry["placeholders"] == 1
    assert [tuple(step) for step in entry["steps"]] == [STEP_KEYS] * 3
    assert entry["steps"][0] == {
        "command": "obskit query",
        "exit_code": 0,
        "ok": True,
        "part": "diagnosis",
        "expect": ["rows"],
        "matched": True,
        "run": True,
    }
    assert entry["steps"][1]["run"] is False and entry["steps"][1]["exit_code"] is None
    assert entry["steps"][2]["part"] == "rollback" and entry["steps"][2]["run"] is False
    markdown = to_markdown(report)
    assert "- diagnosis: `obskit query` → exit 0; expect rows: shown" in markdown
    assert "not run (needs a value only a person can supply)" in markdown
    assert "not run (rollback)" in markdown
    assert '<li class="rollback">rollback:' in to_html(report)


def test_every_runnable_step_of_the_example_expects_valid_patterns() -> None:
    for scenario in build_scenarios(load_catalog()):
        for _part, step in scenario.steps():
            missing(step.expect, "")  # raises ExpectError on a pattern that does not compile


def test_some_rows() -> None:
    assert missing(evidence.some_rows(), "1 row(s); records scanned 49, matched 19") == []
    assert missing(evidence.some_rows(), "0 row(s); records scanned 49, matched 0") != []
    assert missing(evidence.some_rows(), "10 row(s); records scanned 9") == []
