"""pytest fixtures giving a test the sandbox: register with ``-p sandbox.pytest_fixtures``
(or ``pytest_plugins`` in the root conftest).

``sandbox`` needs the ``aws_endpoint`` fixture (a clean moto_server endpoint with fake
credentials, from the repository's root conftest); the catalog is ``sandbox_catalog`` — None,
the embedded example, unless a test module overrides that fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.session import Sandbox


@pytest.fixture
def sandbox_catalog() -> Path | None:
    """The catalog the ``sandbox`` fixture runs (override in a module to use another)."""
    return None


@pytest.fixture
def sandbox(aws_endpoint: str, sandbox_catalog: Path | None) -> Iterator[Sandbox]:
    """The catalog's system, up on a clean moto_server endpoint, seed 0; stopped after the test."""
    with Sandbox.start(sandbox_catalog, endpoint_url=aws_endpoint, seed=0) as box:
        yield box
