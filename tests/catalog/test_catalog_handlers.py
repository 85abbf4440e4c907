"""Every service's ``handler`` must name a real function: checked by importing it."""

from __future__ import annotations

from pathlib import Path

from catalog import load_catalog
from catalog.handlers import check_handlers

CATALOG = """\
system: shop
runbook_url: https://example.org/runbook
services:
  - name: good
    trigger: direct
    handler: shop_handlers_for_test.good:handler
  - name: missing-function
    trigger: direct
    handler: shop_handlers_for_test.good:handle
  - name: not-callable
    trigger: direct
    handler: shop_handlers_for_test.good:TIMEOUT
  - name: missing-module
    trigger: direct
    handler: shop_handlers_for_test.gone:handler
topics:
  - name: alerts
    purpose: alerts
notifications:
  alerts_topic: alerts
"""


def test_the_alchemiser_handlers_exist(example_catalog_path: Path) -> None:
    catalog = load_catalog(example_catalog_path)
    assert all(s.handler for s in catalog.services)
    assert check_handlers(catalog) == []


def test_broken_handlers_are_reported_with_line_and_path(tmp_path: Path) -> None:
    package = tmp_path / "shop_handlers_for_test"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "good.py").write_text("TIMEOUT = 3\n\ndef handler(event, context):\n    return 1\n")
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    problems = [str(p) for p in check_handlers(load_catalog(path))]
    assert problems == [
        f"{path}:9: services[1].handler: module 'shop_handlers_for_test.good' has no 'handle'",
        f"{path}:12: services[2].handler: 'shop_handlers_for_test.good:TIMEOUT' is not callable",
        f"{path}:15: services[3].handler: cannot import 'shop_handlers_for_test.gone': "
        "ModuleNotFoundError: No module named 'shop_handlers_for_test.gone'",
    ]
