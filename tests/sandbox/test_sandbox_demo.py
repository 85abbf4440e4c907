"""The demo function the lead wires into ``obskit demo`` (run small here: 2 workflows)."""

from __future__ import annotations

import io
import time

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
    # every alarm OK at the end (none left in INSUFFICIENT_DATA: an idle queue's age alarm reads
    # "no datapoint" as an empty queue), and none went to ALARM on the way
    assert result.summary.alarm_counts()["ALARM"] == 0
    assert result.summary.alarm_counts()["INSUFFICIENT_DATA"] == 0
    assert "alarm transitions into or out of ALARM during the run: 0\n" in text
    assert result.summary.alarms["alchemiser-dev-workflow-trading-heartbeat"] == "OK"
    for heading in ("Workflows", "Functions", "Queues", "Alarms:"):
        assert heading in text
    assert "sandbox down" in text


def test_the_demos_trace_finds_a_workflow_days_behind_the_wall_clock(
    aws_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo traced with `--since 3d` from the wall clock: a sandbox started further back (a
    weekday schedule on a Sunday moves it to Thursday) found nothing."""
    from io import StringIO

    from rich.console import Console

    from sandbox import Sandbox
    from tools.demo_cli import trace_in_sandbox

    five_days_back = float(int(time.time() // 3600) * 3600 - 5 * 86400)
    with Sandbox.start(endpoint_url=aws_endpoint, start_time=five_days_back) as box:
        box.run_workflows(1)
        (cid,) = box.correlation_ids()
        out = StringIO()
        trace_in_sandbox(box, cid, Console(file=out, width=200))
    printed = out.getvalue() + capsys.readouterr().out
    assert "no line of" not in printed and "trace:" not in printed, printed
    assert cid in printed
