"""The generated query library: names, limits, parsing, splitting, parameters, determinism."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog import Catalog, catalog_from_data, load_catalog
from insights_queries import Binary, Field, In, Number, String, parameters, parse
from insights_queries.library import (
    MAX_LOG_GROUPS,
    SavedQuery,
    build_queries,
    query_by_name,
)
from insights_queries.params import walk

NAME = re.compile(r"^[a-z][a-z0-9_-]*/[a-z]+/[A-Za-z0-9._-]+$")


@pytest.fixture(scope="module")
def alchemiser(example_catalog_path: Path) -> Catalog:
    return load_catalog(example_catalog_path)


@pytest.fixture(scope="module")
def orders(repo_root: Path) -> Catalog:
    return load_catalog(repo_root / "examples" / "orders" / "catalog.yaml")


def _many_services(example_catalog_path: Path, count: int) -> dict[str, Any]:
    """The Alchemiser catalog plus ``count`` extra direct-invoked services (more log groups)."""
    data = yaml.safe_load(example_catalog_path.read_text(encoding="utf-8"))
    data["services"] += [
        {"name": f"extra-{i:03d}", "trigger": "direct", "timeout_s": 10} for i in range(count)
    ]
    return data


@pytest.mark.parametrize("which", ["alchemiser", "orders"])
def test_every_query_is_valid_and_within_aws_limits(which: str, request: Any) -> None:
    catalog: Catalog = request.getfixturevalue(which)
    queries = build_queries(catalog)
    names = [q.name for q in queries]
    assert len(names) == len(set(names))
    for saved in queries:
        assert NAME.match(saved.name) and len(saved.name) <= 255, saved.name
        assert saved.name.startswith(f"{catalog.system}/")
        assert len(saved.text) <= 10_000
        assert parse(saved.text) == saved.query
        assert 1 <= len(saved.log_groups) <= MAX_LOG_GROUPS
        assert set(saved.log_groups) <= set(catalog.log_groups())
        assert saved.description.endswith("?") and saved.description.count("?") == 1
        assert parameters(saved.query) == list(saved.parameters)


def test_categories_cover_the_questions_of_the_issue(alchemiser: Catalog) -> None:
    names = {q.name.split("/", 1)[1] for q in build_queries(alchemiser)}
    assert {
        "trace/correlation-id",
        "errors/errors-by-service",
        "errors/error-rate-by-service",
        "latency/hop-latency",
        "workflows/trading-outcomes",
        "workflows/trading-durations",
        "workflows/trading-past-sla",
        "events/failed-by-type",
        "events/dead-lettered-execution",
        "events/duplicates-detected",
        "lambda/cold-starts",
        "volume/by-service",
        "volume/by-level",
        "volume/by-message",
        "hygiene/missing-correlation-id",
    } <= names


def test_same_catalog_gives_the_same_queries(example_catalog_path: Path) -> None:
    first = build_queries(load_catalog(example_catalog_path))
    second = build_queries(load_catalog(example_catalog_path))
    assert [(q.name, q.text, q.log_groups) for q in first] == [
        (q.name, q.text, q.log_groups) for q in second
    ]


def test_nothing_alchemiser_leaks_into_another_catalog(orders: Catalog) -> None:
    queries = build_queries(orders)
    for saved in queries:
        assert "alchemiser" not in (saved.name + saved.text + saved.description).lower()
        assert "Rebalance" not in saved.text
    by_name = {q.name: q for q in queries}
    assert "orders/workflows/checkout-past-sla" in by_name
    assert "orders/workflows/refund-outcomes" in by_name
    assert by_name["orders/events/dead-lettered-payment-worker"].log_groups == (
        "/aws/lambda/orders-payment-worker-staging",
    )


def test_more_than_50_log_groups_split_into_numbered_parts(example_catalog_path: Path) -> None:
    catalog = catalog_from_data(_many_services(example_catalog_path, 112))
    all_groups = catalog.log_groups()
    assert len(all_groups) == 120
    parts = [q for q in build_queries(catalog) if q.name.startswith("alchemiser/volume/by-level")]
    assert [q.name for q in parts] == [
        f"alchemiser/volume/by-level-part-{n}-of-3" for n in (1, 2, 3)
    ]
    assert [len(q.log_groups) for q in parts] == [50, 50, 20]
    assert [g for q in parts for g in q.log_groups] == all_groups
    assert len({q.text for q in parts}) == 1


def test_trace_takes_the_correlation_id_as_a_parameter(alchemiser: Catalog) -> None:
    trace = query_by_name(build_queries(alchemiser), "trace/correlation-id")
    assert list(trace.parameters) == ["correlation_id"]
    assert "{{correlation_id}}" in trace.text
    with pytest.raises(KeyError, match="no generated query named 'trace/nope'"):
        query_by_name([trace], "trace/nope")


def test_duplicate_query_searches_the_text_the_services_log(
    alchemiser: Catalog, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(repo_root / "examples" / "alchemiser"))
    from services.common import DUPLICATE_MESSAGE  # the example services' own constant

    saved = query_by_name(build_queries(alchemiser), "events/duplicates-detected")
    strings = {node.value for node in walk(saved.query) if isinstance(node, String)}
    assert DUPLICATE_MESSAGE in strings
    assert alchemiser.log_conventions.duplicate_message == DUPLICATE_MESSAGE


def test_duplicate_message_follows_the_catalog(example_catalog_path: Path) -> None:
    data = yaml.safe_load(example_catalog_path.read_text(encoding="utf-8"))
    data["log_conventions"] = {"duplicate_message": "already processed"}
    saved = query_by_name(build_queries(catalog_from_data(data)), "events/duplicates-detected")
    assert '"already processed"' in saved.text and "Duplicate event" not in saved.text


def test_hop_sla_breaches_use_each_event_types_own_sla(alchemiser: Catalog) -> None:
    saved = query_by_name(build_queries(alchemiser), "latency/hop-sla-breaches")
    pairs = set()
    for node in walk(saved.query):
        if isinstance(node, Binary) and node.op == "and" and isinstance(node.left, In):
            of_type, over = node.left, node.right
            assert of_type.value == Field("event_type")
            assert isinstance(over, Binary) and over.op == ">"
            age = Field(alchemiser.log_conventions.event_age_field)
            assert over.left == age and isinstance(over.right, Number)
            pairs |= {(s.value, over.right.value) for s in of_type.items if isinstance(s, String)}
    assert pairs == {
        (e.name, e.hop_sla_s * 1000) for e in alchemiser.event_types if e.hop_sla_s is not None
    }


def test_past_sla_uses_the_workflow_sla(example_catalog_path: Path) -> None:
    data = yaml.safe_load(example_catalog_path.read_text(encoding="utf-8"))
    data["workflows"][0]["sla_s"] = 1234
    saved = query_by_name(build_queries(catalog_from_data(data)), "workflows/trading-past-sla")
    assert "duration_s > 1234" in saved.text


def test_dead_letter_query_uses_the_queues_max_receive_count(example_catalog_path: Path) -> None:
    data = yaml.safe_load(example_catalog_path.read_text(encoding="utf-8"))
    data["queues"][0]["max_receive_count"] = 7
    saved = query_by_name(build_queries(catalog_from_data(data)), "events/dead-lettered-execution")
    assert "filter failed_attempts >= 7" in saved.text
    assert saved.log_groups == ("/aws/lambda/alchemiser-dev-execution",)


def test_saved_query_text_is_rendered_from_the_model(alchemiser: Catalog) -> None:
    saved = build_queries(alchemiser)[0]
    assert isinstance(saved, SavedQuery)
    assert saved.text.splitlines()[0].startswith("fields ")
    assert all(line.startswith("| ") for line in saved.text.splitlines()[1:])


def _chain_catalog(services: int, events: int) -> dict[str, Any]:
    """A synthetic ring of ``services`` services passing ``events`` long-named event types on."""
    names = [f"SomethingQuiteSpecificHappenedEvent{i:04d}" for i in range(events)]
    share = [names[i * events // services : (i + 1) * events // services] for i in range(services)]
    return {
        "system": "big",
        "runbook_url": "https://example.org/runbook",
        "services": [
            {"name": f"svc-{i:03d}", "timeout_s": 30, "emits": share[i], "consumes": share[i - 1]}
            for i in range(services)
        ],
        "event_types": [{"name": n, "hop_sla_s": 10 + i % 3} for i, n in enumerate(names)],
        "buses": [
            {
                "name": "bus",
                "rules": [
                    {
                        "name": f"to-{i}",
                        "event_types": share[i - 1],
                        "targets": [{"service": f"svc-{i:03d}"}],
                    }
                    for i in range(services)
                ],
            }
        ],
        "topics": [{"name": "alerts", "purpose": "alerts"}],
        "notifications": {"alerts_topic": "alerts"},
    }


def test_hop_sla_queries_split_by_event_types_to_stay_under_10000_chars() -> None:
    catalog = catalog_from_data(_chain_catalog(300, 1000))
    queries = build_queries(catalog)
    sla = [q for q in queries if "/latency/hop-sla-breaches" in q.name]
    assert len(sla) > 1
    assert all(len(q.text) <= 10_000 for q in queries)
    covered: list[str] = []
    for saved in sla:
        assert "part" in saved.description and saved.description.endswith("?")
        if saved.name.endswith("-part-1-of-6"):
            covered += [n.value for n in walk(saved.query) if isinstance(n, String)]
    assert sorted(covered) == sorted(e.name for e in catalog.event_types)
    assert {len(q.log_groups) for q in sla} == {50}
