"""The embedded copy of AWS's recommended alarms matches ../shared/specs, row for row."""

from __future__ import annotations

import csv
from pathlib import Path

from dashboards.recommended_alarms import RECOMMENDED_ALARMS, recommended


def _csv_rows(shared_dir: Path) -> list[dict[str, str]]:
    with (shared_dir / "specs" / "aws-recommended-alarms.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_embedded_rows_match_the_csv(shared_dir: Path) -> None:
    rows = _csv_rows(shared_dir)
    assert len(rows) == len(RECOMMENDED_ALARMS)
    for row, embedded in zip(rows, RECOMMENDED_ALARMS, strict=True):
        where = f"{row['namespace']} {row['metric']}"
        assert embedded.namespace == row["namespace"], where
        assert embedded.metric == row["metric"], where
        assert embedded.dimensions == tuple(d for d in row["dimensions"].split(";") if d), where
        assert embedded.statistic == row["statistic"], where
        expected = None if row["threshold"] == "(user)" else float(row["threshold"])
        assert embedded.threshold == expected, where
        assert embedded.period == int(row["period"]), where
        assert embedded.datapoints_to_alarm == int(row["datapointsToAlarm"]), where
        assert embedded.evaluation_periods == int(row["evaluationPeriods"]), where
        assert embedded.comparison_operator == row["comparisonOperator"], where
        assert embedded.treat_missing_data == row["treatMissingData"], where


def test_lookup_names_the_metric_it_lacks() -> None:
    assert recommended("AWS/SQS", "ApproximateAgeOfOldestMessage").statistic == "Maximum"
    try:
        recommended("AWS/Events", "FailedInvocations")
    except KeyError as exc:
        assert "AWS/Events FailedInvocations" in str(exc)
    else:
        raise AssertionError("EventBridge rules have no AWS recommended alarm")
