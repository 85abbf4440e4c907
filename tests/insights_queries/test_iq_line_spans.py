"""The C search for a selective query's lines (``_scan.line_spans``) against a plain reference.

``line_spans`` replaced the Python loop of ``sources._candidate_lines`` for case-sensitive
needles, so the reference here is independent of both: every place each needle occurs, and the
line each place starts in.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insights_queries.prefilter import ESCAPE, Folded
from insights_queries.scanner import line_spans
from insights_queries.sources import _candidate_lines


def _reference(data: bytes, needles: list[bytes], start: int, end: int) -> list[tuple[int, int]]:
    places: set[int] = set()
    for needle in needles:
        probe = b"\\" if needle == ESCAPE else needle
        pos = data.find(probe, start, end)
        while pos >= 0:
            if needle != ESCAPE or data[pos + 1 : pos + 2] in (b"u", b"/"):
                places.add(pos)
            pos = data.find(probe, pos + 1, end)
    starts = {data.rfind(b"\n", start, place) + 1 or start for place in places}
    spans = []
    for line_start in sorted(max(s, start) for s in starts):
        line_end = data.find(b"\n", line_start, end)
        spans.append((line_start, end if line_end < 0 else line_end))
    return sorted(set(spans))


# long lower-case needles take the memmem branch, short or upper-case ones the memchr branch
_NEEDLES = [b"ab", b"b", ESCAPE, b"\\/", b"a\nb", b"bab", b"abab-ba", b'"ERROR"', b"workflow-ab"]
_PARTS = [b"ab", b"a", b"b", b"\n", b"\\u", b"\\/", b"\\", b"{", b'"x"', b"ba", b"-", b'"ERROR"']
_PARTS += [b"workflow-", b"ERR"]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(_PARTS), max_size=60),
    needles=st.lists(st.sampled_from(_NEEDLES), min_size=1, max_size=3),
    start=st.integers(0, 5),
    cut=st.integers(0, 5),
)
def test_line_spans_are_the_lines_each_needle_starts_in(
    parts: list[bytes], needles: list[bytes], start: int, cut: int
) -> None:
    data = b"".join(parts)
    start = data.find(b"\n", 0, start) + 1 if b"\n" in data[:start] else 0
    # end is just after a newline or the end of the data, as the callers cut windows
    newlines = [i + 1 for i, byte in enumerate(data) if byte == 10 and i + 1 >= start]
    end = newlines[-1 - cut] if cut < len(newlines) else len(data)
    assert line_spans(data, start, end, tuple(needles)) == _reference(data, needles, start, end)
    assert _candidate_lines(data, needles, start, end) == _reference(data, needles, start, end)


def test_a_mapped_file_is_searched_in_place(tmp_path: Path) -> None:
    lines = [b'{"correlation_id":"workflow-%04d","level":"INFO"}' % (i % 7) for i in range(497)]
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"\n".join(lines))  # no newline after the last line
    with path.open("rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as m:
        spans = line_spans(m, 0, len(m), (b'"workflow-0006"',))
        assert [m[a:b] for a, b in spans] == [line for line in lines if b"0006" in line]
        assert spans[-1][1] == len(m)  # the last line ends at the end of the data


def test_folded_needles_keep_the_python_search() -> None:
    data = b'{"m":"Timeout"}\n{"m":"ok"}\n{"m":"TIMEOUT"}'
    assert _candidate_lines(data, [Folded(b"timeout")], 0, len(data)) == [(0, 15), (27, 42)]


def test_bad_arguments_are_told() -> None:
    with pytest.raises(ValueError, match="within data"):
        line_spans(b"abc", 0, 4, (b"a",))
    with pytest.raises(ValueError, match="within data"):
        line_spans(b"abc", 2, 1, (b"a",))
    with pytest.raises(TypeError, match="non-empty bytes"):
        line_spans(b"abc", 0, 3, (b"",))
    with pytest.raises(ValueError, match="at most 32"):
        line_spans(b"abc", 0, 3, tuple(b"x%d" % i for i in range(33)))
    assert line_spans(b"abc\n", 0, 4, ()) == []
