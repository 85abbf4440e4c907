"""The example services and the catalog describe the same system: names, triggers, events, limits."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest
from services import SERVICE_MODULES, local_router, runtime

from catalog.loader import load_catalog
from catalog.models import Catalog


@pytest.fixture(scope="module")
def catalog(example_catalog_path: Path) -> Catalog:
    return load_catalog(example_catalog_path)


@pytest.fixture(scope="module")
def modules() -> dict[str, ModuleType]:
    return local_router.load_services()


def test_the_same_services(catalog: Catalog) -> None:
    assert sorted(s.name for s in catalog.services) == sorted(SERVICE_MODULES)


def test_each_catalog_handler_is_the_service_module_handler(
    catalog: Catalog, modules: dict[str, ModuleType]
) -> None:
    for service in catalog.services:
        assert service.handler, f"{service.name}: no handler in the catalog"
        module_name, _, attribute = service.handler.partition(":")
        module = importlib.import_module(module_name)
        assert getattr(module, attribute) is modules[service.name].handler, service.name


def test_triggers_events_and_timeouts_agree(
    catalog: Catalog, modules: dict[str, ModuleType]
) -> None:
    for service in catalog.services:
        module = modules[service.name]
        where = f"{service.name} (services.{SERVICE_MODULES[service.name]})"
        assert service.trigger == module.TRIGGER, where
        assert service.timeout_s == module.TIMEOUT_S, where
        assert sorted(module.CONSUMES) == sorted(service.consumes), where
        assert sorted(module.EMITS) == sorted(service.emits), where


def test_names_the_services_use_are_the_catalog_names(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    monkeypatch.delenv("STAGE", raising=False)
    assert [b.name for b in catalog.buses] == [runtime.bus_name()]
    assert runtime.notifications_topic() in [t.name for t in catalog.topics]
    for service in catalog.services:
        assert runtime.function_name(service.name) == service.function_name
    (execution,) = [s for s in catalog.services if s.trigger == "sqs"]
    router = local_router.LocalRouter()
    record = router.sqs_record(execution.name, {"detail": {"event_id": "e", "correlation_id": "c"}})
    assert record["eventSourceARN"].endswith(f":{execution.queue}")


def test_stage_changes_every_name(
    monkeypatch: pytest.MonkeyPatch, example_catalog_path: Path
) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.delenv("EVENT_BUS_NAME", raising=False)
    prod = load_catalog(example_catalog_path, stage="prod")
    assert [b.name for b in prod.buses] == [runtime.bus_name()]
    assert {runtime.function_name(s.name) for s in prod.services} == {
        s.function_name for s in prod.services
    }


def test_the_start_event_is_described_as_the_orchestrator_builds_it(catalog: Catalog) -> None:
    router = local_router.run_sample_workflow(["beam_chain"])
    (started,) = router.events_of("WorkflowStarted")
    assert started["causation_id"] == started["correlation_id"] != started["event_id"]
    text = catalog.event_type("WorkflowStarted").description
    assert "causation_id is the workflow's correlation id" in " ".join(text.split())
    assert "event_id is the correlation" not in text
