"""docs/logging.md cannot rot: its python blocks run, in order, and its sample lines match reality."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from logging_config import config, metrics, sink, stdlib_bridge
from logging_config.pytest_plugin import CapturedLogs

DOC = Path(__file__).resolve().parents[2] / "docs" / "logging.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(language: str) -> list[str]:
    return [
        body for lang, body in BLOCK.findall(DOC.read_text(encoding="utf-8")) if lang == language
    ]


@pytest.fixture
def clean_globals(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The doc configures the process; give every setting back afterwards."""
    for name in ("OBSKIT_SERVICE", "POWERTOOLS_SERVICE_NAME", "OBSKIT_LOG_LEVEL", "OBSKIT_STRICT"):
        monkeypatch.delenv(name, raising=False)
    previous = sink.get_stream()
    metrics.clear()
    yield
    metrics.clear()
    metrics.set_namespace(None)
    stdlib_bridge.uninstall()
    logging.getLogger().setLevel(logging.WARNING)
    structlog.reset_defaults()
    config.configure(env={})
    sink.set_stream(previous)


@pytest.fixture
def doc_lines(clean_globals: None, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Run every python block of the doc as one script; return the JSON lines it printed."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for number, block in enumerate(_blocks("python"), start=1):
        try:
            exec(compile(block, f"{DOC.name} python block {number}", "exec"), namespace)
        except Exception as error:  # name the block that broke
            raise AssertionError(
                f"docs/logging.md python block {number} failed: {error!r}"
            ) from error
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value):
                captured = CapturedLogs()
                sink.set_stream(captured)
                try:
                    value(captured)
                finally:
                    sink.set_stream(None)
                del namespace[name]
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_every_python_block_runs_and_writes_what_the_text_says(
    doc_lines: list[dict[str, Any]],
) -> None:
    messages = [line.get("message") for line in doc_lines]
    planning = doc_lines[messages.index("Planning rebalance")]
    assert planning["causation_id"] == "partial-4"
    assert planning["function_name"] == "alchemiser-dev-portfolio"
    assert messages.count("Duplicate event detected") == 1
    plan_errors = [
        line for line in doc_lines if line.get("level") == "ERROR" and "m-2" in json.dumps(line)
    ]
    assert [line["correlation_id"] for line in plan_errors] == ["workflow-2"] * 2  # FIFO, standard
    (fifo_skip,) = [line for line in doc_lines if "FIFO" in str(line.get("message"))]
    assert (fifo_skip["message_id"], fifo_skip["level"]) == ("m-3", "WARNING")
    structlog_line = doc_lines[messages.index("signal computed")]
    assert structlog_line["strategy"] == "nuclear_feaver"
    assert structlog_line["correlation_id"].startswith("workflow-")
    stdlib_line = doc_lines[messages.index("sent o-1")]
    assert stdlib_line["qty"] == 3
    login = doc_lines[messages.index("login")]
    assert login["password"] == "[REDACTED]"
    assert messages.index("loaded 3 rows") == messages.index("row 2 is invalid") - 1
    assert sum("_aws" in line for line in doc_lines) == 2


def test_the_sample_lines_have_the_real_keys(doc_lines: list[dict[str, Any]]) -> None:
    samples = [json.loads(" ".join(block.split("\n"))) for block in _blocks("json")]
    real_info = next(line for line in doc_lines if line.get("message") == "Planning rebalance")
    real_emf = next(line for line in doc_lines if "WorkflowDuration" in line)
    (info_sample,) = [s for s in samples if "_aws" not in s]
    (emf_sample,) = [s for s in samples if "_aws" in s]
    assert list(info_sample) == list(real_info)
    assert list(emf_sample) == list(real_emf)


def test_the_documented_variables_exist_in_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`((?:OBSKIT|POWERTOOLS)_[A-Z_]+)`", text))
    sources = "".join(
        p.read_text(encoding="utf-8") for p in (DOC.parents[1] / "logging_config").glob("*.py")
    )
    assert documented, "no variables documented?"
    assert sorted(v for v in documented if v not in sources) == []
