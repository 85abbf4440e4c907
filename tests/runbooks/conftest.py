"""Fixtures of these tests: the sandbox, and runbooks broken the ways the drill tests judge.

The broken runbooks are fixtures (not a helper module) because the suite imports test modules
with ``--import-mode=importlib``, where one test module cannot import another.
"""

from __future__ import annotations

import dataclasses

import pytest

from runbooks.scenarios import Scenario
from sandbox.pytest_fixtures import sandbox, sandbox_catalog

__all__ = ["BrokenRunbooks", "broken_runbooks", "sandbox", "sandbox_catalog"]


class BrokenRunbooks:
    """A scenario's runbook with one operator's mistake in it."""

    @staticmethod
    def without_replay(scenario: Scenario) -> Scenario:
        """The mitigation forgets the DLQ replay (the step with ``--rate``)."""
        return dataclasses.replace(
            scenario,
            mitigation=tuple(
                s for s in scenario.mitigation if not (s.command and "--rate" in s.command)
            ),
        )

    @staticmethod
    def policy_of(scenario: Scenario, right: str, wrong: str) -> Scenario:
        """The diagnosis reads the invoke policy of function ``wrong`` instead of ``right``."""
        return dataclasses.replace(
            scenario,
            diagnosis=tuple(
                dataclasses.replace(s, command=s.command.replace(right, wrong))
                if s.command and "get-policy" in s.command
                else s
                for s in scenario.diagnosis
            ),
        )


@pytest.fixture
def broken_runbooks() -> BrokenRunbooks:
    return BrokenRunbooks()
