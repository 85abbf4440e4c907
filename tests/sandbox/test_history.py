"""The past a demo's sandbox starts with: its scheduled workflows' completions of the last day."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog import load_catalog
from sandbox.history import HISTORY_S, scheduled_completions


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_a_weekday_start_gets_the_previous_weekdays_run() -> None:
    catalog = load_catalog()
    # Wednesday 06:55 UTC: Tuesday's 09:35 New York run (14:35 UTC in December) lies behind it
    runs = scheduled_completions(catalog, _at("2026-12-02T06:55:00"))
    assert runs == [("trading", _at("2026-12-01T14:35:00"))]


def test_a_monday_start_gets_nothing_from_the_weekend() -> None:
    catalog = load_catalog()
    assert scheduled_completions(catalog, _at("2026-11-30T06:55:00")) == []


def test_runs_are_those_of_the_window_only_and_in_time_order() -> None:
    catalog = load_catalog()
    start = _at("2026-07-09T14:00:00")  # Thursday, summer time: runs at 13:35 UTC
    runs = scheduled_completions(catalog, start)
    assert [at for _name, at in runs] == [_at("2026-07-08T13:35:00"), _at("2026-07-09T13:35:00")]
    assert all(start - HISTORY_S < at < start for _name, at in runs)
