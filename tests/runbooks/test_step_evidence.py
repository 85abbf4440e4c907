"""Each step of a Lambda, workflow or queue runbook asks for what only its own output shows.

A step whose expectation another step's output (or another query's, region's or function's)
also meets cannot be told from its mutant: left out, or pointed elsewhere, the drill still
passes. Each case below is the output of the step as the drill runs it (cut to the rows that
matter) and the output its mutant produces: the old expectation passed both, the new one only
the first. No drill runs here (``test_mutation_drills.py`` runs a few of these mutants).
"""

from __future__ import annotations

import pytest

from catalog import load_catalog
from catalog.models import Service
from runbooks.drills.expect import missing
from runbooks.scenarios import build_scenarios, evidence
from runbooks.scenarios.model import Scenario, Step

LOG = "123456789012:/aws/lambda/alchemiser-dev-portfolio"
RECENT_ERRORS = f"""\
┃ @timestamp              ┃ @log  ┃ line_level ┃ line_message           ┃ event_type      ┃
│ 2026-12-03 14:03:08.235 │ {LOG} │ ERROR      │ uncaught InjectedFault │ SignalGenerated │
3 row(s); records scanned 60, matched 3, bytes scanned 23,272
"""
FAILED_BY_TYPE = f"""\
┃ event_type      ┃ @log  ┃ error_lines ┃ events ┃
│ SignalGenerated │ {LOG} │ 3           │ 1      │
1 row(s); records scanned 60, matched 3, bytes scanned 23,272
"""
HANDLED_TWICE = f"""\
┃ @log  ┃ event_type      ┃ event_id                             ┃ invocations ┃ first_seen   ┃
│ {LOG} │ SignalGenerated │ d466f08e-dc0b-4150-98fd-4df26ac0ec5d │ 3           │ 2026-12-03 14:00:08.000 │
1 row(s); records scanned 60, matched 3, bytes scanned 23,272
"""
ERROR_RATE = f"""\
┃ @log                                                  ┃ errors ┃ lines ┃ error_pct ┃
│ 123456789012:/aws/lambda/alchemiser-dev-execution     │ 0      │ 42    │ 0         │
│ {LOG}     │ 0      │ 12    │ 0         │
"""
NO_ROWS = "\n0 row(s); records scanned 294, matched 0, bytes scanned 83,386\n"
RESERVATION = '{\n    "FunctionName": "%s",\n    "ReservedConcurrentExecutions": %s\n}\n'
ACCOUNT = """{
    "AccountLimit": {
        "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": %d
    },
    "AccountUsage": {
        "TotalCodeSize": 1256,
        "FunctionCount": %d
    }
}
"""
PAST_SLA = """\
┃ line_correlation_id ┃ started                 ┃ last_seen               ┃ duration_s ┃ start_lines ┃ end_lines ┃
│ workflow-60a445e2   │ 2026-12-03 14:00:06.501 │ 2026-12-03 14:00:08.000 │ 1.499      │ 8           │ 0         │
1 row(s); records scanned 49, matched 19, bytes scanned 13,909
"""
STEP_TIMELINE = """\
┃ line_correlation_id ┃ event_type             ┃ first_handled           ┃ last_handled            ┃ events ┃ lines ┃
│ workflow-60a445e2   │ PartialSignalGenerated │ 2026-12-03 14:00:07.500 │ 2026-12-03 14:00:07.500 │ 4      │ 5     │
│ workflow-60a445e2   │ SignalGenerated        │ 2026-12-03 14:00:08.000 │ 2026-12-03 14:00:08.000 │ 1      │ 1     │
3 row(s); records scanned 49, matched 14, bytes scanned 13,909
"""
WORKER = "123456789012:/aws/lambda/alchemiser-dev-strategy-worker"
DUPLICATES = f"""\
┃ @log     ┃ event_type      ┃ duplicates ┃ events ┃
│ {WORKER} │ WorkflowStarted │ 8          │ 2      │
1 row(s); records scanned 266, matched 8, bytes scanned 74,869
"""
WORKER_TWICE = f"""\
┃ @log     ┃ event_type      ┃ event_id                             ┃ invocations ┃ first_seen   ┃
│ {WORKER} │ WorkflowStarted │ b6245fea-f727-470a-ae9e-fc108f8a9f39 │ 8           │ 2026-12-03 14:00:12.000 │
2 row(s); records scanned 266, matched 86, bytes scanned 74,869
"""
QUEUE_URL = """{
    "QueueUrl": "http://127.0.0.1:5000/123456789012/alchemiser-dev-execution.fifo"
}
"""
TARGETS = '"Arn": "arn:aws:sqs:us-east-1:123456789012:alchemiser-dev-execution.fifo"\n'


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    return {s.id: s for s in build_scenarios(load_catalog())}


def _step(scenario: Scenario, part: str, command: str) -> Step:
    steps = [s for p, s in scenario.steps() if p == part and command in (s.command or "")]
    assert len(steps) == 1, (scenario.id, part, command)
    return steps[0]


def _shows(step: Step, output: str) -> bool:
    return not missing(step.expect, output)


def test_recent_errors_and_failed_by_type_each_show_their_own_rows(
    scenarios: dict[str, Scenario],
) -> None:
    failing = scenarios["lambda-portfolio-failing"]
    recent = _step(failing, "diagnosis", "errors/recent-errors")
    by_type = _step(failing, "diagnosis", "events/failed-by-type")
    assert _shows(recent, RECENT_ERRORS) and _shows(by_type, FAILED_BY_TYPE)
    # the old expectation (the log group) was met by either query, and by the one that
    # replaced failed-by-type: each is now met by its own output only
    for output in (FAILED_BY_TYPE, HANDLED_TWICE):
        assert not missing(evidence.log_lines_of(failing_service(failing)), output)
        assert not _shows(recent, output)
    for output in (RECENT_ERRORS, HANDLED_TWICE):
        assert not _shows(by_type, output)


def failing_service(scenario: Scenario) -> Service:
    return load_catalog().service(scenario.id.removeprefix("lambda-").removesuffix("-failing"))


def test_a_job_that_consumes_no_event_has_no_failed_by_type_step(
    scenarios: dict[str, Scenario],
) -> None:
    job = scenarios["lambda-strategy-orchestrator-failing"]
    assert not any("failed-by-type" in (s.command or "") for _p, s in job.steps())


def test_the_errors_stop_needs_the_function_running_without_errors(
    scenarios: dict[str, Scenario],
) -> None:
    check = _step(scenarios["lambda-portfolio-failing"], "verification", "error-rate-by-service")
    assert "--since <fix-time>" in str(check.command)
    assert _shows(check, ERROR_RATE)
    # nothing since the fix (a query of another kind, or the step left out) passed before
    assert not missing(("not:/aws/lambda/alchemiser-dev-portfolio",), NO_ROWS)
    assert not _shows(check, NO_ROWS)
    assert not _shows(check, ERROR_RATE.replace("│ 0      │ 12", "│ 2      │ 12"))


def test_the_restored_concurrency_names_its_function(scenarios: dict[str, Scenario]) -> None:
    check = _step(scenarios["lambda-portfolio-throttled"], "verification", "get-function ")
    assert _shows(check, RESERVATION % ("alchemiser-dev-portfolio", "null"))
    # get-function-concurrency's `{}` for another function met `not: ... 0` as well
    assert not missing(evidence.not_stopped(), "{}\n")
    assert not _shows(check, RESERVATION % ("alchemiser-dev-signal-aggregator", "null"))
    assert not _shows(check, RESERVATION % ("alchemiser-dev-portfolio", "0"))
    kept = _step(scenarios["lambda-execution-throttled"], "verification", "get-function ")
    assert _shows(kept, RESERVATION % ("alchemiser-dev-execution", "1"))
    assert not _shows(kept, RESERVATION % ("alchemiser-dev-execution", "null"))


def test_the_account_pool_is_the_catalog_region_s(scenarios: dict[str, Scenario]) -> None:
    look = _step(scenarios["lambda-portfolio-throttled"], "diagnosis", "get-account-settings")
    assert _shows(look, ACCOUNT % (999, 8))
    # another region: the same fields, none of the catalog's functions or reservations
    assert not missing(evidence.account_concurrency(), ACCOUNT % (1000, 0))
    assert not _shows(look, ACCOUNT % (1000, 0))
    assert not _shows(look, ACCOUNT % (1000, 8))  # execution's reservation not counted
    assert _shows(look, ACCOUNT % (990, 12))  # other functions of the account count too
    # while execution itself is stopped nothing else reserves: the function count tells
    own = _step(scenarios["lambda-execution-throttled"], "diagnosis", "get-account-settings")
    assert _shows(own, ACCOUNT % (1000, 8)) and not _shows(own, ACCOUNT % (1000, 0))


def test_the_stuck_run_s_queries_show_the_held_run_and_its_last_step(
    scenarios: dict[str, Scenario],
) -> None:
    stuck = scenarios["workflow-trading-stuck"]
    past_sla = _step(stuck, "diagnosis", "trading-past-sla")
    timeline = _step(stuck, "diagnosis", "step-timeline")
    assert _shows(past_sla, PAST_SLA) and _shows(timeline, STEP_TIMELINE)
    # some rows (all that was asked) were in the timeline too; and the other way round
    assert not missing(evidence.some_rows(), STEP_TIMELINE)
    assert not _shows(past_sla, STEP_TIMELINE) and not _shows(timeline, PAST_SLA)
    assert not _shows(past_sla, PAST_SLA.replace("│ 0         │", "│ 1         │"))


def test_duplicates_detected_shows_its_own_row(scenarios: dict[str, Scenario]) -> None:
    dup = scenarios["workflow-trading-duplicate-delivery"]
    skipped = _step(dup, "diagnosis", "duplicates-detected")
    assert _shows(skipped, DUPLICATES)
    # the start event's row (all that was asked) is in handled-more-than-once's output too
    assert not missing(evidence.rows_of("WorkflowStarted"), WORKER_TWICE)
    assert not _shows(skipped, WORKER_TWICE)
    # which asks for nothing: a skipped delivery in the same SQS batch makes no row of it
    assert _step(dup, "diagnosis", "handled-more-than-once").expect == ()


def test_the_poison_message_s_replay_reaches_its_consumer_again(
    scenarios: dict[str, Scenario],
) -> None:
    check = _step(
        scenarios["queue-execution-poison-message"], "verification", "handled-more-than-once"
    )
    row = (
        "│ 123456789012:/aws/lambda/alchemiser-dev-execution │ RebalancePlanned │ a1718b9b │ 4 "
        "│ 2026-12-03 14:00:08.500 │\n"
    )
    assert _shows(check, row)
    assert not _shows(check, WORKER_TWICE) and not _shows(check, NO_ROWS)


def test_get_queue_url_shows_the_url_not_just_the_name(scenarios: dict[str, Scenario]) -> None:
    look = _step(scenarios["rule-to-execution-target-failing"], "diagnosis", "get-queue-url")
    assert _shows(look, QUEUE_URL)
    # the rule's targets name the queue in an ARN: that passed for the URL before
    assert not missing(evidence.names("alchemiser-dev-execution.fifo"), TARGETS)
    assert not _shows(look, TARGETS)


def test_no_run_started_must_come_from_the_catalog_s_log_groups(
    scenarios: dict[str, Scenario],
) -> None:
    trace = _step(scenarios["lambda-strategy-orchestrator-failing"], "diagnosis", "trace --last")
    said = "Error: no WorkflowStarted of workflow trading found; searched 8 log group(s)%s from …\n"
    assert _shows(trace, said % "") and _shows(trace, said % " (2 not found)")
    # another region has none of them: no run found there either, which passed before
    assert not missing(
        evidence.no_run_started("WorkflowStarted", "trading"), said % " (8 not found)"
    )
    assert not _shows(trace, said % " (8 not found)")


HOP_LATENCY = """\
┃ event_type             ┃ handled_lines ┃ events ┃ avg_ms             ┃ p95_ms ┃ max_ms ┃
│ RebalancePlanned       │ 99            │ 9      │ 192872.33333333334 │ 385361 │ 385361 │
│ TradeExecuted          │ 88            │ 80     │ 313.75             │ 500    │ 500    │
7 row(s); records scanned 1,269, matched 413, bytes scanned 364,653
"""
HOP_SLA_BREACHES = """\
┃ event_type       ┃ @log                                              ┃ late_events ┃ max_ms ┃
│ RebalancePlanned │ 123456789012:/aws/lambda/alchemiser-dev-execution │ 10          │ 433381 │
1 row(s); records scanned 786, matched 110, bytes scanned 224,500
"""


def test_the_hop_latency_look_shows_its_own_table(scenarios: dict[str, Scenario]) -> None:
    """The slow queue consumer's look at hop latency: the breach query (its mutant) listed the
    same event type, which the old expectation (a row of the type with a count) took for it."""
    slow = scenarios["lambda-execution-slow"]
    look = _step(slow, "diagnosis", "latency/hop-latency")
    assert _shows(look, HOP_LATENCY)
    assert not missing(evidence.rows_of("RebalancePlanned"), HOP_SLA_BREACHES)
    assert not _shows(look, HOP_SLA_BREACHES)


def test_hop_steps_only_where_they_can_show_something(scenarios: dict[str, Scenario]) -> None:
    """No hop-latency look for a function that consumes no event (the orchestrator: the look
    asked for nothing), and no SLA check after the fix for a queue consumer (its backlog drains
    late after the fix, on AWS too: the check asked for nothing); a function fed directly has
    both."""
    commands = {
        drill: [s.command or "" for _p, s in scenarios[drill].steps()]
        for drill in (
            "lambda-strategy-orchestrator-slow",
            "lambda-execution-slow",
            "lambda-portfolio-slow",
        )
    }
    assert not any("hop-" in c for c in commands["lambda-strategy-orchestrator-slow"])
    assert any("hop-latency" in c for c in commands["lambda-execution-slow"])
    assert not any("hop-sla-breaches" in c for c in commands["lambda-execution-slow"])
    assert sum("hop-" in c for c in commands["lambda-portfolio-slow"]) == 2
