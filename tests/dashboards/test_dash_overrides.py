"""Catalog alarm_overrides: any field by alarm name; unknown names and fields are errors."""

from __future__ import annotations

from typing import Any

import pytest

from catalog import Catalog
from dashboards.build import build_monitoring
from dashboards.overrides import OverrideError
from dashboards.validation.issues import MonitoringValidationError


def _with(catalog: Catalog, overrides: dict[str, dict[str, Any]]) -> Catalog:
    return catalog.model_copy(update={"alarm_overrides": overrides})


def test_override_changes_the_field_and_the_description(alchemiser: Catalog) -> None:
    name = "alchemiser-dev-execution-dlq-not-empty"
    monitoring = build_monitoring(
        _with(alchemiser, {name: {"threshold": 3, "treat_missing_data": "missing"}})
    )
    alarm = monitoring.alarm(name)
    assert alarm.threshold == 3
    assert alarm.treat_missing_data == "missing"
    assert "> 3 for 1 of 1 periods of 60 s (missing data: missing)" in alarm.description


def test_overriding_the_description_keeps_it_verbatim(alchemiser: Catalog) -> None:
    name = "alchemiser-dev-portfolio-errors"
    monitoring = build_monitoring(_with(alchemiser, {name: {"description": "custom text"}}))
    assert monitoring.alarm(name).description == "custom text"


def test_composite_rule_can_be_overridden_and_is_still_validated(alchemiser: Catalog) -> None:
    name = "alchemiser-dev-workflow-trading-unhealthy"
    rule = 'ALARM("alchemiser-dev-workflow-trading-failures")'
    monitoring = build_monitoring(_with(alchemiser, {name: {"rule": rule}}))
    assert monitoring.composite_alarms[0].rule == rule
    with pytest.raises(MonitoringValidationError) as caught:
        build_monitoring(_with(alchemiser, {name: {"rule": 'ALARM("nope")'}}))
    assert str(caught.value) == (
        f"composite alarm '{name}': rule: names alarm(s) that do not exist: nope"
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"alchemiser-dev-executon-errors": {"threshold": 1}},
            "alarm_overrides: unknown alarm 'alchemiser-dev-executon-errors' "
            "(did you mean 'alchemiser-dev-execution-errors'?)",
        ),
        (
            {"alchemiser-dev-execution-errors": {"treshold": 1}},
            "alarm_overrides['alchemiser-dev-execution-errors']: unknown field 'treshold' "
            "(did you mean 'threshold'?)",
        ),
        (
            {"alchemiser-dev-execution-errors": {"threshold": "high"}},
            "alarm_overrides['alchemiser-dev-execution-errors']: threshold: Input should be a "
            "valid number, unable to parse string as a number",
        ),
        (
            {"alchemiser-dev-execution-errors": {"treat_missing_data": "notbreaching"}},
            "alarm_overrides['alchemiser-dev-execution-errors']: treat_missing_data: Input "
            "should be 'breaching', 'notBreaching', 'ignore' or 'missing'",
        ),
    ],
)
def test_bad_overrides_name_the_alarm_and_field(
    alchemiser: Catalog, overrides: dict[str, dict[str, Any]], message: str
) -> None:
    with pytest.raises(OverrideError) as caught:
        build_monitoring(_with(alchemiser, overrides))
    assert str(caught.value).startswith(message)


def test_override_that_breaks_an_aws_limit_is_reported(alchemiser: Catalog) -> None:
    name = "alchemiser-dev-execution-errors"
    with pytest.raises(MonitoringValidationError) as caught:
        build_monitoring(_with(alchemiser, {name: {"datapoints_to_alarm": 5, "period": 45}}))
    assert str(caught.value).splitlines() == [
        f"alarm '{name}': period: 45 is not 10, 20, 30 or a multiple of 60",
        f"alarm '{name}': datapoints_to_alarm: 5 must be between 1 and evaluation_periods (3)",
    ]


def test_threshold_lines_on_graphs_follow_overridden_alarms(alchemiser: Catalog) -> None:
    name = "alchemiser-dev-portfolio-duration"
    monitoring = build_monitoring(_with(alchemiser, {name: {"threshold": 12345}}))
    (widget,) = [
        p.widget
        for d in monitoring.dashboards
        for p in d.widgets
        if p.widget.title == "portfolio: duration p95 vs timeout"
    ]
    lines = widget.properties()["annotations"]["horizontal"]
    timeout_ms = alchemiser.service("portfolio").timeout_s * 1000
    assert [line["value"] for line in lines] == [timeout_ms, 12345]
