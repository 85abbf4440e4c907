"""docs/queries.md: its generated reference is current and its feature table names every function."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from insights_queries import AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS, QuerySyntaxError, parse
from insights_queries.docs import BEGIN, END, generated_reference, splice
from insights_queries.parser import COMMANDS, KNOWN_UNSUPPORTED_COMMANDS


@pytest.fixture(scope="module")
def doc(repo_root: Path) -> str:
    return (repo_root / "docs" / "queries.md").read_text(encoding="utf-8")


def test_generated_reference_is_current(doc: str, example_catalog_path: Path) -> None:
    expected = splice(doc, generated_reference(example_catalog_path))
    assert doc == expected, "docs/queries.md is stale: run `python -m insights_queries.docs`"


def test_reference_queries_in_the_doc_parse(doc: str) -> None:
    section = doc[doc.index(BEGIN) : doc.index(END)]
    blocks = re.findall(r"```\n(.*?)\n```", section, flags=re.S)
    assert blocks, "the generated reference shows no query text"
    for block in blocks:
        parse(block)


def test_feature_table_names_every_supported_command_and_function(doc: str) -> None:
    table = doc[doc.index("## What the local engine supports") : doc.index("### Fields every")]
    for name in sorted(set(COMMANDS) | AGGREGATE_FUNCTIONS | SCALAR_FUNCTIONS):
        assert f"`{name}" in table, f"{name} is supported but missing from the feature table"


def test_commands_the_table_calls_unsupported_are_refused(doc: str) -> None:
    for name in sorted(KNOWN_UNSUPPORTED_COMMANDS):
        with pytest.raises(QuerySyntaxError, match="unsupported command"):
            parse(f"fields a | {name} b")
        assert name.lower() in doc.lower()


def test_splice_requires_the_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        splice("# no markers", "x")
