"""Several handlers in one process keep their own service name (issue 14).

``configure("svc")`` at import sets one process-wide name: with two handler modules imported in
one process (a local runner, a test), the last import named every line. A logger's own service
(``get_logger(__name__, service=...)``) survives that.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import logging_config

HANDLER_MODULE = """
import logging_config

logging_config.configure("{service}")  # the process-wide default: the last import wins it
log = logging_config.get_logger(__name__, service="{service}")


@logging_config.inject_lambda_context
def handler(event, context):
    with logging_config.event_context(event):
        log.info("handled", step="{service}")
        log.bind(extra=1).warning("bound logger keeps the service")
        try:
            raise ValueError("handled error")
        except ValueError:
            log.exception("with an exception: the general path")
        log.info("nested", payload={{"a": [1, 2]}})
"""


@pytest.fixture
def handler_modules(tmp_path: Path) -> Iterator[dict[str, ModuleType]]:
    """Two handler modules, each naming its own service, imported into this process."""
    modules: dict[str, ModuleType] = {}
    for service in ("portfolio", "execution"):
        name = f"obskit_test_handler_{service}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(HANDLER_MODULE.format(service=service)))
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        modules[service] = module
    yield modules
    for service in modules:
        sys.modules.pop(f"obskit_test_handler_{service}", None)


EVENT = {
    "detail-type": "RebalancePlanned",
    "source": "test",
    "id": "env-1",
    "detail": {"event_id": "e-1", "correlation_id": "wf-1", "event_type": "RebalancePlanned"},
}


def test_two_handler_modules_in_one_process_keep_their_own_service(
    capture_logs: Any, handler_modules: dict[str, ModuleType]
) -> None:
    assert logging_config.current_service() == "execution"  # the last import's configure won
    handler_modules["portfolio"].handler(EVENT, None)
    handler_modules["execution"].handler(EVENT, None)
    handler_modules["portfolio"].handler(EVENT, None)
    services = [line["service"] for line in capture_logs]
    assert services == ["portfolio"] * 4 + ["execution"] * 4 + ["portfolio"] * 4
    assert all(line["correlation_id"] == "wf-1" for line in capture_logs)
    assert capture_logs[0]["step"] == "portfolio"
    assert capture_logs[2]["exception_name"] == "ValueError"


def test_the_logger_key_is_left_out_when_it_repeats_the_loggers_own_service(
    capture_logs: Any,
) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("portfolio", service="portfolio").info("same")
        logging_config.get_logger("portfolio.plan", service="portfolio").info("differs")
    assert "logger" not in capture_logs[0]
    assert capture_logs[1]["logger"] == "portfolio.plan"
    assert capture_logs[1]["service"] == "portfolio"


def test_a_loggers_service_wins_over_the_environment_and_configure(capture_logs: Any) -> None:
    logging_config.configure("configured", env={"OBSKIT_SERVICE": "from-env"})
    with logging_config.start_workflow():
        logging_config.get_logger("x", service="own").info("own")
        logging_config.get_logger("x").info("default")
    assert [line["service"] for line in capture_logs] == ["own", "from-env"]


def test_a_logger_without_a_service_follows_configure_at_each_call(capture_logs: Any) -> None:
    log = logging_config.get_logger("x")
    with logging_config.start_workflow():
        logging_config.configure("first", env={})
        log.info("one")
        logging_config.configure("second", env={})
        log.info("two")
    assert [line["service"] for line in capture_logs] == ["first", "second"]


@pytest.mark.parametrize("bad", [42, "", b"svc"])
def test_a_bad_service_is_named(bad: Any) -> None:
    with pytest.raises(TypeError, match="get_logger: service must be a non-empty string"):
        logging_config.get_logger("x", service=bad)
