"""The query library as CloudFormation (checked by cfn-lint), API calls and the markdown reference."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
import yaml
from botocore.validate import ParamValidator

from catalog import load_catalog
from insights_queries.library import SavedQuery, build_queries
from insights_queries.library_output import (
    cfn_resources,
    logical_id,
    put_query_definition_kwargs,
    render_markdown,
)

EXAMPLES = ("alchemiser", "orders")


def _queries(repo_root: Path, example: str) -> list[SavedQuery]:
    return build_queries(load_catalog(repo_root / "examples" / example / "catalog.yaml"))


@pytest.mark.parametrize("example", EXAMPLES)
def test_query_definitions_pass_cfn_lint(example: str, repo_root: Path, tmp_path: Path) -> None:
    resources = cfn_resources(_queries(repo_root, example))
    template = tmp_path / "queries.yaml"
    template.write_text(
        yaml.safe_dump(
            {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, sort_keys=False
        ),
        encoding="utf-8",
    )
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(cfn_lint), str(template)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_logical_ids_are_alphanumeric_unique_and_stable(repo_root: Path) -> None:
    queries = _queries(repo_root, "alchemiser")
    resources = cfn_resources(queries)
    assert list(resources) == [logical_id(q.name) for q in queries]
    assert all(re.fullmatch(r"[A-Za-z0-9]{1,255}", key) for key in resources)
    assert logical_id("alchemiser/errors/errors-by-service") == (
        "QueryAlchemiserErrorsErrorsByService"
    )
    assert cfn_resources(queries) == resources
    first = next(iter(resources.values()))["Properties"]
    assert first["Name"] == queries[0].name and first["QueryString"] == queries[0].text


def test_logical_id_collisions_get_a_hash(repo_root: Path) -> None:
    saved = _queries(repo_root, "alchemiser")[1]
    twin = type(saved)(
        saved.name.replace("recent-errors", "recent.errors"),
        saved.description,
        saved.log_groups,
        saved.query,
    )
    keys = list(cfn_resources([saved, twin]))
    assert keys[0] == logical_id(saved.name) and keys[1].startswith(keys[0]) and keys[0] != keys[1]


@pytest.mark.parametrize("example", EXAMPLES)
def test_put_query_definition_kwargs_match_the_api_model(example: str, repo_root: Path) -> None:
    model = botocore.session.get_session().get_service_model("logs")
    shape = model.operation_model("PutQueryDefinition").input_shape
    for saved in _queries(repo_root, example):
        kwargs = put_query_definition_kwargs(saved)
        report = ParamValidator().validate(kwargs, shape)
        assert not report.has_errors(), report.generate_report()
        assert kwargs["queryString"] == saved.text
        assert kwargs["queryLanguage"] in shape.members["queryLanguage"].enum
        group_pattern = shape.members["logGroupNames"].member.metadata["pattern"]
        assert all(re.fullmatch(group_pattern, g) for g in kwargs["logGroupNames"])
        assert [p["name"] for p in kwargs.get("parameters", [])] == list(saved.parameters)


def test_markdown_reference_lists_every_query(repo_root: Path) -> None:
    queries = _queries(repo_root, "alchemiser")
    text = render_markdown(queries)
    assert text == render_markdown(queries)
    for saved in queries:
        assert f"\n## {saved.name}\n\n{saved.description}\n" in text
        assert f"```\n{saved.text}\n```" in text
    assert "- `{{correlation_id}}`: " in text
    assert text.count("\n## ") == len(queries)
