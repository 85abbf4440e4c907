"""Run a query on CloudWatch Logs Insights itself: StartQuery, then GetQueryResults until done.

This is the same query the local engine runs, sent to the distributed engine for logs that do
not fit on one machine. A query may name at most 50 log groups
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html); more
are queried 50 at a time and the rows put together (each part's ``stats`` are its own).
Results come back as lists of ``{"field", "value"}``; ``@ptr`` (a pointer for GetLogRecord) is
dropped. Statuses Failed, Cancelled and Timeout are errors
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetQueryResults.html).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from insights_queries.engine import Result, Statistics

MAX_LOG_GROUPS = 50
_AGE = re.compile(r"(\d+)\s*(s|m|h|d|w)\Z")
_AGE_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_FINISHED = {"Complete", "Failed", "Cancelled", "Timeout", "Unknown"}


class AwsQueryError(RuntimeError):
    """CloudWatch refused the query, or it did not complete."""


@dataclass(frozen=True)
class AwsTarget:
    """Where to send API calls: the ordinary credential chain, optionally a profile/endpoint."""

    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None

    def logs_client(self) -> Any:
        """A botocore ``logs`` client (the one boto3 would make: same credential chain, profile,
        region and endpoint), without importing boto3, whose s3transfer import alone costs a
        short ``obskit query`` run a tenth of its start-up."""
        import botocore.session
        from botocore.exceptions import BotoCoreError

        try:
            session = botocore.session.Session(profile=self.profile)
            if self.region:
                session.set_config_variable("region", self.region)
            return session.create_client("logs", endpoint_url=self.endpoint_url)
        except BotoCoreError as error:
            raise AwsQueryError(f"cannot create a CloudWatch Logs client: {error}") from None


def parse_time(text: str, now: float | None = None) -> int:
    """Epoch seconds of an ISO 8601 time, or of an age before now (``15m``, ``2h``, ``3d``)."""
    current = time.time() if now is None else now
    age = _AGE.match(text.strip())
    if age:
        return int(current - int(age.group(1)) * _AGE_SECONDS[age.group(2)])
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"cannot read the time {text!r}: give an ISO 8601 time or an age like 15m, 2h, 3d"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def run_on_cloudwatch(
    text: str,
    log_groups: Sequence[str],
    *,
    start: int,
    end: int | None = None,
    target: AwsTarget | None = None,
    timeout: float = 900.0,
    poll_seconds: float = 1.0,
    progress: Callable[[str], None] | None = None,
    client: Any = None,
) -> Result:
    """Run query ``text`` over ``log_groups`` between ``start`` and ``end`` (epoch seconds)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not log_groups:
        raise AwsQueryError("no log groups to query: name some with --log-group or a catalog")
    logs = client if client is not None else (target or AwsTarget()).logs_client()
    # endTime is whole seconds: round "now" up so an event of this very second is included
    finish = int(time.time()) + 1 if end is None else end
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    total = Statistics()
    batches = [
        log_groups[i : i + MAX_LOG_GROUPS] for i in range(0, len(log_groups), MAX_LOG_GROUPS)
    ]
    for number, batch in enumerate(batches, start=1):
        label = f"part {number}/{len(batches)}: " if len(batches) > 1 else ""
        try:
            started = logs.start_query(
                logGroupNames=list(batch), startTime=start, endTime=finish, queryString=text
            )
            response = _wait(logs, started["queryId"], timeout, poll_seconds, progress, label)
        except (ClientError, BotoCoreError) as error:
            raise AwsQueryError(f"CloudWatch Logs refused the query: {error}") from None
        for record in response.get("results", []):
            row: dict[str, Any] = {}
            for cell in record:
                name = cell.get("field")
                if name is None or name == "@ptr":
                    continue
                if name not in columns:
                    columns.append(name)
                row[name] = cell.get("value")
            rows.append(row)
        statistics = response.get("statistics", {})
        total.records_scanned += int(statistics.get("recordsScanned", 0))
        total.records_matched += int(statistics.get("recordsMatched", 0))
        total.bytes_scanned += int(statistics.get("bytesScanned", 0))
    return Result(columns, [{c: row.get(c) for c in columns} for row in rows], total)


def _wait(
    logs: Any,
    query_id: str,
    timeout: float,
    poll_seconds: float,
    progress: Callable[[str], None] | None,
    label: str,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response: dict[str, Any] = logs.get_query_results(queryId=query_id)
        status = response.get("status", "Unknown")
        statistics = response.get("statistics", {})
        if progress is not None:
            progress(
                f"{label}{status}: {int(statistics.get('recordsScanned', 0)):,} records scanned, "
                f"{int(statistics.get('recordsMatched', 0)):,} matched"
            )
        if status == "Complete":
            return response
        if status in _FINISHED:
            raise AwsQueryError(f"the CloudWatch query {query_id} ended with status {status}")
        if time.monotonic() > deadline:
            logs.stop_query(queryId=query_id)
            raise AwsQueryError(f"the CloudWatch query {query_id} did not finish in {timeout:g} s")
        time.sleep(poll_seconds)
