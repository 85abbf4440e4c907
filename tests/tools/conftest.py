"""The sandbox fixtures for the tools' end-to-end tests."""

from __future__ import annotations

import pytest

from sandbox.pytest_fixtures import sandbox, sandbox_catalog

__all__ = ["sandbox", "sandbox_catalog"]


@pytest.fixture(autouse=True)
def _own_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``obskit trace`` caches the compiled catalog in the user's cache directory: a test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
