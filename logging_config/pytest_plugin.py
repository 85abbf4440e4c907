"""pytest plugin (entry point ``pytest11: obskit``): the ``capture_logs`` fixture.

``capture_logs`` routes every obskit line (native logger, structlog front, stdlib bridge, EMF
metrics) into a list of parsed JSON objects for the duration of one test (even if the code under test calls
``configure(stream=...)``), then restores the previous stream::

    import logging_config

    def test_order_is_logged(capture_logs):
        with logging_config.start_workflow("wf-1"):
            logging_config.get_logger("orders").info("placed", qty=3)
        assert capture_logs[-1]["qty"] == 3
        assert capture_logs.messages() == ["placed"]

A line that is not a JSON object fails the test (at teardown), naming the line. ``capture_logs.raw`` holds
the bytes as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from logging_config import sink


class CapturedLogs(list[dict[str, Any]]):
    """The parsed lines written so far (a list that grows as the code under test logs)."""

    mode = "wb"

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[bytes] = []
        self._pending = b""
        self.errors: list[str] = []

    def write(self, data: bytes | str) -> int:
        """The stream interface the sink writes to: split into lines and parse each."""
        chunk = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self._pending += chunk
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            self.raw.append(line)
            try:
                parsed = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                self.errors.append(f"not JSON ({error}): {line[:200]!r}")
                continue
            if not isinstance(parsed, dict):
                self.errors.append(f"not a JSON object: {line[:200]!r}")
                continue
            self.append(parsed)
        return len(chunk)

    def flush(self) -> None:
        """Nothing to flush: lines are parsed as they arrive."""

    def messages(self) -> list[Any]:
        """The ``message`` of every line, in order."""
        return [line.get("message") for line in self]

    def where(self, **expected: Any) -> list[dict[str, Any]]:
        """The lines whose keys have the given values."""
        return [line for line in self if all(line.get(k) == v for k, v in expected.items())]


@pytest.fixture
def capture_logs() -> Iterator[CapturedLogs]:
    """Every obskit line written during the test, parsed (see the module docstring)."""
    captured = CapturedLogs()
    previous = sink.capture(captured)
    try:
        yield captured
    finally:
        sink.capture(previous)
    if captured.errors:
        pytest.fail("obskit wrote invalid lines:\n" + "\n".join(captured.errors))
