"""Message folding: one call site, whatever values it interpolates, is one template."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.logreport.templates import KEEP_UPPER, fold


@pytest.mark.parametrize(
    ("message", "template"),
    [
        ("Generated 2 signals from beefier_3x.clj", "Generated <n> signals from <file>"),
        (
            "Run 8b59db15-d24b-4e45-90e4-d4377028630c already finalized",
            "Run <uuid> already finalized",
        ),
        (
            "[workflow-2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a] Non-fractionable EDZ: quantity 0.288",
            "[workflow-<uuid>] Non-fractionable <sym>: quantity <n>",
        ),
        ("Received trade message: BUY EDZ", "Received trade message: BUY <sym>"),
        ("Market status: OPEN", "Market status: OPEN"),
        ("placed at 2025-12-17T20:39:51.123Z in 12.5ms", "placed at <ts> in <n>ms"),
        ("user 'bob smith' said \"hi there\"", "user '<str>' said \"<str>\""),
        ("don't retry", "don't retry"),
        ("commit deadbeef12 pushed, ptr 0x7ffe", "commit <hex> pushed, ptr <hex>"),
        ("dispatching_dsl_function", "dispatching_dsl_function"),
        ("execution_v2 step", "execution_v2 step"),
    ],
)
def test_fold(message: str, template: str) -> None:
    assert fold(message) == template


_words = st.sampled_from(["Fetched", "bars", "for", "order", "placed", "retry", "at", "in"])
_kinds = [
    st.integers(-(10**9), 10**9).map(str),
    st.floats(0, 1e6, allow_nan=False).map(lambda f: f"{f:.4f}"),
    st.uuids().map(str),
    st.from_regex(r"\A[A-Z]{2,5}\Z").filter(lambda s: s not in KEEP_UPPER),
    st.text(alphabet="abc xyz", max_size=12).map(lambda s: f"'{s}'"),
]


@given(
    st.lists(st.tuples(_words, st.integers(0, len(_kinds) - 1)), min_size=1, max_size=6), st.data()
)
def test_one_call_site_one_template(slots: list[tuple[str, int]], data: st.DataObject) -> None:
    """Two messages of one call site (same words, values of the same kinds) fold alike."""
    first = " ".join(f"{word} {data.draw(_kinds[kind])}" for word, kind in slots)
    second = " ".join(f"{word} {data.draw(_kinds[kind])}" for word, kind in slots)
    assert fold(first) == fold(second)
    assert fold(fold(first)) == fold(first)  # folding is idempotent
