"""DESIGN.md's layering: a lower layer never imports a higher one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "logging_config": 0,
    "catalog": 1,
    "insights_queries": 2,
    "dashboards": 3,
    "sandbox": 4,
    "runbooks": 5,
    "tools": 6,
}


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_no_upward_imports(package: str) -> None:
    own = LAYERS[package]
    offenders = []
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        for name in _imported_top_levels(path):
            if name in LAYERS and LAYERS[name] > own:
                offenders.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_layer_check_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from tools.cli import main\nimport dashboards.x\n", encoding="utf-8")
    assert _imported_top_levels(bad) == {"tools", "dashboards"}
