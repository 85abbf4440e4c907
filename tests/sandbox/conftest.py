"""The sandbox fixtures for these tests (the lead may register the module project-wide)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.pytest_fixtures import sandbox, sandbox_catalog
from sandbox.session import SHARED_MODULES_ENV

__all__ = ["sandbox", "sandbox_catalog"]


@pytest.fixture(autouse=True)
def _shared_handler_modules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The example services still keep fan-in sets and idempotency keys in module memory, which
    Lambda does not share between execution environments: until they keep it in a shared store,
    these tests run them with one import shared by every environment. Tests of per-environment
    state pass ``isolate_modules=True`` themselves."""
    monkeypatch.setenv(SHARED_MODULES_ENV, "1")
    yield
