"""Decode only the fields a query reads: the reader for full scans such as ``stats ... by service``.

``orjson.loads`` builds a dict of every key of every line, and a full scan spends most of its time
doing that. :class:`ProjectedFiles` decodes each JSON line with a msgspec decoder typed to a struct
of just the fields the query names; the decoder still checks the whole line's syntax but builds
nothing for the other keys. It is used only when the answer cannot change (:func:`needed_fields`):

- the query names only plain top-level fields (no ``@message``/``@timestamp``/``@log``, no dotted
  path, no ``bin``/``earliest``/``latest``/``dedup`` that read ``@timestamp`` implicitly), and
  every result column is one of those fields or computed - so an event holding just those keys
  gives the engine exactly what the whole dict would;
- a block of lines goes through msgspec only if it is ASCII (msgspec does not check the UTF-8
  of what it skips; orjson rejects such a line); a value the query reads that orjson would read
  differently (an integer beyond int64, which orjson turns into a float past 2**64) fails the
  struct's type, and such lines, lines msgspec rejects and lines that are not JSON objects take
  the default path: malformed lines, Lambda platform lines and plain text read as before.

In the workers of a full-scan ``stats`` (:meth:`ProjectedFiles.runs`,
:meth:`ProjectedFiles.count_by_fields`) a block is not split into lines at all: the C reader
``insights_queries._scan`` walks it whole and returns a column per field of the lines it can
read exactly as msgspec and orjson would (one ASCII JSON object, no escape, plain values), and
the span of every other line, which is then read as above, in its place. Given the byte
prefilter's needles (:func:`scan_needles`), it reads only the lines that hold one, as the Python
search would pick them; the others are neither read nor counted.

One difference remains, documented: a number beyond a double's range (``1e400``) in a field the
query does not read. JSON allows it; orjson rejects the whole line (counted malformed, its fields
lost), the projection reads the line's other fields.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import Annotated, Any, NamedTuple

import msgspec
import orjson

from insights_queries.ast import Call, Dedup, Field, Query
from insights_queries.params import walk
from insights_queries.prefilter import Folded
from insights_queries.scanner import scan_lines
from insights_queries.sources import Event, LogFiles, _Events, default_log_name
from insights_queries.values import to_text

_FIRST_BYTE = itemgetter(0)
# the kinds of run of ProjectedFiles.runs
PLAIN, ROWS, EVENTS, COLUMNS = "plain", "rows", "events", "columns"
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")
_IMPLICIT_TIMESTAMP = frozenset({"bin", "earliest", "latest"})
# a value as orjson reads it: integers beyond int64 fail here (orjson makes those past 2**64 floats), so
# those lines are read by orjson
_INT64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
Value = _INT64 | float | str | bool | None | list[Any] | dict[str, Any]


def needed_fields(query: Query, columns: list[str]) -> list[str] | None:
    """The top-level fields ``query`` reads, or ``None`` if it needs whole events."""
    names: list[str] = []
    for command in query.commands:
        if isinstance(command, Dedup):
            return None
    for node in walk(query):
        if isinstance(node, Call) and node.name in _IMPLICIT_TIMESTAMP:
            return None
        if isinstance(node, Field):
            if not _PLAIN.match(node.name):
                return None
            if node.name not in names:
                names.append(node.name)
    if any(c.startswith("@") for c in columns):  # the default @timestamp, @message
        return None
    return names


class Projector:
    """A decoder of the ``names`` fields of a JSON object, and how to make its result an event."""

    def __init__(self, names: list[str]) -> None:
        internal = [f"f{i}" for i in range(len(names))]
        struct = msgspec.defstruct(
            "Projected",
            [(name, Value, None) for name in internal],
            rename=dict(zip(internal, names, strict=True)),
        )
        self.one: msgspec.json.Decoder[Any] = msgspec.json.Decoder(struct)
        self.event = _event_maker(names)


def _event_maker(names: list[str]) -> Callable[[Any], Event]:
    astuple = msgspec.structs.astuple
    if not names:
        return lambda _s: {}
    if len(names) == 1:
        (only,) = names
        return lambda s: {only: s.f0}
    if len(names) == 2:
        first, second = names
        return lambda s: {first: s.f0, second: s.f1}
    return lambda s: dict(zip(names, astuple(s), strict=True))


MAX_SCAN_NEEDLES = 32  # MAX_NEEDLES of _scan.c
# the kinds of value of a column, as the C scanner tells them (or-ed)
KIND_NONE, KIND_BOOL, KIND_INT, KIND_FLOAT, KIND_STR = 1, 2, 4, 8, 16


class Columns(NamedTuple):
    """Consecutive lines read by the C scanner: how many, one list of values per field, and the
    kinds of value in each list (``KIND_*`` or-ed; those of its whole block, a superset)."""

    rows: int
    values: list[list[Any]]
    kinds: list[int]


class _Scanned:
    """A block of whole lines as :func:`insights_queries._scan.scan_lines` read it, in parts:
    ``(data, lines, columns, bad, kinds)`` (``bad``: ``(row, start, end)`` of each line it
    left)."""

    __slots__ = ("parts",)

    def __init__(
        self, parts: list[tuple[bytes, int, list[list[Any]], list[Any], list[int]]]
    ) -> None:
        self.parts = parts


class ProjectedFiles(LogFiles):
    """:class:`LogFiles` whose JSON lines become events of just the ``fields`` a query reads."""

    _scanning = False  # while True, blocks are read by the C scanner (runs, count_by_fields)

    def __init__(self, *args: Any, fields: list[str], **kwargs: Any) -> None:
        super().__init__(*args, want_message=False, want_log=False, want_timestamp=False, **kwargs)
        self.fields = fields
        self._keys = tuple(name.encode() for name in fields)
        self.scan_needles = scan_needles(self.needles)

    def _split(self, carry: bytes, block: bytes, first_end: int, last_end: int) -> tuple[Any, int]:
        """While scanning, a block is not split into lines: the C scanner reads it whole (the
        carried start of its first line makes that line a part of its own)."""
        if not self._scanning:
            return super()._split(carry, block, first_end, last_end)
        parts = []
        count = 0
        start = 0
        if carry:
            first = carry + block[: first_end + 1]
            lines, columns, bad, kinds = scan_lines(first, 0, len(first), self._keys)
            parts.append((first, lines, columns, bad, kinds))
            count += lines
            start = first_end + 1
        if start <= last_end:
            lines, columns, bad, kinds = scan_lines(block, start, last_end + 1, self._keys)
            parts.append((block, lines, columns, bad, kinds))
            count += lines
        return _Scanned(parts), count

    def _scan_part(self, data: Any, start: int, end: int) -> _Scanned:
        """Whole lines ``data[start:end]`` (a mapped file's) read by the C scanner, counted; with
        needles, only the lines that hold one (:attr:`scan_needles`)."""
        lines, columns, bad, kinds = scan_lines(
            data, start, end, self._keys, self.scan_needles or ()
        )
        self.records_scanned += lines
        return _Scanned([(data, lines, columns, bad, kinds)])

    def _scanned_runs(self, block: _Scanned) -> Iterator[tuple[str, Any]]:
        """The runs of a scanned block: ``columns`` of the lines read, the lines the scanner
        left read as :meth:`runs` reads them (msgspec if the block is ASCII, else orjson)."""
        ascii_block = all(
            data[a:b].isascii()
            for data, _n, _columns, bad, _kinds in block.parts
            for _r, a, b in bad
        )
        for data, lines, columns, bad, kinds in block.parts:
            done = 0
            for row, a, b in bad:
                if row > done:
                    yield COLUMNS, Columns(row - done, [c[done:row] for c in columns], kinds)
                    done = row
                raw = data[a:b]
                if ascii_block:
                    yield from self.line_runs([raw])
                else:
                    events = list(self._fallback.events([raw]))
                    if events:
                        yield EVENTS, events
            rows = lines - len(bad)
            if rows > done:
                yield (
                    COLUMNS,
                    Columns(rows - done, [c[done:] for c in columns] if done else columns, kinds),
                )

    def __iter__(self) -> Iterator[Event]:
        self.records_scanned = self.bytes_scanned = self.malformed_lines = 0
        self.oversized_lines = 0
        self.notices = []
        projector = Projector(self.fields)
        decode_struct = projector.one.decode
        make = projector.event
        decode_error = msgspec.DecodeError
        loads = orjson.loads
        orjson_error = orjson.JSONDecodeError
        for path in self.paths:
            log = self.log_group or default_log_name(path)
            for lines in self._chunks(path, log):
                if isinstance(lines, _Events):
                    yield from lines.events
                    continue
                # msgspec does not check the UTF-8 of what it skips: ASCII blocks only
                fast = b"".join(lines).isascii()
                for raw in lines:
                    if not raw:
                        self.records_scanned -= 1  # an empty line is no record
                        continue
                    if raw[0] == 123:  # "{": a JSON line
                        if fast:
                            try:
                                yield make(decode_struct(raw))
                                continue
                            except decode_error:
                                pass
                        try:
                            parsed = loads(raw)
                        except orjson_error:
                            parsed = None
                        if parsed.__class__ is dict:
                            yield parsed
                            continue
                    yield self._raw_line(raw, log)

    def runs(self) -> Iterator[tuple[str, Any]]:
        """The lines in order, as runs of one kind: ``("columns", Columns)``, lines the C
        scanner read; ``("plain", lines)``, a block of ASCII lines that all start with ``{``
        for the caller to decode in one go (and to pass to :meth:`line_runs` if that fails);
        ``("rows", rows)`` of tuples of :attr:`fields` values; ``("events", events)`` of lines
        the struct cannot read, made events as in :meth:`__iter__`."""
        fallback = self._fallback = _FallbackEvents(self)
        self._scanning = True
        try:
            for lines in fallback.blocks():
                if isinstance(lines, _Scanned):
                    yield from self._scanned_runs(lines)
                elif not isinstance(lines, list) or not b"".join(lines).isascii():
                    yield EVENTS, list(fallback.events(lines))
                elif _all_objects(lines):
                    yield PLAIN, lines
                else:
                    yield from self.line_runs(lines)
        finally:
            self._scanning = False

    def line_runs(self, lines: list[bytes]) -> Iterator[tuple[str, list[Any]]]:
        """The ``rows`` and ``events`` runs of an ASCII block, read line by line."""
        decode_struct = self.projector.one.decode
        astuple = msgspec.structs.astuple
        decode_error = msgspec.DecodeError
        rows: list[Any] = []
        for raw in lines:
            if raw[:1] == b"{":
                try:
                    rows.append(astuple(decode_struct(raw)))
                    continue
                except decode_error:
                    pass
            events = list(self._fallback.events([raw]))
            if events:
                if rows:
                    yield ROWS, rows
                    rows = []
                yield EVENTS, events
        if rows:
            yield ROWS, rows

    @functools.cached_property
    def projector(self) -> Projector:
        """The decoder of :attr:`fields`."""
        return Projector(self.fields)

    def count_by_fields(self) -> dict[tuple[Any, ...], int]:
        """``stats count(*) by`` all of :attr:`fields` (in order), counted without events.

        The compiled plan of the commonest full scan: the C scanner's columns, zipped, *are*
        the group keys, counted by ``Counter`` in C; no dict or struct is built per line. Lines
        it leaves are read as :meth:`runs` reads them and keyed from their rows or events, in
        place, so the counts and the groups' first-seen order are as line by line.
        """
        counts: Counter[tuple[Any, ...]] = Counter()
        names = self.fields

        def count(key: tuple[Any, ...]) -> None:
            try:
                counts[key] += 1
            except TypeError:  # an object or list value: group by its text
                counts[tuple(_hashable(k) for k in key)] += 1

        for kind, items in self.runs():
            if kind == COLUMNS:
                if names:
                    counts.update(zip(*items.values, strict=True))
                else:
                    counts[()] += items.rows
            elif kind == PLAIN:
                for run in self.line_runs(items):
                    for key in run[1] if run[0] == ROWS else []:
                        count(key)
                    for event in run[1] if run[0] == EVENTS else []:
                        count(tuple([event.get(n) for n in names]))
            elif kind == ROWS:
                for key in items:
                    count(key)
            else:
                for event in items:
                    count(tuple([event.get(n) for n in names]))
        return dict(counts)


def scan_needles(needles: list[bytes] | None) -> tuple[bytes, ...] | None:
    """The reader's needles as the C scanner searches them (plain bytes, any of them in a line
    makes it a candidate), ``()`` for none, or ``None`` when the scanner cannot search them
    exactly as :func:`insights_queries.sources._candidate_lines` does (a case-folded needle).

    ``ESCAPE`` (a backslash followed by ``u`` or ``/``) means the same to the scanner.
    """
    if needles is None:
        return ()
    plain: list[bytes] = []
    for needle in needles:
        if isinstance(needle, Folded) or not needle:
            return None
        plain.append(bytes(needle))
    found = tuple(dict.fromkeys(plain))
    return found if len(found) <= MAX_SCAN_NEEDLES else None


class _FallbackEvents:
    """The blocks of a reader's files, and the events of lines read the default way."""

    def __init__(self, reader: ProjectedFiles) -> None:
        self.reader = reader
        self.log = ""

    def blocks(self) -> Iterator[list[bytes] | _Events]:
        reader = self.reader
        reader.records_scanned = reader.bytes_scanned = reader.malformed_lines = 0
        reader.oversized_lines = 0
        reader.notices = []
        for path in reader.paths:
            self.log = reader.log_group or default_log_name(path)
            yield from reader._chunks(path, self.log)

    def events(self, lines: list[bytes] | _Events) -> Iterator[Event]:
        if isinstance(lines, _Events):
            yield from lines.events
            return
        for raw in lines:
            if not raw:
                self.reader.records_scanned -= 1  # an empty line is no record
                continue
            if raw[0] == 123:
                try:
                    parsed = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    parsed = None
                if parsed.__class__ is dict:
                    yield parsed
                    continue
            yield self.reader._raw_line(raw, self.log)


def _hashable(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float) else to_text(value)


def _all_objects(lines: list[bytes]) -> bool:
    """Whether every line starts with ``{`` (msgspec would also read a line that starts with
    blanks, which the default path reads as plain text). An empty line fails ``itemgetter``."""
    try:
        firsts = bytes(map(_FIRST_BYTE, lines))
    except IndexError:
        return False
    return firsts.count(b"{") == len(firsts)
