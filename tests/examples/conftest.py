"""Fixtures for the example services: ``services`` importable, and a clean slate per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "alchemiser"
if str(EXAMPLE_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLE_DIR))


@pytest.fixture(autouse=True)
def clean_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No remembered events, no fault switches, no transport, real clock — before and after."""
    from services import faults, runtime, state

    from logging_config import config

    service_before = config.STATE.service  # importing a service names an unnamed process
    for name in list(os.environ):
        if name.startswith(faults.ENV_PREFIX):
            monkeypatch.delenv(name)
    state.reset_all()
    faults.clear_faults()
    yield
    state.reset_all()
    faults.clear_faults()
    faults.set_sleeper(None)
    runtime.set_transport(None)
    runtime.set_clock(None)
    config.STATE.service = service_before
