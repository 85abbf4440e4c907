"""Dashboards as built for real catalogs: content, AWS body shape, splitting, determinism."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.bench_generate import synthetic_catalog
from catalog import Catalog, load_catalog
from dashboards.build import Monitoring, build_monitoring
from dashboards.output_files import render_output
from dashboards.validation.dashboard_limits import MAX_METRICS_PER_DASHBOARD, MAX_WIDGETS

PAYMENTS = Path(__file__).parent / "data" / "payments-catalog.yaml"


def _widgets(monitoring: Monitoring) -> list[dict[str, Any]]:
    return [w for d in monitoring.dashboards for w in json.loads(d.body_json())["widgets"]]


def _titled(widgets: list[dict[str, Any]], title: str) -> dict[str, Any]:
    (found,) = [w for w in widgets if w["properties"].get("title") == title]
    return found


def test_body_follows_aws_dashboard_body_structure(monitoring: Monitoring) -> None:
    (dashboard,) = monitoring.dashboards
    body = json.loads(dashboard.body_json())
    assert set(body) == {"widgets", "start", "periodOverride"}
    for widget in body["widgets"]:
        assert set(widget) == {"type", "x", "y", "width", "height", "properties"}
        assert widget["type"] in {"metric", "log", "alarm", "text"}
        props = widget["properties"]
        if widget["type"] == "metric":
            assert props["view"] == "timeSeries" and props["region"] == "${AWS::Region}"
            for entry in props["metrics"]:
                # [Namespace, MetricName, DimName, DimValue, ..., {options}]
                names = entry[:-1] if isinstance(entry[-1], dict) else entry
                assert len(names) % 2 == 0 and all(isinstance(n, str) for n in names)
        if widget["type"] == "log":
            assert props["query"].startswith("SOURCE '/aws/lambda/")
        if widget["type"] == "alarm":
            assert all(a.startswith("arn:aws:cloudwatch:${AWS::Region}:") for a in props["alarms"])


def test_dashboard_shows_what_issue_3_asks_for(alchemiser: Catalog, monitoring: Monitoring) -> None:
    widgets = _widgets(monitoring)
    text = [w for w in widgets if w["type"] == "text"]
    assert text and alchemiser.runbook_url in text[0]["properties"]["markdown"]
    latency = _titled(widgets, "workflow trading: end-to-end latency")
    stats = [m[-1]["stat"] for m in latency["properties"]["metrics"]]
    assert stats == ["p50", "p95", "p99"]
    sla = alchemiser.workflow("trading").sla_s
    assert [a["value"] for a in latency["properties"]["annotations"]["horizontal"]] == [sla]
    for service in alchemiser.services:
        duration = _titled(widgets, f"{service.name}: duration p95 vs timeout")
        values = [a["value"] for a in duration["properties"]["annotations"]["horizontal"]]
        assert values[0] == service.timeout_s * 1000
    for _bus, rule in alchemiser.rules():
        metrics = {m[1] for m in _titled(widgets, f"rule {rule.name}")["properties"]["metrics"]}
        assert {
            "Invocations",
            "FailedInvocations",
            "InvocationsSentToDlq",
            "ThrottledRules",
        } <= metrics
    for queue in alchemiser.dlqs():
        _titled(widgets, f"DLQ {queue.name}: messages")
    alarm_widgets = [w for w in widgets if w["type"] == "alarm"]
    shown = {a.rsplit(":alarm:", 1)[1] for w in alarm_widgets for a in w["properties"]["alarms"]}
    assert shown == {a.name for a in monitoring.alarms} | {
        c.name for c in monitoring.composite_alarms
    }
    assert [w for w in widgets if w["type"] == "log"]


def test_large_catalog_is_split_into_dashboards_within_limits() -> None:
    catalog = synthetic_catalog(services=300, event_types=1000)
    monitoring = build_monitoring(catalog)
    assert len(monitoring.dashboards) > 1
    assert [d.name for d in monitoring.dashboards] == ["synth-bench"] + [
        f"synth-bench-part{i}" for i in range(2, len(monitoring.dashboards) + 1)
    ]
    for dashboard in monitoring.dashboards:
        assert len(dashboard.widgets) <= MAX_WIDGETS
        assert dashboard.metric_count <= MAX_METRICS_PER_DASHBOARD
    titles = {p.widget.title for d in monitoring.dashboards for p in d.widgets}
    assert all(f"{s.name}: throttles" in titles for s in catalog.services)
    alarm_names = [
        name
        for d in monitoring.dashboards
        for p in d.widgets
        if p.widget.type == "alarm"
        for name in p.widget.alarm_names  # type: ignore[union-attr]
    ]
    assert len(alarm_names) == len(monitoring.alarms) + len(monitoring.composite_alarms)


def test_generation_is_byte_deterministic_and_catalog_specific(
    alchemiser: Catalog, example_catalog_path: Path
) -> None:
    first = render_output(alchemiser).files
    again = render_output(load_catalog(example_catalog_path)).files
    assert first == again
    other = render_output(load_catalog(PAYMENTS)).files
    assert not set(first) & {p for p in other if p.startswith(("alarms/", "dashboards/"))}
    prod = render_output(load_catalog(example_catalog_path, stage="prod")).files
    assert "alarms/alchemiser-prod-execution-errors.json" in prod
    assert "dashboards/alchemiser-prod.json" in prod


def test_large_output_is_split_into_templates_within_cloudformation_limits() -> None:
    import yaml

    from dashboards.cfn_template import MAX_RESOURCES, MAX_TEMPLATE_BYTES

    catalog = synthetic_catalog(services=300, event_types=1000)
    files = render_output(catalog).files
    names = sorted(n for n in files if n.startswith("template"))
    assert names[0] == "template-2.yaml" and "template.yaml" in names and len(names) > 2
    seen: dict[str, str] = {}
    for name in names:
        assert len(files[name]) <= MAX_TEMPLATE_BYTES, name
        resources = yaml.safe_load(files[name])["Resources"]
        assert len(resources) <= MAX_RESOURCES, name
        for key, resource in resources.items():
            assert key not in seen, f"{key} in {seen.get(key)} and {name}"
            seen[key] = name
            for child in resource.get("DependsOn", []):
                assert child in resources, f"{key} depends on {child} in another stack"
    monitoring = build_monitoring(catalog)
    expected = (
        len(monitoring.alarms) + len(monitoring.composite_alarms) + len(monitoring.dashboards)
    )
    queries = [p for p in files if p.startswith("queries/")]
    assert len(seen) == expected + len(queries)


def test_foreign_dollar_braces_survive_fn_sub(alchemiser: Catalog) -> None:
    from dashboards.cfn_template import monitoring_resources
    from dashboards.naming import resolve_placeholders

    catalog = alchemiser.model_copy(update={"description": "costs ${HOME} per run"})
    monitoring = build_monitoring(catalog)
    (body_sub,) = [
        r["Properties"]["DashboardBody"]["Fn::Sub"]
        for r in monitoring_resources(monitoring).values()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
    ]
    assert "costs ${!HOME} per run" in body_sub  # CloudFormation renders ${!X} as ${X}
    assert "${AWS::Region}" in body_sub
    resolved = resolve_placeholders(
        monitoring.dashboards[0].body_json(), "123456789012", "eu-west-1"
    )
    assert "costs ${HOME} per run" in resolved and "${AWS::" not in resolved
