"""Every generated Alchemiser query, run by the local engine on the real CloudWatch capture.

The expected answers are computed here from the capture's JSON directly (not from the engine), so
a query that searches for a field or text the services never wrote fails this test. The capture
is structlog output: message under ``event``, lower-case ``level``, the correlation id top-level or
under ``extra``; it has no event ids, event types or Lambda REPORT lines, so the queries over
those must come back empty on it (and that emptiness is checked against the file too).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from catalog import Catalog, load_catalog
from insights_queries.engine import Result, run
from insights_queries.library import SavedQuery, build_queries
from insights_queries.sources import LogFiles

Record = dict[str, Any]


@pytest.fixture(scope="module")
def catalog(example_catalog_path: Path) -> Catalog:
    return load_catalog(example_catalog_path, stage="dev")


@pytest.fixture(scope="module")
def queries(catalog: Catalog) -> dict[str, SavedQuery]:
    return {q.name.split("/", 1)[1]: q for q in build_queries(catalog)}


@pytest.fixture(scope="module")
def records(alchemiser_capture: Path) -> list[Record]:
    data = json.loads(alchemiser_capture.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


@pytest.fixture(scope="module")
def results(
    queries: dict[str, SavedQuery], alchemiser_capture: Path, records: list[Record]
) -> dict[str, Result]:
    """Each query's result on the capture (the trace with the capture's own correlation id).

    The file is read once by the engine's own reader; the engine copies events it changes, so
    every query sees the same input.
    """
    events = list(LogFiles([alchemiser_capture]))
    assert len(events) == len(records)
    cid = _most_common_correlation_id(records)
    out = {}
    for name, saved in queries.items():
        params = {"correlation_id": cid} if saved.parameters else None
        out[name] = run(saved.query, events, params)
    return out


def _correlation_id(record: Record) -> str | None:
    top = record.get("correlation_id")
    if top is not None:
        return str(top)
    extra = record.get("extra")
    nested = extra.get("correlation_id") if isinstance(extra, dict) else None
    return None if nested is None else str(nested)


def _most_common_correlation_id(records: list[Record]) -> str:
    counts = Counter(c for c in map(_correlation_id, records) if c is not None)
    return counts.most_common(1)[0][0]


def _mentions(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value
    if isinstance(value, dict):
        return any(_mentions(v, needle) for k, v in value.items() if not k.startswith("_"))
    if isinstance(value, list):
        return any(_mentions(v, needle) for v in value)
    return False


def _is_error(record: Record) -> bool:
    return str(record.get("level", "")).upper() in ("ERROR", "CRITICAL", "FATAL")


def test_the_capture_is_what_the_expectations_assume(records: list[Record]) -> None:
    assert len(records) == 8193
    assert len({r["_log_group"] for r in records}) == 7


def test_trace_finds_every_line_of_the_workflow_in_time_order(
    results: dict[str, Result], records: list[Record]
) -> None:
    cid = _most_common_correlation_id(records)
    expected = [r for r in records if _mentions(r, cid)]
    rows = results["trace/correlation-id"].rows
    assert len(rows) == len(expected)
    times = [row["@timestamp"] for row in rows]
    assert times == sorted(times)
    assert Counter(row["@log"] for row in rows) == Counter(r["_log_group"] for r in expected)
    # lines that carry the id only inside their text are found too
    only_in_text = [r for r in expected if _correlation_id(r) is None]
    assert only_in_text
    assert sum(1 for row in rows if row["line_correlation_id"] is None) == len(only_in_text)


def test_trace_of_an_unknown_id_is_empty(
    queries: dict[str, SavedQuery], alchemiser_capture: Path
) -> None:
    saved = queries["trace/correlation-id"]
    result = run(saved.query, LogFiles([alchemiser_capture]), {"correlation_id": "workflow-none"})
    assert result.rows == []


def test_recent_errors_are_the_two_error_lines(
    results: dict[str, Result], records: list[Record]
) -> None:
    errors = sorted((r for r in records if _is_error(r)), key=lambda r: -r["_timestamp_ms"])
    assert len(errors) == 2
    rows = results["errors/recent-errors"].rows
    assert [(row["@log"], row["line_message"]) for row in rows] == [
        (r["_log_group"], r["event"]) for r in errors
    ]
    assert [row["line_level"] for row in rows] == ["ERROR", "ERROR"]
    assert [row["error"] for row in rows] == [r.get("error") for r in errors]


def test_errors_by_service(results: dict[str, Result], records: list[Record]) -> None:
    expected = Counter(r["_log_group"] for r in records if _is_error(r))
    rows = results["errors/errors-by-service"].rows
    assert {row["@log"]: row["errors"] for row in rows} == dict(expected)


def test_error_rate_covers_the_seven_services(
    results: dict[str, Result], records: list[Record]
) -> None:
    lines = Counter(r["_log_group"] for r in records)
    errors = Counter(r["_log_group"] for r in records if _is_error(r))
    rows = results["errors/error-rate-by-service"].rows
    assert len(rows) == 7
    for row in rows:
        group = row["@log"]
        assert (row["lines"], row["errors"]) == (lines[group], errors[group])
        assert row["error_pct"] == pytest.approx(100 * errors[group] / lines[group])
    assert [row["error_pct"] for row in rows] == sorted(
        (row["error_pct"] for row in rows), reverse=True
    )


def test_volume_by_service_names_the_seven_services(
    results: dict[str, Result], records: list[Record]
) -> None:
    expected = Counter(r["_log_group"] for r in records)
    rows = results["volume/by-service"].rows
    assert [(row["@log"], row["lines"]) for row in rows] == expected.most_common()
    assert all(row["bytes"] > row["lines"] for row in rows)
    worker = rows[0]
    assert worker["@log"].endswith("-strategy-worker")
    assert worker["bytes"] / sum(row["bytes"] for row in rows) > 0.9


def test_volume_by_level_splits_the_lines(
    results: dict[str, Result], records: list[Record]
) -> None:
    expected = Counter(str(r["level"]).upper() for r in records)
    rows = results["volume/by-level"].rows
    assert [(row["line_level"], row["lines"]) for row in rows] == expected.most_common()


def test_volume_by_message_shows_what_dominates(
    results: dict[str, Result], records: list[Record]
) -> None:
    expected = Counter((r["event"], str(r["level"]).upper(), r["_log_group"]) for r in records)
    rows = results["volume/by-message"].rows
    assert len(rows) == min(100, len(expected))
    top = [(row["line_message"], row["line_level"], row["@log"]) for row in rows[:1]]
    assert top == [expected.most_common(1)[0][0]]
    assert rows[0]["line_message"] == "dispatching_dsl_function"
    counts = [row["lines"] for row in rows]
    assert counts == sorted(expected.values(), reverse=True)[: len(rows)]


def test_lines_without_a_correlation_id(results: dict[str, Result], records: list[Record]) -> None:
    expected = Counter((r["_log_group"], r["event"]) for r in records if _correlation_id(r) is None)
    rows = results["hygiene/missing-correlation-id"].rows
    assert {(row["@log"], row["line_message"]): row["lines"] for row in rows} == dict(expected)
    assert sum(row["lines"] for row in rows) == sum(expected.values()) > 0


def test_workflow_duration_spans_the_correlated_lines(
    results: dict[str, Result], records: list[Record]
) -> None:
    by_cid: dict[str, list[int]] = {}
    for r in records:
        cid = _correlation_id(r)
        if cid is not None:
            by_cid.setdefault(cid, []).append(r["_timestamp_ms"])
    rows = results["workflows/trading-durations"].rows
    assert {row["line_correlation_id"] for row in rows} == set(by_cid)
    for row in rows:
        times = by_cid[row["line_correlation_id"]]
        assert (row["started"], row["last_seen"], row["lines"]) == (
            min(times),
            max(times),
            len(times),
        )
        assert row["duration_s"] == pytest.approx((max(times) - min(times)) / 1000)
        assert row["end_lines"] == 0  # the capture logs no event types


EVENT_FIELD_QUERIES = [
    "latency/hop-latency",
    "latency/hop-sla-breaches",
    "latency/step-timeline",
    "workflows/trading-outcomes",
    "workflows/trading-past-sla",
    "events/failed-by-type",
    "events/dead-lettered-execution",
    "events/duplicates-detected",
    "events/handled-more-than-once",
    "lambda/cold-starts",
]


@pytest.mark.parametrize("name", EVENT_FIELD_QUERIES)
def test_queries_over_fields_the_capture_lacks_find_nothing(
    name: str, results: dict[str, Result], records: list[Record], catalog: Catalog
) -> None:
    age = catalog.log_conventions.event_age_field
    lacking = ("event_type", "event_id", age, "function_request_id")
    assert not any(key in r for r in records for key in lacking)
    duplicate = catalog.log_conventions.duplicate_message
    assert not any(r.get("event") == duplicate for r in records)
    assert not any(str(r.get("event", "")).startswith("REPORT ") for r in records)
    assert results[name].rows == []


def test_every_generated_query_was_run(
    queries: dict[str, SavedQuery], results: dict[str, Result]
) -> None:
    assert set(results) == set(queries)
