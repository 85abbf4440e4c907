"""Mutated example catalogs load or fail with ``CatalogError``: never another exception.

Both example catalogs are mutated two ways: as text (lines dropped, doubled, re-indented, bytes
of YAML syntax spliced in) and as data (one value anywhere replaced by something of the wrong kind,
a boundary number, a deep list, a boolean, a placeholder). Whatever comes out must be a ``Catalog``
or a ``CatalogError`` whose problems are one line each and name the file. Bounded: a few seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import Catalog, CatalogError, catalog_from_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TEXTS = {
    name: (EXAMPLES / name / "catalog.yaml").read_text(encoding="utf-8")
    for name in ("alchemiser", "orders")
}
DOCUMENTS = {name: yaml.safe_load(text) for name, text in TEXTS.items()}
_DUMPER: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _load(text: str) -> None:
    try:
        catalog = catalog_from_yaml(text, file="fuzz.yaml")
    except CatalogError as exc:
        assert exc.problems, "a CatalogError without a problem"
        for problem in exc.problems:
            line = str(problem)
            assert "\n" not in line and line.startswith("fuzz.yaml"), line
            assert problem.line is None or problem.line >= 1
        return
    assert isinstance(catalog, Catalog)


def test_both_examples_load_unchanged() -> None:
    for text in TEXTS.values():
        assert isinstance(catalog_from_yaml(text), Catalog)


_SYNTAX = st.text(alphabet=list("ab1 :-[]{},&*!|>#'\"\n\t?%@`\\") + ["\u00e9", "\x00"], max_size=12)


@st.composite
def _text_mutation(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "double", "indent", "dedent", "splice", "swap"]))
        if kind == "drop":
            del lines[i]
        elif kind == "double":
            lines.insert(i, lines[i])
        elif kind == "indent":
            lines[i] = "  " + lines[i]
        elif kind == "dedent":
            lines[i] = lines[i][2:] if lines[i].startswith("  ") else lines[i].lstrip()
        elif kind == "splice":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(_SYNTAX) + lines[i][at:]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            break
    return "".join(lines)


@pytest.mark.parametrize("example", sorted(TEXTS))
@FUZZ
@given(data=st.data())
def test_text_mutations_load_or_fail_cleanly(example: str, data: st.DataObject) -> None:
    _load(data.draw(_text_mutation(TEXTS[example])))


_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 1, 901, 86_401, 2**63, -(2**63), 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["{system}", "{nope}", "cron(75 9 ? * MON *)", "rate(0 days)", ""]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.integers(1, 60).map(lambda depth: _nested(depth)),
)


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*path, index))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replace(v, rest, new) if k == head else v for k, v in value.items()}
    return [_replace(v, rest, new) if i == head else v for i, v in enumerate(value)]


@pytest.mark.parametrize("example", sorted(TEXTS))
@FUZZ
@given(data=st.data())
def test_data_mutations_load_or_fail_cleanly(example: str, data: st.DataObject) -> None:
    document = DOCUMENTS[example]  # never changed: _replace builds a new document
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        document = _replace(document, path, data.draw(_ODD_VALUES))
    _load(yaml.dump(document, Dumper=_DUMPER, allow_unicode=True))
