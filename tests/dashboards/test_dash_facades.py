"""The facades' alarms on the embedded Alchemiser and on a second, different catalog.

Every expectation is computed from the catalog (timeouts, queues, rules, SLA), so a change to the
catalog changes what is expected, never a hard-coded copy of the output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import Catalog, load_catalog
from dashboards.aws_shapes import put_metric_alarm_kwargs
from dashboards.build import Monitoring, build_monitoring
from dashboards.emf_names import (
    NAMESPACE,
    SERVICE_DIMENSION,
    WORKFLOW_DIMENSION,
    workflow_metrics_service,
)
from dashboards.validation.composite_rule import referenced_alarms
from logging_config.metrics import EMF_DEFAULTS

PAYMENTS = Path(__file__).parent / "data" / "payments-catalog.yaml"


@pytest.fixture(scope="module")
def payments() -> Catalog:
    return load_catalog(PAYMENTS)


@pytest.fixture(scope="module")
def payments_monitoring(payments: Catalog) -> Monitoring:
    return build_monitoring(payments)


def _by_metric(monitoring: Monitoring, metric: str) -> dict[str, dict[str, str]]:
    """Alarm name → dimensions, for the metric alarms on ``metric``."""
    return {a.name: a.dimensions for a in monitoring.alarms if a.metric_name == metric}


def test_duration_alarm_follows_each_functions_own_timeout(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    for service in alchemiser.services:
        alarm = monitoring.alarm(f"alchemiser-dev-{service.name}-duration")
        assert alarm.dimensions == {"FunctionName": service.function_name}
        assert alarm.statistic == "p90"
        assert alarm.threshold == service.timeout_s * 1000 * 0.8
        assert put_metric_alarm_kwargs(alarm)["ExtendedStatistic"] == "p90"
        assert "Statistic" not in put_metric_alarm_kwargs(alarm)


def test_lambda_errors_and_throttles_follow_aws_recommendations(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    errors = _by_metric(monitoring, "Errors")
    throttles = _by_metric(monitoring, "Throttles")
    functions = [{"FunctionName": s.function_name} for s in alchemiser.services]
    assert sorted(errors.values(), key=str) == sorted(functions, key=str)
    assert sorted(throttles.values(), key=str) == sorted(functions, key=str)
    one = monitoring.alarm("alchemiser-dev-execution-errors")
    assert (one.period, one.evaluation_periods, one.datapoints_to_alarm) == (60, 3, 3)
    assert (one.comparison_operator, one.threshold) == ("GreaterThanThreshold", 0)


def test_every_dlq_and_only_dlqs_get_a_not_empty_alarm(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    not_empty = [a for a in monitoring.alarms if a.name.endswith("-not-empty")]
    assert sorted(a.dimensions["QueueName"] for a in not_empty) == sorted(
        q.name for q in alchemiser.dlqs()
    )
    for alarm in not_empty:
        assert alarm.metric_name == "ApproximateNumberOfMessagesVisible"
        assert (alarm.comparison_operator, alarm.threshold) == ("GreaterThanThreshold", 0)
        assert alarm.treat_missing_data == "notBreaching"
        assert alarm.datapoints_to_alarm == alarm.evaluation_periods == 1


def test_source_queues_alarm_on_age_of_oldest_message(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    dlqs = {q.name for q in alchemiser.dlqs()}
    ages = _by_metric(monitoring, "ApproximateAgeOfOldestMessage")
    assert sorted(d["QueueName"] for d in ages.values()) == sorted(
        q.name for q in alchemiser.queues if q.name not in dlqs
    )
    execution = alchemiser.queue("alchemiser-dev-execution.fifo")
    alarm = monitoring.alarm("alchemiser-dev-execution-age-of-oldest")
    assert alarm.threshold == max(300, execution.visibility_timeout_s)


def test_eventbridge_rule_alarms_use_bus_and_rule_dimensions_and_tolerate_missing_data(
    alchemiser: Catalog,
    monitoring: Monitoring,
    payments_monitoring: Monitoring,
) -> None:
    for metric in ("FailedInvocations", "InvocationsSentToDlq"):
        found = _by_metric(monitoring, metric)
        expected = [
            {"EventBusName": bus.name, "RuleName": rule.name} for bus, rule in alchemiser.rules()
        ]
        assert sorted(found.values(), key=str) == sorted(expected, key=str)
        for name in found:
            assert monitoring.alarm(name).treat_missing_data == "notBreaching"
    # Rules on the default bus publish with RuleName alone.
    default_bus = _by_metric(payments_monitoring, "FailedInvocations")
    assert default_bus and all(set(d) == {"RuleName"} for d in default_bus.values())


def test_every_alarm_is_named_described_linked_and_notifies(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    topic = alchemiser.notifications.alerts_topic
    expected_action = f"arn:aws:sns:${{AWS::Region}}:${{AWS::AccountId}}:{topic}"
    everything = [*monitoring.alarms, *monitoring.composite_alarms]
    for alarm in everything:
        assert alarm.name.startswith("alchemiser-dev-")
        assert alarm.description.endswith(f"Runbook: {alchemiser.runbook_url}#{alarm.name}")
        assert alarm.alarm_actions == [expected_action]
        assert alarm.ok_actions == [expected_action]
    assert len({a.name for a in everything}) == len(everything)


def test_workflow_alarms_watch_the_metrics_the_services_emit(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    workflow = alchemiser.workflow("trading")
    emitter = workflow_metrics_service(alchemiser, workflow)
    assert emitter == "metrics"
    assert EMF_DEFAULTS.namespace == NAMESPACE
    assert SERVICE_DIMENSION in EMF_DEFAULTS.dimensions
    expected_dims = {WORKFLOW_DIMENSION: "trading", SERVICE_DIMENSION: emitter}
    failures = monitoring.alarm("alchemiser-dev-workflow-trading-failures")
    sla = monitoring.alarm("alchemiser-dev-workflow-trading-sla-breach")
    assert (failures.namespace, failures.metric_name, failures.dimensions) == (
        NAMESPACE,
        "WorkflowsFailed",
        expected_dims,
    )
    assert (sla.metric_name, sla.statistic, sla.threshold) == (
        "WorkflowDuration",
        "Maximum",
        workflow.sla_s,
    )
    assert sla.dimensions == expected_dims


def test_heartbeat_is_a_metric_math_alarm_on_completions(
    monitoring: Monitoring, payments_monitoring: Monitoring
) -> None:
    beat = monitoring.alarm("alchemiser-dev-workflow-trading-heartbeat")
    kwargs = put_metric_alarm_kwargs(beat)
    assert "MetricName" not in kwargs
    (m1, e1) = kwargs["Metrics"]
    assert m1["MetricStat"]["Metric"]["MetricName"] == "WorkflowsCompleted"
    assert m1["MetricStat"]["Period"] * kwargs["EvaluationPeriods"] == 86400
    assert e1["Expression"].startswith("FILL(m1, 0) + IF((DAY(m1) == 6 OR DAY(m1) == 7) AND ")
    assert (e1["ReturnData"], m1["ReturnData"]) == (True, False)
    assert (kwargs["ComparisonOperator"], kwargs["Threshold"]) == ("LessThanThreshold", 1)
    assert kwargs["TreatMissingData"] == "breaching"
    # No schedule in the payments catalog: no heartbeat there.
    assert not [a for a in payments_monitoring.alarms if a.name.endswith("-heartbeat")]


def test_composite_unhealthy_reads_the_workflow_alarms(
    monitoring: Monitoring, payments_monitoring: Monitoring
) -> None:
    (composite,) = monitoring.composite_alarms
    assert composite.name == "alchemiser-dev-workflow-trading-unhealthy"
    assert referenced_alarms(composite.rule) == [
        "alchemiser-dev-workflow-trading-failures",
        "alchemiser-dev-workflow-trading-sla-breach",
        "alchemiser-dev-workflow-trading-heartbeat",
    ]
    (other,) = payments_monitoring.composite_alarms
    assert referenced_alarms(other.rule) == [
        "payments-test-workflow-payment-failures",
        "payments-test-workflow-payment-sla-breach",
    ]


def test_second_catalog_gets_its_own_names_and_overrides(
    payments: Catalog, payments_monitoring: Monitoring
) -> None:
    assert all(a.name.startswith("payments-test-") for a in payments_monitoring.alarms)
    ledger = payments_monitoring.alarm("payments-test-ledger-errors")
    wanted = payments.alarm_overrides["{system}-{stage}-ledger-errors"]
    assert ledger.threshold == wanted["threshold"]
    assert ledger.evaluation_periods == wanted["evaluation_periods"]
    assert ledger.datapoints_to_alarm == wanted["datapoints_to_alarm"]
    assert "Errors > 5 for 2 of 5 periods" in ledger.description
    settlement = payments_monitoring.alarm("payments-test-settlement-duration")
    assert settlement.threshold == payments.service("settlement").timeout_s * 800
