"""The sandbox fixtures for the tools' end-to-end tests."""

from __future__ import annotations

from sandbox.pytest_fixtures import sandbox, sandbox_catalog

__all__ = ["sandbox", "sandbox_catalog"]
