"""Read log files as Logs Insights events, whatever shape they come in.

Formats are detected per file (plain or gzip, by its magic bytes):
- a JSON document: the output of ``aws logs filter-log-events`` / ``get-log-events``
  (``{"events": [...]}``), or a JSON array of events - CloudWatch-shaped ones
  (``timestamp``/``message``) or records of a capture like ``fixtures/alchemiser``
  (``_log_group``/``_timestamp_ms`` beside the record's own fields);
- lines: each one a JSON object, a Lambda platform line (START/END/REPORT), a Lambda runtime text
  line (tab-separated time and request id), or plain text (``@message`` only). One file may mix them,
  as Lambda's stdout does.

Every event gets ``@message`` and, where known, ``@timestamp``, ``@log``, ``@logStream`` and
``@ingestionTime``; JSON fields stay nested and are read by dotted path (``extra.correlation_id``),
as CloudWatch discovers them. ``@timestamp`` of a JSON line comes from its own ``timestamp``
field when a query asks for it. Lines that cannot be read are counted in ``malformed_lines`` and
still yield their text as ``@message``; the reader never stops on them.

Line files are read in large blocks. With ``needles`` (from :mod:`insights_queries.prefilter`),
lines that contain none of them are skipped before any decoding: a byte search over the block
finds the few candidate lines, which is what makes a selective filter nearly as fast as grep.
"""

from __future__ import annotations

import gzip
import io
import mmap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from insights_queries.lambda_lines import platform_fields, text_format_fields
from insights_queries.prefilter import ESCAPE
from insights_queries.timestamps import Millis, event_timestamp, parse_timestamp

Event = dict[str, Any]
BLOCK_SIZE = 8 * 1024 * 1024
WINDOW_SIZE = 64 * 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
CAPTURE_KEYS = ("_log_group", "_lambda_name", "_timestamp_ms", "_is_json")


class SourceError(ValueError):
    """A log file that cannot be read at all (missing, unreadable)."""


def open_binary(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read log file {path}: {exc.strerror or exc}") from None
    if raw.peek(2)[:2] == GZIP_MAGIC if isinstance(raw, io.BufferedReader) else False:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def default_log_name(path: Path) -> str:
    """``@log`` for a file that does not name its log group: the file name without extensions."""
    name = path.name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json", ".log", ".txt"):
        name = name.removesuffix(suffix)
    return name


class _Events:
    """Events already built (from a JSON document), passed along among lists of raw lines."""

    def __init__(self, events: Iterator[Event]) -> None:
        self.events = events


class LogFiles:
    """Events from several log files, counting what was scanned, skipped and malformed.

    Iterate it once (or again: counts restart). With needles, a plain file is searched through
    ``mmap`` and only candidate lines are read: ``records_scanned`` then counts those lines (the
    ones skipped unread are not counted; ``bytes_scanned`` still covers the whole file). ``want_message=False`` / ``want_log=False`` /
    ``want_timestamp=False`` leave ``@message`` / ``@log`` / ``@timestamp`` out of JSON-line
    events, for queries that never read them (setting them costs time on every line; the engine
    derives ``@timestamp`` itself when a query asks for it). ``needles``: when given, a line is read only if
    it contains at least one of these byte strings; the caller guarantees that a line without
    them cannot match (see :func:`insights_queries.prefilter.required_needles`).
    """

    def __init__(
        self,
        paths: Sequence[Path | str],
        *,
        needles: Sequence[bytes] | None = None,
        log_group: str | None = None,
        want_message: bool = True,
        want_log: bool = True,
        want_timestamp: bool = True,
    ) -> None:
        self.want_message = want_message
        self.want_log = want_log
        self.want_timestamp = want_timestamp
        self.paths = [Path(p) for p in paths]
        self.needles = list(needles) if needles else None
        self.log_group = log_group
        self.records_scanned = 0
        self.bytes_scanned = 0
        self.malformed_lines = 0
        missing = [str(p) for p in self.paths if not p.is_file()]
        if missing:
            raise SourceError(f"log file(s) not found: {', '.join(missing)}")

    def __iter__(self) -> Iterator[Event]:
        """Every event of every file, one at a time.

        One generator frame does the common case (a JSON object per line) inline, and each
        event is handed on as soon as it is decoded: nothing accumulates, so the garbage
        collector has no long-lived objects to walk and memory stays flat.
        """
        self.records_scanned = self.bytes_scanned = self.malformed_lines = 0
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        want_message = self.want_message
        want_log = self.want_log
        want_timestamp = self.want_timestamp
        for path in self.paths:
            log = self.log_group or default_log_name(path)
            for lines in self._chunks(path, log):
                if isinstance(lines, _Events):
                    yield from lines.events
                    continue
                for raw in lines:
                    if not raw:
                        self.records_scanned -= 1  # an empty line is no record
                        continue
                    if raw[0] == 123:  # "{": a JSON line, the common case
                        try:
                            parsed = loads(raw)
                        except decode_error:
                            parsed = None
                        if parsed.__class__ is dict:
                            if want_message:  # orjson accepted it: valid UTF-8
                                parsed["@message"] = raw.rstrip(b"\r").decode()
                            if want_log:
                                parsed["@log"] = log
                            if want_timestamp:
                                event_timestamp(parsed)
                            yield parsed
                            continue
                    yield self._raw_line(raw, log)

    def _chunks(self, path: Path, log: str) -> Iterator[list[bytes] | _Events]:
        """Lists of raw lines of a line file, or the events of a JSON document."""
        with open_binary(path) as stream:
            head = stream.read(BLOCK_SIZE)
            first = head.lstrip()[:1]
            if first == b"[" or (first == b"{" and _is_json_document(head)):
                data = head + stream.read()
                yield _Events(self._document(data, log, path))
            elif self.needles is not None and not isinstance(stream, gzip.GzipFile) and head:
                yield from self._mapped(stream)
            else:
                yield from self._lines(head, stream)

    def _mapped(self, stream: IO[bytes]) -> Iterator[list[bytes]]:
        """Candidate lines of a plain file, found by searching the mapped file for the needles.

        Nothing but the candidate lines is copied or decoded; the file is searched a window at
        a time so that memory stays flat however many lines match.
        """
        assert self.needles is not None
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            size = len(mapped)
            self.bytes_scanned += size
            start = 0
            page = mmap.PAGESIZE
            while start < size:
                end = mapped.find(b"\n", min(start + WINDOW_SIZE, size - 1)) + 1 or size
                spans = _candidate_lines(mapped, self.needles, start, end)
                self.records_scanned += len(spans)
                yield [mapped[a:b] for a, b in spans]
                # hand the window's pages back: the resident size stays one window, not the file
                first = start - start % page
                if hasattr(mapped, "madvise") and end - first >= page:
                    mapped.madvise(mmap.MADV_DONTNEED, first, (end - first) - (end - first) % page)
                start = end

    # ---------------------------------------------------------------- JSON documents

    def _document(self, data: bytes, log: str, path: Path) -> Iterator[Event]:
        self.bytes_scanned += len(data)
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise SourceError(f"{path} is not valid JSON: {exc}") from None
        if isinstance(document, dict) and isinstance(document.get("events"), list):
            items: list[Any] = document["events"]
        elif isinstance(document, list):
            items = document
        else:
            raise SourceError(
                f"{path}: a JSON document must be an array of events or have an 'events' list"
            )
        for item in items:
            self.records_scanned += 1
            if not isinstance(item, dict):
                self.malformed_lines += 1
                continue
            if "message" in item and "timestamp" in item and isinstance(item["message"], str):
                yield self._cloudwatch_event(item, log)
            else:
                yield self._capture_record(item, log)

    def _cloudwatch_event(self, item: dict[str, Any], log: str) -> Event:
        message: str = item["message"].rstrip("\n")
        event = self._line_event(message, message.encode(), log)
        stamp = parse_timestamp(item.get("timestamp"))
        if stamp is not None:
            event["@timestamp"] = stamp
        if item.get("ingestionTime") is not None:
            event["@ingestionTime"] = Millis(int(item["ingestionTime"]))
        if item.get("logStreamName"):
            event["@logStream"] = item["logStreamName"]
        if item.get("logGroupName"):
            event["@log"] = item["logGroupName"]
        return event

    def _capture_record(self, item: dict[str, Any], log: str) -> Event:
        fields = {k: v for k, v in item.items() if k not in CAPTURE_KEYS}
        event: Event = dict(fields)
        event["@message"] = orjson.dumps(fields).decode()
        event["@log"] = item.get("_log_group") or log
        stamp = parse_timestamp(item.get("_timestamp_ms"))
        if stamp is not None:
            event["@timestamp"] = stamp
            event["@ingestionTime"] = stamp
        return event

    # ---------------------------------------------------------------- line files

    def _lines(self, head: bytes, stream: IO[bytes]) -> Iterator[list[bytes]]:
        """The lines of a line file, a block at a time (the last line may lack its newline).

        A block is split once, its unfinished last line carried into the next: no copy of the
        block is made, and counting lines costs nothing beyond the split.
        """
        carry = b""
        block = head
        while block:
            self.bytes_scanned += len(block)
            if self.needles is None:
                lines = block.split(b"\n")
                lines[0] = carry + lines[0]
                carry = lines.pop()
                self.records_scanned += len(lines)
                yield lines
            else:
                data = carry + block
                cut = data.rfind(b"\n") + 1
                carry = data[cut:]
                yield self._candidates(data, cut)
            block = stream.read(BLOCK_SIZE)
        if carry:
            self.records_scanned += 1 if self.needles is None else 0
            yield [carry] if self.needles is None else self._candidates(carry + b"\n", None)

    def _candidates(self, data: bytes, end: int | None) -> list[bytes]:
        """The lines of ``data[:end]`` that hold a needle (all lines counted as scanned)."""
        stop = len(data) if end is None else end
        self.records_scanned += data.count(b"\n", 0, stop)
        spans = _candidate_lines(data, self.needles or [], 0, stop)
        return [data[a:b] for a, b in spans]

    def _raw_line(self, raw: bytes, log: str) -> Event:
        if raw[-1:] == b"\r":
            raw = raw[:-1]
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            self.malformed_lines += 1
            text = raw.decode(errors="replace")
        return self._line_event(text, raw, log)

    def _line_event(self, text: str, raw: bytes, log: str) -> Event:
        """The event of one log line (a JSON object, a Lambda line or plain text)."""
        if raw[:1] == b"{":
            try:
                parsed = orjson.loads(raw)
            except orjson.JSONDecodeError:
                self.malformed_lines += 1
                return {"@message": text, "@log": log}
            if isinstance(parsed, dict):
                parsed["@message"] = text
                parsed["@log"] = log
                return parsed
            self.malformed_lines += 1
            return {"@message": text, "@log": log}
        platform = platform_fields(text)
        if platform is not None:
            platform["@message"] = text
            platform["@log"] = log
            return platform
        runtime = text_format_fields(text)
        if runtime is not None:
            fields, rest = runtime
            if rest.startswith("{"):
                try:
                    embedded = orjson.loads(rest)
                except orjson.JSONDecodeError:
                    embedded = None
                if isinstance(embedded, dict):
                    embedded.update(fields)
                    fields = embedded
            fields["@message"] = text
            fields["@log"] = log
            return fields
        return {"@message": text, "@log": log}


def _is_json_document(head: bytes) -> bool:
    """True when a file starting with ``{`` is one JSON document rather than JSON lines."""
    first_line = head.split(b"\n", 1)[0]
    try:
        parsed = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        return True  # a pretty-printed document: its first line is not a whole object
    # one compact line holding CLI output ({"events": [...]}) and nothing else
    rest = head[len(first_line) :].strip()
    return isinstance(parsed, dict) and isinstance(parsed.get("events"), list) and not rest


def _candidate_lines(
    data: bytes | mmap.mmap, needles: Sequence[bytes], start: int, end: int
) -> list[tuple[int, int]]:
    """(start, end) of each line in ``data[start:end]`` holding a needle, in order.

    ``start`` is a line start and ``end`` just after a newline (or the end of the data). The
    needle ``ESCAPE`` stands for a backslash that starts a ``\\u`` or ``\\/`` JSON escape; it is
    found by searching for the single backslash byte, which is much faster than a two-byte search.
    """
    starts: set[int] = set()
    find = data.find
    rfind = data.rfind
    for needle in needles:
        probe = b"\\" if needle == ESCAPE else needle
        pos = find(probe, start, end)
        while pos >= 0:
            if needle == ESCAPE and data[pos + 1 : pos + 2] not in (b"u", b"/"):
                pos = find(probe, pos + 1, end)
                continue
            line_start = rfind(b"\n", start, pos) + 1 or start
            starts.add(max(line_start, start))
            line_end = find(b"\n", pos, end)
            if line_end < 0:
                break
            pos = find(probe, line_end + 1, end)
    spans = []
    for line_start in sorted(starts):
        line_end = find(b"\n", line_start, end)
        spans.append((line_start, end if line_end < 0 else line_end))
    return spans


def read_events(paths: Sequence[Path | str], *, log_group: str | None = None) -> Iterator[Event]:
    """All events of ``paths`` (convenience for callers that need no counts)."""
    yield from LogFiles(paths, log_group=log_group)
