"""Lost and late asynchronous events are alarmed on Lambda's own metrics (issue 13), for any
catalog: generated for functions Lambda invokes asynchronously, never for SQS-fed ones."""

from __future__ import annotations

import pytest

from catalog import Catalog, load_catalog
from catalog.models import Queue, Service
from dashboards.aws_shapes import put_metric_alarm_kwargs
from dashboards.build import build_monitoring
from runbooks.scenarios import build_scenarios, scenarios_by_alarm

ASYNC_METRICS = {"AsyncEventsDropped", "AsyncEventAge"}


def _catalog() -> Catalog:
    """A catalog written here: one function with a DLQ and a destination, one SQS-fed, one with
    a short maximum event age."""
    base = load_catalog()
    services = [
        Service(
            name="intake",
            function_name="shop-test-intake",
            trigger="direct",
            on_failure_dlq="shop-test-intake-dlq",
            on_failure_destination="shop-test-intake-failures",
        ),
        Service(
            name="worker",
            function_name="shop-test-worker",
            trigger="sqs",
            queue="shop-test-work",
        ),
        Service(
            name="mailer",
            function_name="shop-test-mailer",
            trigger="eventbridge",
            maximum_event_age_s=600,
            maximum_retry_attempts=0,
        ),
    ]
    queues = [
        Queue(name="shop-test-intake-dlq"),
        Queue(name="shop-test-intake-failures"),
        Queue(name="shop-test-work", consumer="worker"),
    ]
    return base.model_copy(
        update={
            "system": "shop",
            "stage": "test",
            "services": services,
            "queues": queues,
            "buses": [],
            "workflows": [],
            "schedules": [],
            "event_types": [],
            "topics": [t for t in base.topics if t.purpose == "alerts"],
        }
    )


@pytest.fixture(scope="module")
def alarms() -> dict[str, dict[str, object]]:
    monitoring = build_monitoring(_catalog())
    return {a.name: put_metric_alarm_kwargs(a) for a in monitoring.alarms}


def test_async_functions_get_the_dropped_and_age_alarms_sqs_fed_ones_do_not(
    alarms: dict[str, dict[str, object]],
) -> None:
    by_function: dict[str, set[str]] = {}
    for kwargs in alarms.values():
        if kwargs.get("Namespace") == "AWS/Lambda":
            dims = kwargs["Dimensions"]
            assert isinstance(dims, list)
            by_function.setdefault(dims[0]["Value"], set()).add(str(kwargs["MetricName"]))
    assert by_function["shop-test-intake"] >= ASYNC_METRICS
    assert by_function["shop-test-mailer"] >= ASYNC_METRICS
    assert not ASYNC_METRICS & by_function["shop-test-worker"]
    # a DLQ write / destination write can only fail where there is one
    assert {"DeadLetterErrors", "DestinationDeliveryFailures"} <= by_function["shop-test-intake"]
    assert not {"DeadLetterErrors", "DestinationDeliveryFailures"} & by_function["shop-test-mailer"]


def test_dropped_alarm_pages_on_one_event_and_ignores_silence(
    alarms: dict[str, dict[str, object]],
) -> None:
    dropped = alarms["shop-test-intake-events-dropped"]
    assert dropped["MetricName"] == "AsyncEventsDropped"
    assert (dropped["Statistic"], dropped["Threshold"]) == ("Sum", 0)
    assert dropped["ComparisonOperator"] == "GreaterThanThreshold"
    assert (dropped["EvaluationPeriods"], dropped["DatapointsToAlarm"]) == (1, 1)
    assert dropped["TreatMissingData"] == "notBreaching"  # AWS sends it only when non-zero


@pytest.mark.parametrize(
    ("function", "max_age_s"), [("shop-test-intake", 21600), ("shop-test-mailer", 600)]
)
def test_event_age_threshold_is_half_the_functions_own_maximum_age(
    alarms: dict[str, dict[str, object]], function: str, max_age_s: int
) -> None:
    age = alarms[f"{function}-event-age"]
    assert age["MetricName"] == "AsyncEventAge"
    assert age["Statistic"] == "Maximum"
    assert age["Threshold"] == max_age_s * 1000 / 2


def test_every_new_alarm_leads_to_a_scenario() -> None:
    catalog = _catalog()
    index = scenarios_by_alarm(build_scenarios(catalog))
    for name in (
        "shop-test-intake-events-dropped",
        "shop-test-intake-event-age",
        "shop-test-intake-dead-letter-errors",
        "shop-test-intake-destination-failures",
        "shop-test-intake-failures-not-empty",
    ):
        assert name in index, name
