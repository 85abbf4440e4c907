"""Hop latency: metric filters on the consumers' log groups, one alarm per event type, a widget.

Every expectation is computed from the catalog (its event types, SLAs, consumers and log groups),
so a catalog change moves the test with it instead of breaking a hard-coded list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog import Catalog, load_catalog
from dashboards.aws_shapes import put_metric_filter_kwargs
from dashboards.build import Monitoring, build_monitoring
from dashboards.emf_names import NAMESPACE
from dashboards.facades.base import function_name
from dashboards.facades.event_type import EVENT_TYPE_DIMENSION, HOP_LATENCY
from dashboards.metric_filter_model import MetricFilter
from dashboards.naming import alarm_name, event_resource, topic_arn
from dashboards.output_files import render_output
from dashboards.validation.metric_filter_limits import validate_metric_filters

PAYMENTS = Path(__file__).parent / "data" / "payments-catalog.yaml"


def _variant(tmp_path: Path, source: Path, edit: Any) -> Catalog:
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return load_catalog(path)


def _hops(catalog: Catalog) -> dict[str, float]:
    """Event type → hop SLA in ms, for the event types that have an SLA and a consumer."""
    return {
        e.name: e.hop_sla_s * 1000
        for e in catalog.event_types
        if e.hop_sla_s is not None and catalog.consumers_of(e.name)
    }


def _consumer_groups(catalog: Catalog) -> set[str]:
    return {
        f"/aws/lambda/{function_name(catalog, s)}"
        for name in _hops(catalog)
        for s in catalog.consumers_of(name)
    }


def _hop_alarm(catalog: Catalog, event_type: str) -> str:
    return alarm_name(catalog.system, catalog.stage, event_resource(event_type), "hop-latency")


def test_every_event_type_with_a_hop_sla_and_a_consumer_gets_one_alarm(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    hops = _hops(alchemiser)
    assert hops, "the example must have hop SLAs for this test to mean anything"
    generated = {a.name: a for a in monitoring.alarms if a.metric_name == HOP_LATENCY}
    assert set(generated) == {_hop_alarm(alchemiser, e) for e in hops}
    alerts = topic_arn(alchemiser.notifications.alerts_topic)
    for event_type, sla_ms in hops.items():
        alarm = generated[_hop_alarm(alchemiser, event_type)]
        assert alarm.namespace == NAMESPACE
        assert alarm.dimensions == {EVENT_TYPE_DIMENSION: event_type}
        assert (alarm.statistic, alarm.period) == ("Maximum", 60)
        assert (alarm.evaluation_periods, alarm.datapoints_to_alarm) == (1, 1)
        assert alarm.comparison_operator == "GreaterThanThreshold"
        assert alarm.threshold == sla_ms
        assert alarm.treat_missing_data == "notBreaching"
        assert alarm.alarm_actions == [alerts] and alarm.ok_actions == [alerts]
        assert event_type in alarm.description
        assert f"RUNBOOK.md#{alarm.name}" in alarm.description
        assert f"> {sla_ms:g} for 1 of 1" in alarm.description


def test_alarm_names_are_kebab_case_and_unique() -> None:
    assert event_resource("SignalGenerated") == "event-signal-generated"
    assert event_resource("HTTPRequestDone") == "event-http-request-done"
    assert event_resource("payment.captured") == "event-payment-captured"


def test_one_metric_filter_per_consumer_log_group(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    filters = monitoring.metric_filters
    groups = [f.log_group for f in filters]
    assert sorted(groups) == sorted(_consumer_groups(alchemiser))  # each group once
    age = alchemiser.log_conventions.event_age_field
    for f in filters:
        assert f.pattern == f"{{ $.{age} >= 0 }}"
        assert f.metric_value == f"$.{age}"
        assert (f.metric_namespace, f.metric_name, f.unit) == (
            NAMESPACE,
            HOP_LATENCY,
            "Milliseconds",
        )
        assert f.dimensions == {EVENT_TYPE_DIMENSION: "$.event_type"}
        assert f.default_value is None  # AWS forbids it with dimensions
        assert f.name.startswith(f"{alchemiser.system}-{alchemiser.stage}-")
    assert len({f.name for f in filters}) == len(filters)


def test_the_age_field_of_the_catalog_is_what_the_filters_read(tmp_path: Path) -> None:
    def nested(doc: dict[str, Any]) -> None:
        doc["log_conventions"] = {"event_age_field": "timing.age_ms"}
        doc["event_types"][0]["hop_sla_s"] = 2.5

    catalog = _variant(tmp_path, PAYMENTS, nested)
    monitoring = build_monitoring(catalog)
    assert [f.pattern for f in monitoring.metric_filters] == ["{ $.timing.age_ms >= 0 }"]
    (alarm,) = [a for a in monitoring.alarms if a.metric_name == HOP_LATENCY]
    assert alarm.threshold == 2500


def test_no_hop_sla_no_hop_monitoring() -> None:
    monitoring = build_monitoring(load_catalog(PAYMENTS))  # no event type has hop_sla_s
    assert monitoring.metric_filters == ()
    assert not [a for a in monitoring.alarms if a.metric_name == HOP_LATENCY]


def test_an_event_type_nobody_consumes_gets_no_alarm(tmp_path: Path) -> None:
    def orphan(doc: dict[str, Any]) -> None:
        doc["event_types"].append({"name": "AuditWritten", "hop_sla_s": 5})
        doc["services"][0]["emits"].append("AuditWritten")

    catalog = _variant(tmp_path, PAYMENTS, orphan)
    assert not [a for a in build_monitoring(catalog).alarms if a.metric_name == HOP_LATENCY]


def test_overrides_apply_to_hop_alarms_and_their_description(
    tmp_path: Path, example_catalog_path: Path, alchemiser: Catalog
) -> None:
    event = next(iter(_hops(alchemiser)))

    def override(doc: dict[str, Any]) -> None:
        doc["alarm_overrides"] = {
            "{system}-{stage}-" + event_resource(event) + "-hop-latency": {
                "threshold": 123456,
                "actions_enabled": False,
            }
        }

    monitoring = build_monitoring(_variant(tmp_path, example_catalog_path, override))
    alarm = monitoring.alarm(_hop_alarm(alchemiser, event))
    assert alarm.threshold == 123456 and not alarm.actions_enabled
    assert "> 123456 for 1 of 1" in alarm.description


def test_dashboard_shows_max_hop_latency_against_the_sla(
    alchemiser: Catalog, monitoring: Monitoring
) -> None:
    widgets = [w for d in monitoring.dashboards for w in d.body()["widgets"]]
    for event_type, sla_ms in _hops(alchemiser).items():
        (widget,) = [
            w
            for w in widgets
            if w["type"] == "metric"
            and [NAMESPACE, HOP_LATENCY, EVENT_TYPE_DIMENSION, event_type]
            == w["properties"]["metrics"][0][:4]
        ]
        props = widget["properties"]
        assert props["metrics"][0][4]["stat"] == "Maximum"
        assert [a["value"] for a in props["annotations"]["horizontal"]] == [sla_ms]


def test_generate_writes_each_filter_as_put_metric_filter_kwargs(alchemiser: Catalog) -> None:
    output = render_output(alchemiser)
    written = {p: json.loads(b) for p, b in output.files.items() if p.startswith("metric-filters/")}
    assert written == {
        f"metric-filters/{f.name}.json": put_metric_filter_kwargs(f)
        for f in output.monitoring.metric_filters
    }
    template = yaml.safe_load(output.files["template.yaml"])
    cfn = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::MetricFilter"]
    assert sorted(r["Properties"]["LogGroupName"] for r in cfn) == sorted(
        f.log_group for f in output.monitoring.metric_filters
    )
    for resource in cfn:
        (transformation,) = resource["Properties"]["MetricTransformations"]
        assert transformation["Dimensions"] == [{"Key": "EventType", "Value": "$.event_type"}]
        assert "DefaultValue" not in transformation


def _filter(**changes: Any) -> MetricFilter:
    base: dict[str, Any] = {
        "log_group": "/aws/lambda/x",
        "name": "sys-dev-x-hop-latency",
        "pattern": "{ $.event_age_ms >= 0 }",
        "metric_namespace": "obskit",
        "metric_name": "HopLatency",
        "metric_value": "$.event_age_ms",
        "unit": "Milliseconds",
        "dimensions": {"EventType": "$.event_type"},
    }
    return MetricFilter(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"pattern": "{ $.a >= }"}, "pattern", "expected a number or a string"),
        ({"pattern": "ERROR"}, "pattern", "position 0"),
        ({"pattern": "{ $.a = 1 " + "&& $.a = 1 " * 120 + "}"}, "pattern", "at most 1024"),
        ({"name": "a:b"}, "name", "must not contain :"),
        ({"name": "x" * 513}, "name", "513 characters"),
        ({"log_group": "bad group!"}, "log_group", "[.-_/#A-Za-z0-9]"),
        ({"metric_name": "Hop$Latency"}, "metric_name", "must not contain $"),
        ({"metric_value": "event_age_ms"}, "metric_value", "'$.'"),
        ({"unit": "Hours"}, "unit", "not a CloudWatch unit"),
        (
            {"dimensions": {k: f"$.{k}" for k in ("a", "b", "c", "d")}},
            "dimensions",
            "4 dimensions, at most 3",
        ),
        ({"default_value": 0.0}, "default_value", "cannot be combined with dimensions"),
    ],
)
def test_validator_reports_what_aws_rejects(
    changes: dict[str, Any], field: str, fragment: str
) -> None:
    issues = validate_metric_filters([_filter(**changes)])
    assert any(i.field == field and fragment in i.message for i in issues), issues


def test_validator_accepts_a_generated_filter_and_a_constant_value() -> None:
    assert validate_metric_filters([_filter()]) == []
    assert (
        validate_metric_filters([_filter(metric_value="1", dimensions={}, default_value=0)]) == []
    )


def test_validator_rejects_one_name_on_two_log_groups() -> None:
    issues = validate_metric_filters([_filter(), _filter(log_group="/aws/lambda/y")])
    assert [i.field for i in issues] == ["name"]
    assert "/aws/lambda/y" in issues[0].message


def test_a_log_group_shared_by_two_consumers_gets_one_filter_named_after_it(
    tmp_path: Path,
) -> None:
    def share(doc: dict[str, Any]) -> None:
        for service in doc["services"]:
            if service["name"] in ("settlement", "reporter"):
                service["log_group"] = "/payments/{stage}/back-office"
        for event in doc["event_types"]:
            event["hop_sla_s"] = 30

    catalog = _variant(tmp_path, PAYMENTS, share)
    filters = build_monitoring(catalog).metric_filters
    shared = [f for f in filters if f.log_group == "/payments/test/back-office"]
    assert [f.name for f in shared] == ["payments-test-back-office-hop-latency"]
    others = {f.name for f in filters} - {shared[0].name}
    assert others == {"payments-test-intake-hop-latency", "payments-test-ledger-hop-latency"}
