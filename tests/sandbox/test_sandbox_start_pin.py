"""Pinning the sandbox's clock start: exact, validated against CloudWatch Logs' window, and the
same from ``--start`` and ``$OBSKIT_SANDBOX_START``, so a run never depends on its date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from sandbox.clock import (
    START_ENV,
    StartError,
    check_start,
    default_start,
    parse_start,
    resolve_start,
)
from tools import sandbox_start_option
from tools.cli import cli

WALL = datetime(2026, 12, 6, 15, 30, tzinfo=UTC).timestamp()  # a Sunday
SATURDAY = datetime(2026, 12, 5, 6, 55, tzinfo=UTC)


def test_a_pin_is_read_as_iso_or_epoch_seconds() -> None:
    assert parse_start("2026-12-05T06:55:00Z") == SATURDAY.timestamp()
    assert parse_start("2026-12-05T06:55:00") == SATURDAY.timestamp()  # no zone: UTC
    assert parse_start("2026-12-05T07:55:00+01:00") == SATURDAY.timestamp()
    assert parse_start(str(int(SATURDAY.timestamp()))) == SATURDAY.timestamp()
    with pytest.raises(StartError, match="ISO 8601"):
        parse_start("last tuesday")


def test_a_pin_is_exact_even_on_a_day_no_schedule_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(START_ENV, raising=False)
    weekdays = frozenset({1, 2, 3, 4, 5})
    assert resolve_start("2026-12-05T06:55:00Z", WALL, weekdays) == SATURDAY.timestamp()
    monkeypatch.setenv(START_ENV, "2026-12-05T06:55:00Z")
    assert resolve_start(None, WALL, weekdays) == SATURDAY.timestamp()
    monkeypatch.setenv(START_ENV, "")
    assert resolve_start(None, WALL, weekdays) == default_start(WALL, weekdays)


def test_a_pin_cloudwatch_logs_would_refuse_is_refused_with_both_bounds() -> None:
    check_start(WALL - 13 * 86400 + 1, WALL)
    check_start(WALL - 6 * 3600, WALL)
    with pytest.raises(StartError, match="14 days old"):
        check_start(WALL - 13 * 86400 - 1, WALL)
    with pytest.raises(StartError, match=r"2026-12-06T09:30:00.000Z"):
        check_start(WALL - 3600, WALL)  # a run of hours would write events in the future


def test_the_option_and_the_sandbox_name_the_same_variable() -> None:
    assert sandbox_start_option.START_ENV == START_ENV


@pytest.mark.parametrize("command", [["sandbox", "up"], ["demo"], ["drill", "run", "--all"]])
def test_a_bad_start_option_is_a_usage_error_before_anything_starts(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--start", "2020-01-01T00:00:00Z"])
    assert result.exit_code == 2, result.output
    assert "--start" in result.output and "14 days old" in result.output
