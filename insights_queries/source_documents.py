"""Is a log file one JSON document or JSON lines, and is an array item a CloudWatch event?

Both questions are answered from the data alone, and a wrong answer loses data silently, so the
rules are conservative:

- A file is one JSON document when it starts with ``[`` followed by a JSON value (``[INFO]`` is
  the Python runtime's text format, not an array), or with ``{`` and its first line is not a
  whole object: ``{`` alone (pretty-printed, as the AWS CLI, ``jq`` and ``json.dumps(indent=)``
  write) or an unfinished ``{"events": ...``; or it is one compact line holding ``{"events":
  [...]}``. A first line that is broken any other way is a malformed JSON line: the next lines
  decide, so one bad line never makes a JSON-lines file unreadable. And a file taken for a
  document that does not parse is read as lines after all when a line after its first is a
  whole JSON object (``[`` alone, then JSON lines).
- An item of a bare array is a CloudWatch event only when it has a string ``message``, a
  ``timestamp`` and no key outside what ``FilterLogEvents`` / ``GetLogEvents`` return
  (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilteredLogEvent.html,
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_OutputLogEvent.html).
  obskit's own lines also have ``message`` and ``timestamp`` (``jq -s .`` of a log file), but
  with ``level``, ``service`` and more beside them: those are log records, read with all fields.
  Items of an ``{"events": [...]}`` document are the CLI's events whatever else they carry.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from insights_queries.source_files import SourceError

CLOUDWATCH_EVENT_KEYS = frozenset(
    {"timestamp", "message", "ingestionTime", "logStreamName", "eventId", "logGroupName"}
)
_JSON_VALUE_START = frozenset(b'{["-0123456789tfn]')
_EVENTS_OPENING = re.compile(rb'\{\s*"events"\s*:')
_BLANKS_TO_END = re.compile(rb"[ \t\n\r\x0b\x0c]*\Z")  # what bytes.strip() removes, to the end
_SAMPLE_LINES = 8  # lines of the head looked at to tell a broken first line from a document


def looks_like_document(head: bytes) -> bool:
    """True when a file whose first bytes are ``head`` (BOM removed) is one JSON document."""
    text = head.lstrip()
    first = text[:1]
    if first == b"[":
        after = text[1:].lstrip()[:1]
        return not after or after[0] in _JSON_VALUE_START
    if first == b"{":
        return _object_document(text)
    return False


def _object_document(text: bytes) -> bool:
    lines = _head_lines(text)
    first = lines[0].strip()
    try:
        parsed = orjson.loads(first)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        # one compact line holding CLI output ({"events": [...]}) and nothing else
        only_blanks_after = _BLANKS_TO_END.match(text, len(lines[0])) is not None
        return isinstance(parsed.get("events"), list) and only_blanks_after
    if _EVENTS_OPENING.match(first):
        return True  # CLI output, compact or not, whose first line does not close
    if first != b"{":
        return False  # a malformed JSON line (or one longer than the head): JSON lines
    # "{" alone opens a pretty-printed document, unless the lines after it are JSON objects
    complete = lines[1:-1] if len(lines) > 1 else []
    return not any(_is_object(line) for line in complete)


def _head_lines(text: bytes) -> list[bytes]:
    """The head's first lines as ``text.split(newline, _SAMPLE_LINES)`` gives them, but with the
    last item (the rest of the head, megabytes) left empty: nothing reads it, and copying it
    doubled a reader's peak memory."""
    lines: list[bytes] = []
    start = 0
    for _ in range(_SAMPLE_LINES):
        end = text.find(b"\n", start)
        if end < 0:
            break
        lines.append(text[start:end])
        start = end + 1
    lines.append(b"" if lines else text)
    return lines


def lines_after_first(data: bytes) -> bool:
    """Whether a file that failed to parse as a document is lines after all.

    Asked only when the document is invalid, so a valid document is never misread: the first line
    is a whole JSON value on its own and more follows (``[1, 2]`` then text), or some line after
    the first is a whole JSON object (a pretty-printed document's lines never are either).
    """
    first, _, rest = data.partition(b"\n")
    if rest.strip() and _is_json(first):
        return True
    lines = data.split(b"\n", _SAMPLE_LINES + 1)[1 : _SAMPLE_LINES + 1]
    return any(_is_object(line) for line in lines)


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(orjson.loads(line), dict)
    except orjson.JSONDecodeError:
        return False


def document_items(data: bytes, path: Path) -> tuple[list[Any], bool]:
    """The items of a JSON document, and whether they are CLI events (``{"events": [...]}``)."""
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"{path} is not valid JSON: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        return document["events"], True
    if isinstance(document, list):
        return document, False
    raise SourceError(
        f"{path}: a JSON document must be an array of events or have an 'events' list"
    )


def is_cloudwatch_event(item: dict[str, Any], cli_output: bool) -> bool:
    """Whether an item is a CloudWatch event (else a log record with its own fields)."""
    if not isinstance(item.get("message"), str) or "timestamp" not in item:
        return False
    return cli_output or item.keys() <= CLOUDWATCH_EVENT_KEYS
