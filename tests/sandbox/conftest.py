"""The sandbox fixtures for these tests."""

from __future__ import annotations

from sandbox.pytest_fixtures import sandbox, sandbox_catalog

__all__ = ["sandbox", "sandbox_catalog"]
