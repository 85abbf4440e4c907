"""docs/catalog.md agrees with the models: every key listed, the reference block current, and the
example catalog on the page loads cleanly."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml

from catalog import catalog_from_yaml, validate
from catalog.models import Catalog, StartKind, Workflow
from catalog.reference import BEGIN, END, catalog_models, main, render_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"


@pytest.fixture(scope="module")
def page() -> str:
    return DOC.read_text(encoding="utf-8")


def _section(page: str, model: str) -> str:
    match = re.search(rf"^### {model}\n(.*?)(?=^### |\Z|{re.escape(END)})", page, re.M | re.S)
    assert match is not None, f"docs/catalog.md has no section for {model}"
    return match.group(1)


@pytest.mark.parametrize("model", [m.__name__ for m in catalog_models(Catalog, [])])
def test_every_field_of_every_model_is_on_the_page(page: str, model: str) -> None:
    section = _section(page, model)
    fields = {m.__name__: m for m in catalog_models(Catalog, [])}[model].model_fields
    missing = [name for name in fields if f"| `{name}` |" not in section]
    assert missing == [], f"add {missing} to docs/catalog.md (python -m catalog.reference ...)"


def test_the_reference_block_is_what_the_models_render(page: str) -> None:
    block = page[page.index(BEGIN) : page.index(END) + len(END) + 1]
    assert block == render_reference(), (
        "docs/catalog.md is stale: python -m catalog.reference docs/catalog.md"
    )


def test_the_example_on_the_page_loads_without_a_problem(page: str) -> None:
    example, *_fragments = re.findall(r"```yaml\n(.*?)```", page, re.S)
    catalog = catalog_from_yaml(example, file="docs/catalog.md")
    assert validate(catalog) == []
    assert catalog.queue("shop-dev-work").consumer == "worker"


def test_the_rewriter_replaces_only_the_block(tmp_path: Path) -> None:
    target = tmp_path / "page.md"
    target.write_text(f"# Title\n\n{BEGIN}\nstale\n{END}\n\nAfter.\n", encoding="utf-8")
    assert main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == f"# Title\n\n{render_reference()}\nAfter.\n"
    target.write_text("no markers\n", encoding="utf-8")
    assert main([str(target)]) == 1
    assert main([]) == 2


def test_every_start_kind_on_the_page_is_a_valid_start(page: str) -> None:
    _example, fragment = re.findall(r"```yaml\n(.*?)```", page, re.S)
    workflows = yaml.safe_load(fragment)["workflows"]
    kinds = set()
    for workflow in workflows:
        start = Workflow.model_validate({**BASE_WORKFLOW, **workflow}).entry()
        assert start is not None, workflow["name"]
        kinds.add(start.kind)
    assert kinds == set(typing.get_args(StartKind))  # one example per kind


BASE_WORKFLOW = {"start_event": "A", "success_event": "B", "sla_s": 60}
