"""Count log volume in one pass: by service, level and call site, per workflow, and repeats.

Memory grows with the number of distinct call sites, workflows and distinct lines (one integer
each), never with the number of lines, so a day of logs streams through.

Workflows are distinct correlation ids. An id is read from the line's fields (top level or
``extra.correlation_id``); a line without one is searched for ids in its text (tokens that end in
a UUID, such as ``workflow-<uuid>`` in ``[workflow-...] rejected`` or a ``session_id`` field,
and ``correlation_id=X``). A UUID-like token counts as the line's workflow only if the same id
is a correlation id elsewhere in the input, so an order id or a request id is never taken for a
workflow.

Repeated identical lines are counted on the text with timestamps removed: two lines that differ
only in when they were written say the same thing twice.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from insights_queries.timestamps import parse_timestamp
from tools.logreport.buffering import BufferModel, SiteKey
from tools.logreport.lines import ERROR_LEVELS, Line, ServiceNames, to_line
from tools.logreport.templates import fold

# A token ending in a UUID. It may start only where a token starts (the look-behind): without
# that, every position of a long run of word characters restarts the scan and one 200 KB line
# takes minutes.
_ID_IN_TEXT = re.compile(
    r"(?<![\w.:-])[\w.:-]*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_EXPLICIT_ID = re.compile(r"""correlation_id["']?\s*[:=]\s*["']?([^\s"',;}\]]+)""")
_STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?|\b1\d{12}\b"
)
REPEAT_SAMPLES = 10
TIME_FIELDS = ("timestamp", "time", "ts", "asctime")


@dataclass
class Tally:
    """Lines and bytes of one group."""

    lines: int = 0
    bytes: int = 0

    def add(self, size: int, count: int = 1) -> None:
        self.lines += count
        self.bytes += size


@dataclass
class Site(Tally):
    """One call site: its counts, an example message and its lines without a correlation id."""

    example: str = ""
    without_correlation: int = 0
    emf: bool = False  # the site writes EMF metric lines: the alarms read them, never advise cuts


@dataclass
class Volume:
    """Everything counted; the report derives shares, costs and advice from it."""

    total: Tally = field(default_factory=Tally)
    by_service: dict[str, Tally] = field(default_factory=dict)
    by_level: dict[str, Tally] = field(default_factory=dict)
    by_service_level: dict[tuple[str, str], Tally] = field(default_factory=dict)
    sites: dict[SiteKey, Site] = field(default_factory=dict)
    workflows: dict[str, Tally] = field(default_factory=dict)
    correlation_top: int = 0
    correlation_nested: int = 0
    correlation_text: int = 0
    without_correlation: Tally = field(default_factory=Tally)
    lambda_system: int = 0  # Lambda's own lines (START/END/REPORT...), which carry no id
    repeated: Tally = field(default_factory=Tally)
    repeat_samples: list[tuple[int, int, str]] = field(default_factory=list)
    first_ms: int | None = None
    last_ms: int | None = None
    gzip_bytes: int = 0
    buffer: BufferModel = field(default_factory=BufferModel)
    demoted: BufferModel = field(default_factory=BufferModel)

    @property
    def without_field(self) -> int:
        """Lines of the services that carry no correlation id field (maybe one in their text).

        Lambda's own lines are not the services' and are left out.
        """
        return (
            self.total.lines - self.correlation_top - self.correlation_nested - self.lambda_system
        )


def _bump(table: dict[Any, Tally], key: Any, size: int) -> None:
    tally = table.get(key)
    if tally is None:
        tally = table[key] = Tally()
    tally.add(size)


def _stamp(event: Mapping[str, Any]) -> int | None:
    """Epoch ms of the line: ``@timestamp`` from the reader, else the line's own ``timestamp``.

    Both go through ``parse_timestamp``, which refuses out-of-range values: a JSON line may
    carry ``"@timestamp": 1e300`` itself, and the JSON report cannot hold such a number.
    """
    for key in ("@timestamp", "timestamp"):
        parsed = parse_timestamp(event.get(key))
        if parsed is not None:
            return int(parsed)
    return None


class VolumeCounter:
    """Feed events with :meth:`add`; :meth:`finish` returns the :class:`Volume`."""

    def __init__(
        self,
        services: ServiceNames | None = None,
        *,
        buffer_bytes: int | None = None,
        sample_rate: float = 0.0,
    ) -> None:
        self.services = services or ServiceNames()
        self.volume = Volume()
        limit = buffer_bytes if buffer_bytes is not None else self.volume.buffer.limit
        below_error = frozenset({"DEBUG", "INFO", "WARNING"})
        self.volume.buffer = BufferModel(limit=limit, sample_rate=sample_rate)
        self.volume.demoted = BufferModel(
            limit=limit, sample_rate=sample_rate, held_levels=below_error
        )
        self._seen: dict[int, int] = {}
        self._samples: dict[int, tuple[int, str]] = {}
        self._pending: dict[tuple[str, ...], Tally] = {}
        self._pending_sites: dict[tuple[str, ...], dict[SiteKey, int]] = {}
        self._open: dict[object, str] = {}
        self._zip = zlib.compressobj(6)
        self._zipped = 0

    def add_all(self, events: Iterable[Mapping[str, Any]]) -> VolumeCounter:
        for event in events:
            self.add(event)
        return self

    def add(self, event: Mapping[str, Any]) -> None:
        line = self._in_invocation(to_line(event, self.services), event)
        volume = self.volume
        size = line.size
        site: SiteKey = (line.service, line.level, fold(line.message))
        volume.total.add(size)
        _bump(volume.by_service, line.service, size)
        _bump(volume.by_level, line.level, size)
        _bump(volume.by_service_level, (line.service, line.level), size)
        entry = volume.sites.get(site)
        if entry is None:
            entry = volume.sites[site] = Site(example=line.message[:300])
        entry.add(size)
        if line.emf:
            entry.emf = True
        stamp = _stamp(event)
        if stamp is not None:
            volume.first_ms = stamp if volume.first_ms is None else min(volume.first_ms, stamp)
            volume.last_ms = stamp if volume.last_ms is None else max(volume.last_ms, stamp)
        self._correlate(line, site, entry)
        self._repeat(line, event)
        self._zipped += len(self._zip.compress(line.text.encode() + b"\n"))
        if line.correlation_id is None and line.request_id is None:
            candidates = _ID_IN_TEXT.findall(line.text)
            if candidates:  # group the buffer model by the id in the text, as for a field
                line = _with_correlation(line, candidates[0])
        volume.buffer.add(line, site)
        volume.demoted.add(line, site)

    def _in_invocation(self, line: Line, event: Mapping[str, Any]) -> Line:
        """Give a line without a request id the one of the invocation open in its log stream.

        Lambda writes START before and END after an invocation's lines in one log stream, so
        lines of a logger that does not write the request id (structlog's defaults) still fall
        into the right invocation for the DEBUG-buffer model.
        """
        stream = next(
            (v for v in (event.get("@logStream"), event.get("@log")) if isinstance(v, str) and v),
            "",
        )  # a JSON line may carry any value under these names: only a string names a stream
        if line.platform == "START" and line.request_id is not None:
            self._open[stream] = line.request_id
        elif line.platform in ("END", "REPORT"):
            self._open.pop(stream, None)
        elif line.request_id is None and stream in self._open:
            return replace(line, request_id=self._open[stream])
        return line

    def _correlate(self, line: Line, site: SiteKey, entry: Site) -> None:
        volume = self.volume
        if line.correlation_id is not None:
            if line.nested:
                volume.correlation_nested += 1
            else:
                volume.correlation_top += 1
            _bump(volume.workflows, line.correlation_id, line.size)
            return
        if line.system:  # Lambda wrote it: no id is expected, none is missing
            volume.lambda_system += 1
            return
        entry.without_correlation += 1
        explicit = _EXPLICIT_ID.search(line.text)
        if explicit is not None:
            volume.correlation_text += 1
            _bump(volume.workflows, explicit.group(1), line.size)
            return
        candidates = tuple(dict.fromkeys(_ID_IN_TEXT.findall(line.text)))
        if not candidates:
            volume.without_correlation.add(line.size)
            return
        _bump(self._pending, candidates, line.size)
        sites = self._pending_sites.setdefault(candidates, {})
        sites[site] = sites.get(site, 0) + 1

    def _repeat(self, line: Line, event: Mapping[str, Any]) -> None:
        text = line.text
        if text[:1] == "{":  # a JSON line: drop its own time fields' values
            for name in TIME_FIELDS:
                value = event.get(name)
                if isinstance(value, str | int) and not isinstance(value, bool):
                    text = text.replace(str(value), "")
        else:  # a text line: its time sits in the prefix
            text = _STAMP.sub("", text[:48]) + text[48:]
        key = hash(text)
        count = self._seen.get(key, 0) + 1
        self._seen[key] = count
        if count > 1:
            self.volume.repeated.add(line.size)
            if count == 2:
                self._samples[key] = (line.size, line.text[:300])

    def finish(self) -> Volume:
        """Resolve ids found in text, close the buffer models and return the counts."""
        volume = self.volume
        known = volume.workflows
        for candidates, tally in sorted(self._pending.items()):
            match = next((c for c in candidates if c in known), None)
            if match is None:
                volume.without_correlation.add(tally.bytes, tally.lines)
                continue
            volume.correlation_text += tally.lines
            known[match].add(tally.bytes, tally.lines)
        volume.buffer.finish()
        volume.demoted.finish()
        volume.gzip_bytes = self._zipped + len(self._zip.flush())
        samples = [(self._seen[key], size, text) for key, (size, text) in self._samples.items()]
        samples.sort(key=lambda s: (-(s[0] - 1) * s[1], s[2]))
        volume.repeat_samples = samples[:REPEAT_SAMPLES]
        return volume


def _with_correlation(line: Line, correlation_id: str) -> Line:
    return replace(line, correlation_id=correlation_id, nested=False)


def count(
    events: Iterable[Mapping[str, Any]],
    services: ServiceNames | None = None,
    *,
    buffer_bytes: int | None = None,
    sample_rate: float = 0.0,
) -> Volume:
    """Count ``events`` in one pass (see :class:`VolumeCounter`)."""
    counter = VolumeCounter(services, buffer_bytes=buffer_bytes, sample_rate=sample_rate)
    return counter.add_all(events).finish()


__all__ = ["ERROR_LEVELS", "Site", "Tally", "Volume", "VolumeCounter", "count"]
