"""A metric filter's two shapes, PutMetricFilter's kwargs and AWS::Logs::MetricFilter's
properties, say the same thing field for field, for every filter the examples generate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog import load_catalog
from dashboards.aws_shapes import cfn_metric_filter_properties, put_metric_filter_kwargs
from dashboards.build import build_monitoring
from dashboards.metric_filter_model import MetricFilter

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Written from the two reference pages, not from the code under test: the API field and the
# CloudFormation property that carries it.
FILTER = {
    "filterName": "FilterName",
    "filterPattern": "FilterPattern",
    "logGroupName": "LogGroupName",
}
TRANSFORMATION = {
    "metricName": "MetricName",
    "metricNamespace": "MetricNamespace",
    "metricValue": "MetricValue",
    "unit": "Unit",
    "defaultValue": "DefaultValue",
}


def _assert_agree(api: dict[str, Any], cfn: dict[str, Any]) -> None:
    assert set(cfn) == {*(FILTER[k] for k in api if k in FILTER), "MetricTransformations"}
    for field, prop in FILTER.items():
        assert cfn[prop] == api[field], field
    assert len(api["metricTransformations"]) == len(cfn["MetricTransformations"]) == 1
    (api_t,) = api["metricTransformations"]
    (cfn_t,) = cfn["MetricTransformations"]
    expected = {TRANSFORMATION[k] for k in api_t if k != "dimensions"}
    if "dimensions" in api_t:
        expected.add("Dimensions")
    assert set(cfn_t) == expected
    for field, prop in TRANSFORMATION.items():
        assert cfn_t.get(prop) == api_t.get(field), field
    pairs = {d["Key"]: d["Value"] for d in cfn_t.get("Dimensions", [])}
    assert len(pairs) == len(cfn_t.get("Dimensions", []))
    assert pairs == api_t.get("dimensions", {})


@pytest.mark.parametrize("example", ["alchemiser", "orders"])
def test_every_generated_filter_of_both_examples_has_agreeing_shapes(example: str) -> None:
    filters = build_monitoring(load_catalog(EXAMPLES / example / "catalog.yaml")).metric_filters
    assert filters, f"{example} generates no metric filter: nothing would be compared"
    for metric_filter in filters:
        _assert_agree(
            put_metric_filter_kwargs(metric_filter), cfn_metric_filter_properties(metric_filter)
        )


@pytest.mark.parametrize(
    "extra",
    [
        {"unit": "Count", "default_value": 0.0},
        {"dimensions": {"EventType": "$.event_type", "Service": "$.service"}},
        {},
    ],
)
def test_every_optional_field_agrees(extra: dict[str, Any]) -> None:
    metric_filter = MetricFilter(
        log_group="/aws/lambda/a",
        name="a-errors",
        pattern='{ $.level = "ERROR" }',
        metric_namespace="obskit",
        metric_name="Errors",
        metric_value="1",
        **extra,
    )
    api = put_metric_filter_kwargs(metric_filter)
    _assert_agree(api, cfn_metric_filter_properties(metric_filter))
    transformation = api["metricTransformations"][0]
    if "default_value" in extra:
        assert transformation["defaultValue"] == 0.0  # zero is a value, not "absent"
