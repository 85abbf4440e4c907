"""catalog.cron_runs: every run time of a schedule in a window (time zones, DST, L / W / #, rate
anchors), and the longest gap between runs the missed-run alarm is sized by."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.cron_runs import longest_gap_s, rate_seconds, run_times


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _iso(moments: list[float]) -> list[str]:
    return [datetime.fromtimestamp(m, UTC).strftime("%Y-%m-%d %H:%M") for m in moments]


def test_a_nightly_berlin_run_follows_daylight_saving_time() -> None:
    runs = run_times(
        "cron(30 2 * * ? *)", "Europe/Berlin", _utc("2026-03-27 00:00"), _utc("2026-03-31 00:00")
    )
    # 02:30 CET is 01:30 UTC; from 29 March (CEST) it is 00:30 UTC
    assert _iso(list(runs)) == [
        "2026-03-27 01:30",
        "2026-03-28 01:30",
        "2026-03-29 01:30",  # 02:30 does not exist that night: zoneinfo reads it as CET
        "2026-03-30 00:30",
    ]


def test_the_window_is_open_at_its_start_and_closed_at_its_end() -> None:
    slot = _utc("2026-05-04 12:00")
    assert list(run_times("cron(0 12 * * ? *)", "UTC", slot, slot + 60)) == []
    assert list(run_times("cron(0 12 * * ? *)", "UTC", slot - 60, slot)) == [slot]


def test_weekdays_last_and_nth_days() -> None:
    start, end = _utc("2026-04-01 00:00"), _utc("2026-05-31 23:59")
    assert _iso(list(run_times("cron(0 9 ? * 6#1 *)", "UTC", start, end))) == [
        "2026-04-03 09:00",  # first Friday of April
        "2026-05-01 09:00",
    ]
    assert _iso(list(run_times("cron(0 9 L * ? *)", "UTC", start, end))) == [
        "2026-04-30 09:00",
        "2026-05-31 09:00",
    ]
    assert _iso(list(run_times("cron(0 9 LW * ? *)", "UTC", start, end)))[-1] == (
        "2026-05-29 09:00"  # 31 May 2026 is a Sunday: the last weekday is Friday the 29th
    )
    assert _iso(list(run_times("cron(0 9 ? * 2L *)", "UTC", start, end))) == [
        "2026-04-27 09:00",  # last Monday
        "2026-05-25 09:00",
    ]
    assert _iso(list(run_times("cron(0 9 1W * ? *)", "UTC", start, end))) == [
        "2026-04-01 09:00",
        "2026-05-01 09:00",
    ]


def test_a_rate_counts_from_its_anchor() -> None:
    assert rate_seconds("rate(10 minutes)") == 600 and rate_seconds("cron(0 1 * * ? *)") is None
    assert list(run_times("rate(10 minutes)", "UTC", 0.0, 1800.0)) == [600.0, 1200.0, 1800.0]
    assert list(run_times("rate(1 hour)", "UTC", 3000.0, 7300.0, anchor=100.0)) == [3700.0, 7300.0]


def test_longest_gaps() -> None:
    assert longest_gap_s("cron(30 2 * * ? *)", "Europe/Berlin") == 86400
    assert longest_gap_s("cron(35 9 ? * MON-FRI *)", "America/New_York") == 3 * 86400
    assert longest_gap_s("rate(5 minutes)", "UTC") == 300
    assert longest_gap_s("cron(0/15 * * * ? *)", "UTC") == 900
    assert longest_gap_s("cron(0 0 1 1 ? *)", "UTC") is None  # yearly: no run in sight


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    day=st.integers(0, 400),
    span_h=st.integers(1, 72),
)
def test_every_daily_run_is_listed_once_at_its_minute(
    minute: int, hour: int, day: int, span_h: int
) -> None:
    start = _utc("2025-01-01 00:00") + day * 86400 + 17
    end = start + span_h * 3600
    runs = list(run_times(f"cron({minute} {hour} * * ? *)", "UTC", start, end))
    assert runs == sorted(set(runs))
    for moment in runs:
        when = datetime.fromtimestamp(moment, UTC)
        assert (when.hour, when.minute, when.second) == (hour, minute, 0)
        assert start < moment <= end
    assert len(runs) in (span_h // 24, span_h // 24 + 1)
