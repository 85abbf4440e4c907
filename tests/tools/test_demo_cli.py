"""``obskit demo`` through click: it runs the example workflow and shows correlated lines + tree."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from rich.console import Console

from logging_config import config, sink
from tools.cli import cli
from tools.demo_cli import causation_tree

SERVICES = [
    "strategy-orchestrator",
    "strategy-worker",
    "signal-aggregator",
    "portfolio",
    "execution",
    "trade-aggregator",
    "notifications",
    "metrics",
]


def _run(*args: str) -> str:
    before = sink.get_stream()
    service_before = config.current_service()
    result = CliRunner().invoke(cli, ["demo", "local", *args])
    assert sink.get_stream() is before  # the demo gives the stream back
    assert config.current_service() == service_before  # and the process's service name
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_shows_every_service_and_the_causation_tree() -> None:
    output = _run()
    titles = re.findall(r"^(\S+) — (\d+) lines", output, flags=re.MULTILINE)
    assert [name for name, _count in titles] == SERVICES
    (correlation,) = re.findall(r"causation tree of (workflow-[0-9a-f-]{36})", output)
    tree = output[output.index("causation tree of") :].splitlines()
    depth = {
        re.sub(r"^[\s│├└─]+", "", line).split(" ")[0]: len(line) - len(line.lstrip(" │├└─"))
        for line in tree[1:]
        if re.search(r"[A-Za-z]", line) and not line.startswith(tuple("0123456789"))
    }
    flow = [
        "WorkflowStarted",
        "PartialSignalGenerated",
        "SignalGenerated",
        "RebalancePlanned",
        "TradeExecuted",
        "AllTradesCompleted",
        "WorkflowCompleted",
    ]
    assert [depth[name] for name in flow] == sorted(depth[name] for name in flow)
    assert len({depth[name] for name in flow}) == len(flow)  # each step one level deeper
    summary = output.strip().splitlines()[-1]
    assert "from 8 services, 1 correlation id(s)" in summary
    assert summary.endswith("outcome: WorkflowCompleted")
    assert correlation.startswith("workflow-")


def test_demo_json_lines_share_one_correlation_id() -> None:
    lines = [json.loads(line) for line in _run("--json", "--strategies", "beam_chain").splitlines()]
    assert {line["service"] for line in lines} == set(SERVICES)
    assert len({line["correlation_id"] for line in lines}) == 1
    assert sum("_aws" in line for line in lines) == 1


def test_demo_fault_switch_shows_the_failure() -> None:
    output = _run("--strategies", "beam_chain", "--fault", "portfolio=fail")
    assert "Portfolio analysis failed" in output
    assert "WorkflowFailed" in output
    assert output.strip().endswith("outcome: WorkflowFailed")
    assert "RebalancePlanned" not in output


def test_demo_duplicate_switch_shows_the_detection() -> None:
    output = _run("--strategies", "beam_chain", "--fault", "execution=duplicate")
    assert output.count("Duplicate event detected") == len(
        re.findall(r"TradeExecuted \w{8} ord-", output)
    )
    assert output.strip().endswith("outcome: WorkflowCompleted")


def test_demo_refuses_a_bad_fault_naming_it() -> None:
    result = CliRunner().invoke(cli, ["demo", "local", "--fault", "portfolio=explode"])
    assert result.exit_code == 2
    assert "--fault" in result.output and "unknown fault mode 'explode'" in result.output
    result = CliRunner().invoke(cli, ["demo", "local", "--fault", "portfolio"])
    assert result.exit_code == 2
    assert "'portfolio': expected SERVICE=MODE" in result.output


def test_causation_tree_puts_a_fan_in_under_the_event_that_completed_it() -> None:
    events = [
        {"event_id": "s", "event_type": "Start", "causation_id": "wf", "correlation_id": "wf"},
        {"event_id": "a", "event_type": "Part", "causation_id": "s", "correlation_id": "wf"},
        {"event_id": "b", "event_type": "Part", "causation_id": "s", "correlation_id": "wf"},
        {"event_id": "b", "event_type": "Part", "causation_id": "s", "correlation_id": "wf"},
        {"event_id": "m", "event_type": "Merged", "causation_id": "b", "correlation_id": "wf"},
    ]
    console = Console(width=80, record=True, color_system=None)
    console.print(causation_tree(events, {"m": "merger"}))
    assert console.export_text().splitlines() == [
        "causation tree of wf",
        "└── Start s",
        "    ├── Part a",
        "    └── Part b",
        "        └── Merged m ← merger",
    ]


def test_demo_tree_marks_the_rejected_order() -> None:
    output = _run("--strategies", "beam_chain", "--fault", "execution=fail")
    tree = output[output.index("causation tree of") :]
    assert re.search(r"TradeExecuted \w{8} ord-001 rejected ← execution", tree)
    assert not re.search(r"ord-002 rejected", tree)
    assert re.search(r"WorkflowFailed \w{8} execution ← trade-aggregator", tree)
