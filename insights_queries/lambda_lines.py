"""Fields Logs Insights discovers in the lines the Lambda runtime writes.

Per https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html
Lambda logs get ``@requestId`` and, on the ``REPORT`` line, ``@type``, ``@duration``,
``@billedDuration``, ``@memorySize``, ``@maxMemoryUsed`` and ``@initDuration`` (memory in bytes,
so the documented queries divide by 1000 twice to show MB). ``START``/``END`` lines carry
``@type`` and ``@requestId`` too. The runtimes' text format
(``2024-05-01T12:00:00.000Z<TAB>request-id<TAB>INFO<TAB>message``, or ``[INFO]<TAB>time<TAB>id``
for Python) gives ``@timestamp`` and ``@requestId``; a JSON object after that prefix is discovered
like a JSON line.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from insights_queries.timestamps import parse_timestamp

_PLATFORM = re.compile(r"(START|END|REPORT) RequestId: ([0-9A-Za-z-]+)")
_REPORT_FIELDS = {
    "Duration": ("@duration", float, 1),
    "Billed Duration": ("@billedDuration", int, 1),
    "Memory Size": ("@memorySize", int, 1_000_000),
    "Max Memory Used": ("@maxMemoryUsed", int, 1_000_000),
    "Init Duration": ("@initDuration", float, 1),
}
_REQUEST_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def platform_fields(line: str) -> dict[str, Any] | None:
    """The fields of a ``START``/``END``/``REPORT`` line, or ``None`` for any other line."""
    m = _PLATFORM.match(line)
    if m is None:
        return None
    fields: dict[str, Any] = {"@type": m.group(1), "@requestId": m.group(2)}
    if m.group(1) == "REPORT":
        for part in line[m.end() :].split("\t"):
            name, sep, raw = part.partition(":")
            spec = _REPORT_FIELDS.get(name.strip())
            if not sep or spec is None:
                if name.strip() == "XRAY TraceId":
                    fields["@xrayTraceId"] = raw.strip()
                continue
            key, kind, scale = spec
            number = raw.strip().split(" ")[0]
            try:
                fields[key] = kind(number) * scale
            except ValueError:
                continue
    return fields


def text_format_fields(line: str) -> tuple[dict[str, Any], str] | None:
    """``@timestamp``/``@requestId`` of a runtime text-format line, and the message after them."""
    if "\t" not in line:
        return None
    parts = line.split("\t")
    if len(parts) < 3:
        return None
    if parts[0].startswith("[") and parts[0].endswith("]") and len(parts) >= 4:
        stamp, request_id, rest = parts[1], parts[2], parts[3:]  # Python: [LEVEL] ts id msg
    else:
        stamp, request_id, rest = parts[0], parts[1], parts[2:]  # Node/others: ts id LEVEL msg
    if not _ISO.match(stamp) or not _REQUEST_ID.match(request_id):
        return None
    moment = parse_timestamp(stamp)
    if moment is None:
        return None
    fields: dict[str, Any] = {"@timestamp": moment, "@requestId": request_id}
    return fields, rest[-1] if rest else ""


def text_line_fields(text: str) -> dict[str, Any] | None:
    """The fields Logs Insights discovers in a line that is not a JSON object: a Lambda platform
    line (START / END / REPORT ...), or a runtime text-format line (time, request ID, level) with
    the fields of the JSON object it ends with (the line's own fields win). None for other text.

    The one reading of such lines that the local engine, the sandbox's Insights endpoint and
    ``obskit trace`` share, so the three find the same fields in the same line."""
    platform = platform_fields(text)
    if platform is not None:
        return platform
    runtime = text_format_fields(text)
    if runtime is None:
        return None
    fields, rest = runtime
    if rest.startswith("{"):
        try:
            embedded = orjson.loads(rest)
        except orjson.JSONDecodeError:
            embedded = None
        if isinstance(embedded, dict):
            embedded.update(fields)
            return embedded
    return dict(fields)
