"""The YAML reader refuses documents whose shape would blow up every later walk of them.

A billion-laughs catalog (nested anchors, each alias expanding to nine of the level below) is a few
hundred bytes of text but billions of nodes once expanded; a list nested 10,000 deep exhausts the
recursion of the composer, the line map, the placeholder resolution and the models. Both must come
out as one ``CatalogError`` naming the limit and the line, without expanding anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import CatalogError, catalog_from_yaml, load_catalog
from catalog.yaml_source import MAX_DEPTH, MAX_NODES, read_yaml


def _laughs(levels: int) -> str:
    """``levels`` lines of nested anchors; the last expands to 9 ** levels scalars."""
    names = "abcdefghi"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        alias = f"*{names[level - 1]}"
        lines.append(f"{names[level]}: &{names[level]} [" + ",".join([alias] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_a_377_byte_billion_laughs_is_refused_at_the_line_that_crosses_the_limit(
    tmp_path: Path,
) -> None:
    text = "# nine levels of nine: 387,420,489\n" + _laughs(9)
    assert len(text.encode()) == 377
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    (problem,) = caught.value.problems
    # line 7, f: [*e, ...]: 74,740 nodes before it, each *e adds 66,430; the second crosses
    assert problem.line == 7
    assert str(problem) == (
        f"{path}:7: the document expands to more than the limit of 200,000 YAML nodes here "
        "(alias '*e' brings it to 207,600); nested anchors and aliases?"
    )


def test_an_expansion_just_over_the_limit_is_refused_without_building_it() -> None:
    # 9 ** 6 = 531,441 scalars: small enough that unbounded code builds it (and reports something
    # else), big enough to cross MAX_NODES.
    problems = read_yaml(_laughs(6), "c.yaml").problems
    assert [(p.line, str(MAX_NODES) in p.message.replace(",", "")) for p in problems] == [(6, True)]


def test_anchors_under_the_limit_still_load() -> None:
    text = """\
system: shop
runbook_url: https://example.org/runbook
services:
  - &api {name: api, timeout_s: 10, trigger: direct}
  - {<<: *api, name: admin}
topics: [{name: alerts, purpose: alerts}]
notifications: {alerts_topic: alerts}
"""
    catalog = catalog_from_yaml(text)
    assert [(s.name, s.timeout_s) for s in catalog.services] == [("api", 10), ("admin", 10)]


def test_a_recursive_alias_is_refused() -> None:
    problems = read_yaml("a: &loop\n  - *loop\n", "c.yaml").problems
    assert [str(p) for p in problems] == [
        "c.yaml:2: alias '*loop' refers to a node that contains it"
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("system: x\nservices: " + "[" * 10_000 + "]" * 10_000 + "\n", 2),
        ("system: x\nservices:\n" + "".join("  " * i + "- \n" for i in range(1, 200)), 52),
    ],
    ids=["flow list 10,000 deep", "block list 200 deep"],
)
def test_deep_nesting_is_refused_with_the_limit_and_line(text: str, line: int) -> None:
    with pytest.raises(CatalogError) as caught:
        catalog_from_yaml(text, file="deep.yaml")
    assert str(caught.value) == f"deep.yaml:{line}: nesting deeper than the limit of 50 levels"


def test_nesting_exactly_at_the_limit_is_read() -> None:
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert read_yaml(at_limit, "c.yaml").problems == []
    over = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert [p.line for p in read_yaml(over, "c.yaml").problems] == [1]


def test_a_syntax_error_in_a_deep_document_is_still_a_syntax_error() -> None:
    problems = read_yaml("a: [[[\n", "c.yaml").problems
    assert len(problems) == 1 and problems[0].message.startswith("YAML syntax error: ")


def test_a_character_yaml_forbids_is_a_one_line_error_with_its_line() -> None:
    problems = read_yaml("system: x\nregion: a\x00b\n", "c.yaml").problems
    assert [str(p) for p in problems] == [
        "c.yaml:2: YAML syntax error: character U+0000 is not allowed in YAML"
    ]


def test_a_lone_surrogate_is_refused_before_any_file_is_written() -> None:
    text = 'system: x\nrunbook_url: "https://example.org/\\ud800"\nservices: [{name: a}]\n'
    with pytest.raises(CatalogError) as caught:
        catalog_from_yaml(text, file="c.yaml")
    assert str(caught.value) == (
        "c.yaml:2: runbook_url: text contains '\\ud800', a lone surrogate that no file can hold "
        "as UTF-8"
    )
