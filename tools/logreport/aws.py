"""Read log lines from CloudWatch Logs with FilterLogEvents, as events the report counts.

FilterLogEvents (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html)
returns every event of a log group in a time window, a page at a time (``nextToken``); no filter
pattern is sent, because the report needs every line. Each event becomes what the file readers
produce: a JSON line's fields plus ``@message``, ``@log``, ``@logStream``, ``@timestamp``
(ms) and, for Lambda's START/END/REPORT and runtime text lines, ``@type``/``@requestId``.
A log group that does not exist is reported back, not fatal, unless none exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from insights_queries.lambda_lines import platform_fields, text_format_fields

Event = dict[str, Any]


class AwsReadError(RuntimeError):
    """CloudWatch refused a request, or none of the log groups exists."""


@dataclass
class CloudWatchLines:
    """Every event of ``groups`` between ``start_ms`` and ``end_ms`` (inclusive)."""

    client: Any
    groups: Sequence[str]
    start_ms: int
    end_ms: int
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    missing: list[str] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Event]:
        from botocore.exceptions import BotoCoreError, ClientError

        self.missing.clear()
        self.read.clear()
        for group in self.groups:
            try:
                yield from self._group(group)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code == "ResourceNotFoundException":
                    self.missing.append(group)
                    continue
                raise AwsReadError(f"FilterLogEvents on {group} failed: {error}") from None
            except BotoCoreError as error:
                raise AwsReadError(f"FilterLogEvents on {group} failed: {error}") from None
        if self.groups and len(self.missing) == len(self.groups):
            raise AwsReadError("none of the log groups exists: " + ", ".join(self.missing))

    def _group(self, group: str) -> Iterator[Event]:
        kwargs: dict[str, Any] = {
            "logGroupName": group,
            "startTime": self.start_ms,
            "endTime": self.end_ms,
        }
        count = 0
        while True:
            page = self.client.filter_log_events(**kwargs)
            for item in page.get("events", []):
                count += 1
                yield to_event(item, group)
            token = page.get("nextToken")
            if not token or token == kwargs.get("nextToken"):
                break
            kwargs["nextToken"] = token
            self.progress(f"{group}: {count} lines")
        self.read[group] = count


def to_event(item: dict[str, Any], group: str) -> Event:
    """One FilterLogEvents event as a reader event."""
    text = str(item.get("message", "")).rstrip("\n")
    event: Event = {}
    body = text
    runtime = text_format_fields(text) if not text.startswith("{") else None
    if runtime is not None:
        event.update(runtime[0])
        body = runtime[1]
    platform = platform_fields(text)
    if platform is not None:
        event.update(platform)
    elif body.startswith("{"):
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            event.update(parsed)
    event["@message"] = text
    event["@log"] = group
    if item.get("logStreamName"):
        event["@logStream"] = item["logStreamName"]
    if isinstance(item.get("timestamp"), int):
        event["@timestamp"] = item["timestamp"]
    return event
