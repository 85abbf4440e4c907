"""The demo function the lead wires into ``obskit demo`` (run small here: 2 workflows)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from sandbox.demo import run_demo
from sandbox.session import Sandbox

pytestmark = pytest.mark.slow


def test_demo_runs_workflows_prints_summary_and_one_trace() -> None:
    buffer = io.StringIO()
    traced: list[str] = []

    def tracer(box: Sandbox, correlation_id: str, console: Console) -> None:
        traced.append(correlation_id)
        lines = box.workflow_lines(correlation_id)
        services = {(r.json() or {}).get("service") for r in lines}
        console.print(f"traced {len(lines)} lines from {len(services)} services")

    result = run_demo(Console(file=buffer, width=160), workflows=2, trace=tracer)
    text = buffer.getvalue()

    assert result.summary.workflows.completed == 2
    assert result.traced is not None and traced == [result.traced]
    assert "traced" in text and "from 8 services" in text
    assert result.summary.alarm_counts()["ALARM"] == 0
    assert result.summary.alarms["alchemiser-dev-workflow-trading-heartbeat"] == "OK"
    for heading in ("Workflows", "Functions", "Queues", "Alarms:"):
        assert heading in text
    assert "sandbox down" in text
