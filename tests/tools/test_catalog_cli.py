"""``obskit catalog check`` and ``obskit catalog schema`` through the real command group."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from tools.cli import cli


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_default_catalog_passes_with_a_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBSKIT_CATALOG", raising=False)
    code, out, err = _run("catalog", "check")
    assert code == 0, err
    assert "OK (alchemiser, stage dev): 8 services, 8 event types" in out
    assert out.rstrip().endswith("0 warnings")


def test_check_with_stage_and_other_catalog(repo_root: Path) -> None:
    path = repo_root / "examples" / "orders" / "catalog.yaml"
    code, out, _ = _run("catalog", "check", "--catalog", str(path), "--stage", "prod")
    assert code == 0
    assert "OK (orders, stage prod): 6 services" in out


def test_check_broken_catalog_exits_1_and_names_file_line_path(
    example_catalog_path: Path, tmp_path: Path
) -> None:
    text = example_catalog_path.read_text(encoding="utf-8")
    broken = tmp_path / "catalog.yaml"
    broken.write_text(text.replace("timeout_s: 120", "timeout_s: 1000", 1), "utf-8")
    line = 1 + text.splitlines().index("    timeout_s: 120")
    code, out, err = _run("catalog", "check", "--catalog", str(broken))
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"{broken}:{line}: services[3].timeout_s: Input should be less")
    assert lines[-1] == f"{broken}: 1 error, 0 warnings"


def test_check_prints_warnings_but_passes(example_catalog_path: Path, tmp_path: Path) -> None:
    text = example_catalog_path.read_text(encoding="utf-8")
    assert text.count("visibility_timeout_s: 900") == 1
    path = tmp_path / "catalog.yaml"
    path.write_text(text.replace("visibility_timeout_s: 900", "visibility_timeout_s: 300"), "utf-8")
    code, out, _ = _run("catalog", "check", "--catalog", str(path))
    assert code == 0
    assert "warning: visibility timeout 300 s is below 6 × consumer 'execution'" in out
    assert out.rstrip().endswith("1 warning")


def test_schema_is_deterministic_and_validates_both_examples(repo_root: Path) -> None:
    code, first, _ = _run("catalog", "schema")
    assert code == 0
    assert _run("catalog", "schema")[1] == first
    schema = json.loads(first)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for example in ("alchemiser", "orders"):
        data = yaml.safe_load((repo_root / "examples" / example / "catalog.yaml").read_text())
        assert list(validator.iter_errors(data)) == [], example
    assert list(validator.iter_errors({"system": "x", "servces": []}))  # typo and missing keys


def test_help_explains_the_exit_code() -> None:
    code, out, _ = _run("catalog", "check", "--help")
    assert code == 0
    assert "Exits 1 when there is at least one error" in out
    assert "--stage" in out and "--catalog" in out


def test_catalog_appears_in_obskit_help() -> None:
    code, out, _ = _run("--help")
    assert code == 0
    assert re.search(r"^\s+catalog\s", out, re.MULTILINE)


def test_yaml_syntax_error_exits_1_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("system: shop\nservices: [\n", encoding="utf-8")
    code, _, err = _run("catalog", "check", "--catalog", str(path))
    assert code == 1
    assert err.splitlines()[0].startswith(f"{path}:3: YAML syntax error: ")


def test_check_handlers_fails_on_a_handler_that_does_not_exist(tmp_path: Path) -> None:
    (tmp_path / "cli_handlers_for_test.py").write_text("def handler(e, c):\n    return e\n")
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "system: shop\nrunbook_url: https://example.org/r\nservices:\n"
        "  - {name: a, trigger: direct, handler: 'cli_handlers_for_test:handler'}\n"
        "  - {name: b, trigger: direct, handler: 'cli_handlers_for_test:handle'}\n"
        "topics: [{name: alerts, purpose: alerts}]\nnotifications: {alerts_topic: alerts}\n",
        encoding="utf-8",
    )
    assert _run("catalog", "check", "--catalog", str(path))[0] == 0
    code, _, err = _run("catalog", "check", "--catalog", str(path), "--handlers")
    assert code == 1
    assert err.splitlines() == [
        f"{path}:5: services[1].handler: module 'cli_handlers_for_test' has no 'handle'",
        f"{path}: 1 error, 0 warnings",
    ]


def test_committed_schema_file_is_up_to_date() -> None:
    from catalog.schema import SCHEMA_FILE

    assert SCHEMA_FILE.read_text(encoding="utf-8") == _run("catalog", "schema")[1], (
        "regenerate it: obskit catalog schema > catalog/catalog.schema.json"
    )
