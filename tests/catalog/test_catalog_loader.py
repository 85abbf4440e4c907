"""Loading the two example catalogs: placeholders, defaults, lookups and the did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog import (
    CatalogError,
    catalog_from_data,
    catalog_from_yaml,
    default_catalog_path,
    load_catalog,
    validate,
)


@pytest.fixture(scope="module")
def orders_catalog_path(repo_root: Path) -> Path:
    return repo_root / "examples" / "orders" / "catalog.yaml"


def test_default_path_is_the_alchemiser_example(
    example_catalog_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OBSKIT_CATALOG", raising=False)
    assert default_catalog_path() == example_catalog_path


def test_env_var_overrides_the_default(
    orders_catalog_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBSKIT_CATALOG", str(orders_catalog_path))
    assert load_catalog().system == "orders"


def test_alchemiser_example_loads_cleanly(example_catalog_path: Path) -> None:
    catalog = load_catalog(example_catalog_path)
    assert validate(catalog) == []
    raw = yaml.safe_load(example_catalog_path.read_text(encoding="utf-8"))
    assert [s.name for s in catalog.services] == [s["name"] for s in raw["services"]]
    assert catalog.log_groups() == [
        f"/aws/lambda/alchemiser-dev-{s['name']}" for s in raw["services"]
    ]
    assert catalog.bus("alchemiser-trading-events-dev").archive is True
    assert catalog.alerts_topic().name == "alchemiser-dev-alerts"


def test_alchemiser_shape_matches_the_design(example_catalog_path: Path) -> None:
    catalog = load_catalog(example_catalog_path)
    execution = catalog.service("execution")
    assert execution.trigger == "sqs"
    assert execution.reserved_concurrency == 1
    queue = catalog.queue("alchemiser-dev-execution.fifo")
    assert (queue.fifo, queue.visibility_timeout_s, queue.max_receive_count) == (True, 900, 3)
    assert queue.consumer == "execution"
    assert catalog.queue(queue.dlq or "").fifo is True
    failed = catalog.event_type("WorkflowFailed")
    assert failed.producers == ["portfolio", "trade-aggregator"]
    assert failed.consumers == ["notifications", "metrics"]
    assert [s.name for s in catalog.producers_of("WorkflowFailed")] == failed.producers
    assert [s.name for s in catalog.consumers_of("TradeExecuted")] == ["trade-aggregator"]
    workflow = catalog.workflow("trading")
    assert workflow.steps[0] == workflow.start_event and workflow.steps[-1] == "WorkflowCompleted"
    schedule = catalog.schedule(workflow.schedule or "")
    assert (schedule.expression, schedule.timezone) == (
        "cron(35 9 ? * MON-FRI *)",
        "America/New_York",
    )
    assert (
        catalog.service("strategy-orchestrator").handler == "services.strategy_orchestrator:handler"
    )


def test_stage_override_resolves_every_placeholder(example_catalog_path: Path) -> None:
    catalog = load_catalog(example_catalog_path, stage="prod")
    assert catalog.stage == "prod"
    dumped = catalog.model_dump_json()
    assert "{stage}" not in dumped and "{system}" not in dumped
    assert "alchemiser-dev" not in dumped
    assert catalog.service("portfolio").function_name == "alchemiser-prod-portfolio"
    assert "alchemiser-prod-execution-dlq.fifo" in [q.name for q in catalog.dlqs()]


def test_orders_example_is_a_different_shape(orders_catalog_path: Path) -> None:
    catalog = load_catalog(orders_catalog_path)
    assert validate(catalog) == []
    assert catalog.system == "orders" and catalog.stage == "staging"
    assert not any(q.fifo for q in catalog.queues)
    assert len(catalog.workflows) == 2
    worker = catalog.service("payment-worker")
    assert worker.function_name == "orders-payment-worker-staging"
    assert catalog.queue(worker.queue or "").consumer == "payment-worker"
    assert catalog.service("shipping").log_group == "/shop/staging/shipping"
    assert catalog.event_type("OrderPlaced").producer == "api"
    assert catalog.alerts_topic().name == "orders-staging-pager"


def test_did_you_mean_on_the_alchemiser_example(example_catalog_path: Path, tmp_path: Path) -> None:
    text = example_catalog_path.read_text(encoding="utf-8")
    assert text.count("consumes: [RebalancePlanned]") == 1
    broken = tmp_path / "catalog.yaml"
    broken.write_text(
        text.replace("consumes: [RebalancePlanned]", "consumes: [RebalancePlaned]"), "utf-8"
    )
    line = 1 + text.splitlines().index("    consumes: [RebalancePlanned]")
    index = [s["name"] for s in yaml.safe_load(text)["services"]].index("execution")
    with pytest.raises(CatalogError) as caught:
        load_catalog(broken)
    assert (
        f"{broken}:{line}: services[{index}].consumes[0]: unknown event type 'RebalancePlaned' "
        "(did you mean 'RebalancePlanned'?)"
    ) in str(caught.value).splitlines()


def test_lookup_of_an_unknown_name_suggests(example_catalog_path: Path) -> None:
    catalog = load_catalog(example_catalog_path)
    with pytest.raises(KeyError, match="unknown service 'portfolo' \\(did you mean 'portfolio'"):
        catalog.service("portfolo")


def test_same_file_loads_to_equal_catalogs(example_catalog_path: Path) -> None:
    assert load_catalog(example_catalog_path) == load_catalog(example_catalog_path)


def test_catalog_from_data_builds_without_a_file(example_catalog_path: Path) -> None:
    data = yaml.safe_load(example_catalog_path.read_text(encoding="utf-8"))
    catalog = catalog_from_data(data, stage="qa")
    assert catalog.source_file == "<catalog>"
    assert catalog.service("metrics").log_group == "/aws/lambda/alchemiser-qa-metrics"
    data["services"][0]["emits"] = ["WorkflowStartd"]
    with pytest.raises(CatalogError, match=r"^<catalog>: services\[0\]\.emits\[0\]: unknown"):
        catalog_from_data(data)


def test_catalog_from_yaml_text_equals_loading_the_file(example_catalog_path: Path) -> None:
    text = example_catalog_path.read_text(encoding="utf-8")
    from_text = catalog_from_yaml(text, file=str(example_catalog_path))
    assert from_text == load_catalog(example_catalog_path)
    with pytest.raises(CatalogError, match=r"(?m)^inline:2: services\[0\]\.timeout: unknown key"):
        catalog_from_yaml("system: x\nservices: [{name: a, timeout: 3}]\n", file="inline")
