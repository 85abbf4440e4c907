"""Each logger test starts from known settings and leaves the process-wide ones as it found them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from logging_config import config, sink
from logging_config.stats import reset_stats


@pytest.fixture(autouse=True)
def _fresh_logging_settings() -> Iterator[None]:
    previous_stream = sink.get_stream()
    config.configure("test-service", env={})
    reset_stats()
    yield
    config.configure(None, env={})
    sink.set_stream(previous_stream)
