"""Fixtures the dashboards tests share: the embedded example's catalog and its monitoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import Catalog, load_catalog
from dashboards.build import Monitoring, build_monitoring


@pytest.fixture(scope="module")
def alchemiser(example_catalog_path: Path) -> Catalog:
    return load_catalog(example_catalog_path)


@pytest.fixture(scope="module")
def monitoring(alchemiser: Catalog) -> Monitoring:
    return build_monitoring(alchemiser)
