"""The sandbox's Insights sees a message as the local engine's reader does (property test).

The library test compares whole query answers on a few workflows; this one compares the fields
of single messages of many shapes - JSON objects, Lambda START/END/REPORT lines, runtime text
lines, broken JSON, plain text - between :func:`sandbox.insights_events.message_fields` and
:class:`insights_queries.sources.LogFiles` reading the same message from CLI output.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from insights_queries.sources import LogFiles
from sandbox.insights_events import message_fields, pointer, read_pointer

SYSTEM = ("@timestamp", "@log", "@logStream", "@ingestionTime")
REQUEST = "8f5a1b2c-1111-2222-3333-444455556666"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=12))
objects = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.one_of(scalars, st.dictionaries(st.text(min_size=1, max_size=5), scalars, max_size=3)),
    max_size=5,
)
messages = st.one_of(
    objects.map(json.dumps),
    st.builds(
        lambda d, m: (
            f"REPORT RequestId: {REQUEST}\tDuration: {d:.2f} ms\tBilled Duration: "
            f"{int(d) + 1} ms\tMemory Size: 128 MB\tMax Memory Used: {m} MB"
        ),
        st.floats(0, 900_000, allow_nan=False),
        st.integers(1, 10_240),
    ),
    st.sampled_from([f"START RequestId: {REQUEST} Version: $LATEST", f"END RequestId: {REQUEST}"]),
    objects.map(lambda d: f"2026-01-01T00:00:00.000Z\t{REQUEST}\tINFO\t{json.dumps(d)}"),
    st.text(max_size=30).filter(lambda t: "\n" not in t and "\r" not in t),
    st.just('{"broken": '),
)


def _local(message: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.json"
        path.write_text(json.dumps({"events": [{"timestamp": 1000, "message": message}]}))
        (event,) = list(LogFiles([path]))
    return {k: v for k, v in event.items() if k not in SYSTEM}


@settings(max_examples=60, deadline=None)
@given(messages)
def test_a_message_has_the_same_fields_as_the_local_reader_gives_it(message: str) -> None:
    # the system fields come from the stored event on both sides (a text line's own time too)
    mine = {k: v for k, v in message_fields(message).items() if k not in SYSTEM}
    assert mine == _local(message)


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=20), st.text(max_size=20), st.integers(0, 10**9))
def test_pointers_read_back(group: str, stream: str, event_id: int) -> None:
    assert read_pointer(pointer(group, stream, event_id)) == (group, stream, event_id)
    assert read_pointer("***") is None
