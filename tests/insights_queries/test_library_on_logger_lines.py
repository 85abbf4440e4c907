"""The generated queries on lines written by obskit's own logger (Powertools key names).

The capture test proves the queries on structlog's schema; this one writes a small workflow with
``logging_config`` itself (real logger, real event contexts, real Lambda fields) into per-service
files and runs the Alchemiser queries on them with the local engine.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import logging_config
from catalog import Catalog, load_catalog
from insights_queries.engine import Result, run
from insights_queries.library import SavedQuery, build_queries
from insights_queries.sources import LogFiles


@pytest.fixture(scope="module")
def catalog(example_catalog_path: Path) -> Catalog:
    return load_catalog(example_catalog_path)


@pytest.fixture(scope="module")
def queries(catalog: Catalog) -> dict[str, SavedQuery]:
    return {q.name.split("/", 1)[1]: q for q in build_queries(catalog)}


class _Service:
    """Collects one service's stdout, as Lambda would ship it to its log group."""

    def __init__(self, catalog: Catalog, name: str) -> None:
        self.service = catalog.service(name)
        self.out = io.StringIO()
        self.requests = 0

    def invoke(self, event: Any, body: Any) -> Any:
        logging_config.configure(self.service.name, stream=self.out)
        self.requests += 1
        context = SimpleNamespace(
            function_name=self.service.function_name,
            aws_request_id=f"req-{self.service.name}-{self.requests}",
        )

        @logging_config.inject_lambda_context
        def handler(event: Any, _context: Any) -> Any:
            return body(event)

        return handler(event, context)


@pytest.fixture(scope="module")
def logs(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A trading workflow: started, a signal handled twice (one duplicate), an order failing."""
    log = logging_config.get_logger("test")
    dup = catalog.log_conventions.duplicate_message
    services = {
        name: _Service(catalog, name)
        for name in ("strategy-orchestrator", "strategy-worker", "portfolio", "execution")
    }

    def start(_event: Any) -> Any:
        with logging_config.start_workflow() as ctx:
            log.info("Workflow started")
            return ctx.child_event("WorkflowStarted", {})

    started = services["strategy-orchestrator"].invoke({}, start)

    def evaluate(_event: Any) -> None:
        log.info("Evaluating strategy", strategy="nuclear")

    services["strategy-worker"].invoke(_envelope(started), evaluate)
    signal = {
        **started,
        "event_type": "SignalGenerated",
        "event_id": "sig-1",
        "causation_id": started["event_id"],
    }

    age_field = catalog.log_conventions.event_age_field

    def plan(_event: Any) -> None:
        # the hop-latency contract: lines say how old the event is (ms since emission). The logger
        # binds it from the event's timestamp by itself; a call's own field wins (a late hop here)
        log.info("Event received", **{age_field: 20_000})
        log.info("Rebalance planned", orders=2)

    def plan_again(_event: Any) -> None:
        log.warning(dup, dedupe_key="sig-1")

    services["portfolio"].invoke(_envelope(signal), plan)
    services["portfolio"].invoke(_envelope(signal), plan_again)
    order = _envelope({**signal, "event_type": "RebalancePlanned", "event_id": "plan-1"})

    def execute(_event: Any) -> None:
        log.error("Order rejected by broker", order_id="ord-001")

    for _attempt in range(3):  # the FIFO queue's max_receive_count: then SQS dead-letters it
        services["execution"].invoke(order, execute)
    logging_config.configure(None, stream=None)
    folder = tmp_path_factory.mktemp("logger-lines")
    for name, service in services.items():
        (folder / f"{name}.log").write_text(service.out.getvalue(), encoding="utf-8")
    yield folder


def _envelope(detail: dict[str, Any]) -> dict[str, Any]:
    """An EventBridge event as a rule delivers it to Lambda."""
    return {
        "id": f"eb-{detail['event_id']}",
        "source": "alchemiser.test",
        "detail-type": detail["event_type"],
        "detail": detail,
    }


def _run(saved: SavedQuery, folder: Path, catalog: Catalog, **params: str) -> Result:
    events: list[dict[str, Any]] = []
    for service in catalog.services:
        path = folder / f"{service.name}.log"
        if path.exists() and service.log_group in saved.log_groups:
            events += list(LogFiles([path], log_group=service.log_group))
    return run(saved.query, events, params or None)


def _lines(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.log"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("{")
    ]


def test_the_logger_wrote_powertools_keys(logs: Path) -> None:
    lines = _lines(logs)
    assert lines and all("correlation_id" in line and "level" in line for line in lines)
    assert {line["level"] for line in lines} >= {"INFO", "WARNING", "ERROR"}


def test_errors_and_failed_events(
    logs: Path, queries: dict[str, SavedQuery], catalog: Catalog
) -> None:
    rows = _run(queries["errors/errors-by-service"], logs, catalog).rows
    assert rows == [{"@log": "/aws/lambda/alchemiser-dev-execution", "errors": 3}]
    failed = _run(queries["events/failed-by-type"], logs, catalog).rows
    assert [(r["event_type"], r["error_lines"], r["events"]) for r in failed] == [
        ("RebalancePlanned", 3, 1)
    ]


def test_dead_lettered_after_max_receive_count_attempts(
    logs: Path, queries: dict[str, SavedQuery], catalog: Catalog
) -> None:
    rows = _run(queries["events/dead-lettered-execution"], logs, catalog).rows
    assert [(r["event_id"], r["failed_attempts"]) for r in rows] == [("plan-1", 3)]


def test_duplicates_detected_and_handled_twice(
    logs: Path, queries: dict[str, SavedQuery], catalog: Catalog
) -> None:
    dups = _run(queries["events/duplicates-detected"], logs, catalog).rows
    assert [(r["@log"], r["event_type"], r["duplicates"]) for r in dups] == [
        ("/aws/lambda/alchemiser-dev-portfolio", "SignalGenerated", 1)
    ]
    twice = _run(queries["events/handled-more-than-once"], logs, catalog).rows
    assert {(r["event_id"], r["invocations"]) for r in twice} == {("sig-1", 2), ("plan-1", 3)}


def test_trace_and_outcomes_follow_the_correlation_id(
    logs: Path, queries: dict[str, SavedQuery], catalog: Catalog
) -> None:
    lines = _lines(logs)
    cid = lines[0]["correlation_id"]
    trace = _run(queries["trace/correlation-id"], logs, catalog, correlation_id=cid).rows
    assert len(trace) == sum(1 for line in lines if line["correlation_id"] == cid)
    outcomes = _run(queries["workflows/trading-outcomes"], logs, catalog).rows
    assert outcomes == [{"event_type": "WorkflowStarted", "workflows": 1}]
    late = _run(queries["workflows/trading-past-sla"], logs, catalog).rows
    assert [r["line_correlation_id"] for r in late] == [cid]  # started, never completed


def test_hop_latency_and_sla_breach_from_the_event_age_field(
    logs: Path, queries: dict[str, SavedQuery], catalog: Catalog
) -> None:
    rows = {r["event_type"]: r for r in _run(queries["latency/hop-latency"], logs, catalog).rows}
    # every handled event, from the age the logger binds; the test runs in well under 10 s
    assert sorted(rows) == ["RebalancePlanned", "SignalGenerated", "WorkflowStarted"]
    assert all(row["events"] == 1 for row in rows.values())
    assert rows["SignalGenerated"]["max_ms"] == 20_000
    assert rows["RebalancePlanned"]["max_ms"] < 10_000
    assert rows["WorkflowStarted"]["max_ms"] < 10_000
    sla_s = catalog.event_type("SignalGenerated").hop_sla_s
    assert sla_s is not None and sla_s * 1000 < 20_000  # so the 20 s hop is a breach
    late = _run(queries["latency/hop-sla-breaches"], logs, catalog).rows
    assert [(r["event_type"], r["late_events"]) for r in late] == [("SignalGenerated", 1)]


def test_nothing_is_missing_a_correlation_id(
    logs: Path, queries: dict[str, SavedQuery], catalog: Catalog
) -> None:
    assert _run(queries["hygiene/missing-correlation-id"], logs, catalog).rows == []


LAMBDA_STDOUT = """\
INIT_START Runtime Version: python:3.11.v29\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:x
START RequestId: 11111111-aaaa-4aaa-8aaa-111111111111 Version: $LATEST
{"timestamp":"2025-12-17T20:38:58.084Z","level":"INFO","message":"hi","correlation_id":"c1"}
END RequestId: 11111111-aaaa-4aaa-8aaa-111111111111
REPORT RequestId: 11111111-aaaa-4aaa-8aaa-111111111111\tDuration: 123.45 ms\tBilled Duration: 124 ms\t\
Memory Size: 512 MB\tMax Memory Used: 80 MB\tInit Duration: 456.78 ms
START RequestId: 22222222-aaaa-4aaa-8aaa-222222222222 Version: $LATEST
{"timestamp":"2025-12-17T20:39:01.000Z","level":"INFO","message":"no id here"}
END RequestId: 22222222-aaaa-4aaa-8aaa-222222222222
REPORT RequestId: 22222222-aaaa-4aaa-8aaa-222222222222\tDuration: 23.45 ms\tBilled Duration: 24 ms\t\
Memory Size: 512 MB\tMax Memory Used: 81 MB
"""


def test_cold_starts_and_hygiene_on_lambda_stdout(
    queries: dict[str, SavedQuery], tmp_path: Path
) -> None:
    path = tmp_path / "execution.log"
    path.write_text(LAMBDA_STDOUT, encoding="utf-8")
    group = "/aws/lambda/alchemiser-dev-execution"
    events = list(LogFiles([path], log_group=group))
    reports = [line for line in LAMBDA_STDOUT.splitlines() if line.startswith("REPORT ")]
    cold = [line for line in reports if "Init Duration: " in line]
    (row,) = run(queries["lambda/cold-starts"].query, events).rows
    assert (row["@log"], row["invocations"], row["cold_starts"]) == (group, len(reports), len(cold))
    assert row["max_init_ms"] == pytest.approx(456.78)
    # platform lines are not "lines without a correlation id"; the application line is
    missing = run(queries["hygiene/missing-correlation-id"].query, events).rows
    assert missing == [{"@log": group, "line_message": "no id here", "lines": 1}]
