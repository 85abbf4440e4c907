"""How workflows start (``workflows[].start``): the catalog's checks, the mixed load's shares,
and the payloads and first events the sandbox makes for every run."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from catalog import CatalogError, load_catalog
from catalog.models import WorkflowStart
from sandbox.errors import SandboxError
from sandbox.workload import api_proxy_event, fill_payload, first_event_detail, plan_runs

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders" / "catalog.yaml"

CHECKOUT_START = """    start:
      kind: api
      service: api
      path: /orders
      payload: {order_id: "{uuid}", run: "{n}", at: "{now}", shop: "{system}"}
    rate_per_hour: 300
"""
REFUND_START = """    start: {kind: event, payload: {reason: damaged}}
    rate_per_hour: 100
"""


def _orders(tmp_path: Path, checkout: str = CHECKOUT_START, refund: str = REFUND_START) -> Path:
    text = ORDERS.read_text(encoding="utf-8")
    text = text.replace("    sla_s: 600\n", "    sla_s: 600\n" + checkout, 1)
    text = text.replace("    sla_s: 3600\n", "    sla_s: 3600\n" + refund, 1)
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_start_loads_with_run_placeholders_kept_and_catalog_ones_filled(tmp_path: Path) -> None:
    catalog = load_catalog(_orders(tmp_path))
    start = catalog.workflow("checkout").entry()
    assert start is not None and start.kind == "api" and start.path == "/orders"
    assert start.payload == {"order_id": "{uuid}", "run": "{n}", "at": "{now}", "shop": "orders"}
    assert catalog.workflow("refund").entry() == WorkflowStart(
        kind="event", payload={"reason": "damaged"}
    )


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("    start: {kind: api}\n", "start kind 'api' needs service"),
        ("    start: {kind: direct, service: nobody}\n", "unknown service 'nobody'"),
        (
            "    start: {kind: direct, service: payment-worker}\n",
            "its trigger is 'sqs': make its trigger 'direct'",
        ),
        ("    start: {kind: queue}\n", "start kind 'queue' needs queue"),
        (
            "    start: {kind: queue, queue: orders-staging-payments-dlq}\n",
            "no service reads queue 'orders-staging-payments-dlq'",
        ),
        ("    start: {kind: schedule}\n", "start kind 'schedule' needs schedule"),
        ("    start: {kind: event, detail_type: Nope}\n", "unknown event type 'Nope'"),
        ("    start: {kind: carrier-pigeon}\n", "kind"),
        ("    start: {kind: api, service: api, path: '{uuid}'}\n", "unknown placeholder '{uuid}'"),
        ("    rate_per_hour: 0\n", "rate_per_hour"),
    ],
)
def test_a_start_that_cannot_work_is_refused_naming_the_field(
    tmp_path: Path, start: str, message: str
) -> None:
    with pytest.raises(CatalogError) as refused:
        load_catalog(_orders(tmp_path, checkout=start))
    assert message in str(refused.value)
    assert "workflows[0]" in str(refused.value)


def test_runs_are_shared_by_rate_and_interleaved(tmp_path: Path) -> None:
    catalog = load_catalog(_orders(tmp_path))
    plan = [w.name for w in plan_runs(catalog, 8)]
    assert plan.count("checkout") == 6 and plan.count("refund") == 2  # 300 : 100
    longest_run = max(len(list(g)) for _, g in itertools.groupby(plan))
    assert longest_run <= 3  # mixed, not all checkouts first
    assert [w.name for w in plan_runs(catalog, 3, "refund")] == ["refund"] * 3


def test_no_way_to_start_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    catalog = load_catalog(ORDERS)
    with pytest.raises(SandboxError, match="does not say how it starts"):
        plan_runs(catalog, 1, "checkout")
    with pytest.raises(SandboxError, match="no workflow says how it starts"):
        plan_runs(catalog, 1)
    with pytest.raises(SandboxError, match=r"no workflow 'nope' \(workflows: checkout, refund\)"):
        plan_runs(load_catalog(_orders(tmp_path)), 1, "nope")


def test_payloads_get_fresh_ids_the_run_number_and_the_time() -> None:
    ids = iter(["a", "b", "c"])
    filled = fill_payload(
        {"id": "{uuid}", "pair": ["{uuid}-{uuid}"], "n": "{n}", "label": "run {n}", "at": "{now}"},
        new_id=lambda: next(ids),
        n=7,
        now="2026-12-01T06:55:00.000Z",
    )
    assert filled == {
        "id": "a",
        "pair": ["b-c"],
        "n": 7,
        "label": "run 7",
        "at": "2026-12-01T06:55:00.000Z",
    }


def test_a_first_event_carries_the_contracts_ids() -> None:
    ids = iter(["1", "2"])
    detail = first_event_detail(
        {"reason": "damaged"}, event_type="RefundRequested", new_id=lambda: next(ids), now="T"
    )
    assert detail["correlation_id"] == "workflow-1" == detail["causation_id"]
    assert detail["event_id"] == "2" and detail["event_type"] == "RefundRequested"
    assert detail["reason"] == "damaged" and detail["schema_version"] == "1.0"
    given = first_event_detail(
        {"correlation_id": "wf-9"}, event_type="X", new_id=lambda: "3", now="T"
    )
    assert given["correlation_id"] == given["causation_id"] == "wf-9"


def test_an_api_start_is_a_rest_proxy_event_with_the_payload_as_body() -> None:
    start = WorkflowStart(kind="api", service="api", method="PUT", path="/orders")
    event = api_proxy_event(start, {"a": 1}, request_id="r", account="123", when="T")
    assert (event["httpMethod"], event["path"], event["body"]) == ("PUT", "/orders", '{"a":1}')
    assert event["requestContext"]["requestId"] == "r" and event["isBase64Encoded"] is False
