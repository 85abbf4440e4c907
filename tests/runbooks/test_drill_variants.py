"""Runbooks continued from one drill's detection give what fresh drills of them give.

:func:`run_variants` runs a scenario's drill to detection once and each runbook from there in a
forked copy. The proof that this changes nothing: three runbooks of one scenario (as written, one
that forgets the replay, one whose diagnosis names the wrong function) judged both ways, fresh and
continued, on a real moto_server: the same verdict, failures, steps, exit codes and evidence, the
same workflows, detection and recovery times.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from catalog import load_catalog
from runbooks.drills import DrillOptions, select_scenarios
from runbooks.drills.model import DrillResult
from runbooks.drills.runner import FreshSandboxes, run_drill
from runbooks.drills.variants import run_variants
from runbooks.scenarios import Scenario, build_scenarios
from sandbox.moto_server import MotoServer

if TYPE_CHECKING:
    from conftest import BrokenRunbooks

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="variants fork (Linux)"),
]

DRILL = "rule-to-portfolio-target-failing"
OPTIONS = DrillOptions(recovery_budget_s=600)


def _variants(broken: BrokenRunbooks) -> list[Scenario]:
    catalog = load_catalog()
    scenario = select_scenarios(build_scenarios(catalog), [DRILL])[0]
    misleading = broken.policy_of(
        scenario, "alchemiser-dev-portfolio", "alchemiser-dev-signal-aggregator"
    )
    return [scenario, broken.without_replay(scenario), misleading]


def _essence(result: DrillResult) -> dict[str, object]:
    """What a verdict is made of: not wall time, nor what reads it (a DLQ message's age in
    `dlq inspect`, SQS's SentTimestamp being wall time), nor a policy's random revision id."""

    def plain(text: str) -> str:
        text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
        return re.sub(r"\s+", " ", re.sub(r"\b\d+ s\b", "N s", text))  # and its column's width

    return {
        "passed": result.passed,
        "failures": [plain(f) for f in result.failures],
        "steps": [(s.part, s.command, s.exit_code, s.matched, s.run) for s in result.steps],
        "workflows": result.workflows,
        "detected": result.detected_after_s,
        "recovered": result.recovered_after_s,
        "fired": result.fired_alarms,
    }


def test_runbooks_continued_from_detection_are_judged_as_fresh_drills(
    moto_server: MotoServer, broken_runbooks: BrokenRunbooks
) -> None:
    catalog = load_catalog()
    variants = _variants(broken_runbooks)
    moto_server.reset()
    sandboxes = FreshSandboxes(catalog, moto_server, seed=OPTIONS.seed)
    fresh = [run_drill(v, sandboxes, OPTIONS) for v in variants]
    continued = run_variants(variants, sandboxes, OPTIONS)
    assert all(isinstance(c, DrillResult) for c in continued), continued
    assert [f.passed for f in fresh] == [True, False, False]
    for one, other in zip(fresh, continued, strict=True):
        assert isinstance(other, DrillResult)
        assert _essence(other) == _essence(one)


class _Proxy:
    """Like a context-local proxy: asking it for its class raises (one was alive in the suite)."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # noqa: D105
        raise RuntimeError("no attribute __class__ for you")


def test_dropping_inherited_connections_survives_objects_that_hide_their_class() -> None:
    import urllib3

    from runbooks.drills.variants import _drop_inherited_connections

    proxy, pool = _Proxy(), urllib3.PoolManager()
    pool.connection_from_url("http://127.0.0.1:1/")
    assert len(pool.pools) == 1
    _drop_inherited_connections()
    assert len(pool.pools) == 0 and proxy is not None
