"""The template writer's YAML reads back as exactly the document it was given."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.yaml_writer import dump

TRICKY = [
    "yes", "No", "on", "null", "~", "true", "1.0", "0x1F", "2010-09-09", "12:30", "-", "- a",
    "a: b", "#x", "x #y", "", " lead", "trail ", "Fn::Sub", "AWS::CloudWatch::Alarm", "ends:",
    "${AWS::Region}", "line\nbreak", "tab\there", "quote\"s", "back\\slash", "é ü 中",
    "\u2028sep", "[list]", "{map}", "*ref", "&anchor", "!tag", "%pct", "@at", "`tick",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(TRICKY),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(TRICKY), st.text(min_size=1, max_size=12)), inner, max_size=4
        ),
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=12), documents, max_size=5))
def test_round_trip(document: dict[str, Any]) -> None:
    assert yaml.safe_load(dump(document)) == document


def test_same_document_same_bytes_keys_sorted() -> None:
    text = dump({"b": [1, {"z": "x", "a": True}], "a": {"Fn::Sub": "${AWS::Region}"}})
    assert text == ('a:\n  Fn::Sub: "${AWS::Region}"\nb:\n  - 1\n  - a: true\n    z: x\n')
