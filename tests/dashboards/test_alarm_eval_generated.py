"""The evaluator reads the alarms the generators emit for the embedded example, and runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from catalog import load_catalog
from dashboards.alarm_eval_spec import AlarmSpec
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import AlarmEvaluator
from dashboards.aws_shapes import put_metric_alarm_kwargs
from dashboards.build import build_monitoring

NO_DATA_STATE = {
    "missing": "INSUFFICIENT_DATA",
    "ignore": "INSUFFICIENT_DATA",
    "breaching": "ALARM",
    "notBreaching": "OK",
}


def test_generated_alarms_evaluate_with_no_data(example_catalog_path: Path) -> None:
    monitoring = build_monitoring(load_catalog(example_catalog_path))
    specs = [
        AlarmSpec.from_put_metric_alarm_kwargs(put_metric_alarm_kwargs(a))
        for a in monitoring.alarms
    ]
    assert specs, "the example catalog generates alarms"
    assert {s.name for s in specs} == {a.name for a in monitoring.alarms}

    start = datetime(2026, 1, 1, tzinfo=UTC)
    evaluator = AlarmEvaluator(InMemoryMetricStore(), specs, start=start)
    longest = max(spec.evaluation_period for spec in specs)
    evaluator.advance_to(start + timedelta(seconds=longest))

    for spec in specs:
        state = evaluator.state(spec.name)
        decision = evaluator.last_decision(spec.name)
        assert decision is not None, f"{spec.name} was never evaluated"
        if not spec.metrics:
            # With no datapoint at all, only TreatMissingData decides.
            assert state == NO_DATA_STATE[spec.treat_missing_data], spec.name
