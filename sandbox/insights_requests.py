"""What StartQuery accepts: the query text, the log groups and the time range, checked as the
CloudWatch Logs API reference documents them, each refusal a clear one-line error naming the
parameter (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html):

- the query must parse and plan on obskit's engine, else ``MalformedQueryException`` with a
  ``queryCompileError`` (what the engine does not support is refused there too, by name);
- exactly one of ``logGroupName``, ``logGroupNames``, ``logGroupIdentifiers`` (names, or ARNs
  ``arn:...:logs:REGION:ACCOUNT:log-group:NAME`` that may not end in ``*``), at most 50 groups,
  each existing (else ``ResourceNotFoundException``);
- ``startTime`` and ``endTime`` in epoch seconds, the end not before the start.
"""

from __future__ import annotations

import re
from typing import Any

from insights_queries import Query, QuerySyntaxError, parameters, parse
from insights_queries.engine import Plan
from insights_queries.evaluate import QueryError
from sandbox.logs_api import LogsApiError, invalid, not_found, required

MAX_LOG_GROUPS = 50


def compile_query(text_: str) -> Query:
    """The query model, or MalformedQueryException saying what is wrong and where."""
    try:
        model = parse(text_)
    except QuerySyntaxError as error:
        where = {"startCharOffset": error.offset, "endCharOffset": error.offset + 1}
        raise LogsApiError(
            "MalformedQueryException",
            f"{error} (in the sandbox, obskit's engine runs the query: "
            "what it does not support is refused)"
            if "unsupported" in error.message
            else str(error),
            queryCompileError={"location": where, "message": str(error)},
        ) from None
    unbound = parameters(model)
    if unbound:
        message = f"query parameter(s) without a value: {', '.join(unbound)}"
        raise LogsApiError("MalformedQueryException", message)
    try:
        Plan(model)
    except (QueryError, ValueError, re.error) as error:
        raise LogsApiError("MalformedQueryException", str(error)) from None
    return model


def resolve_groups(params: dict[str, Any], backend: Any, account_id: str, region: str) -> list[Any]:
    """moto's ``LogGroup`` objects the request names (names or ARNs), validated as AWS does."""
    given = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if k in params]
    if len(given) != 1:
        raise invalid(
            "a StartQuery operation must include exactly one of logGroupName, logGroupNames "
            f"or logGroupIdentifiers (got {', '.join(given) or 'none'})"
        )
    key = given[0]
    names = [params[key]] if key == "logGroupName" else list(params[key] or [])
    if not names:
        raise invalid(f"{key} must name at least one log group")
    if len(names) > MAX_LOG_GROUPS:
        raise invalid(f"{key} names {len(names)} log groups; a query may name at most 50")
    groups = []
    for name in names:
        group_name = _group_name(str(name), account_id, region) if key != "logGroupName" else name
        group = backend.groups.get(group_name)
        if group is None:
            raise not_found(f"Log group '{name}' does not exist for account ID '{account_id}'")
        groups.append(group)
    return groups


def _group_name(identifier: str, account_id: str, region: str) -> str:
    """A log group name from a name or an ``arn:...:logs:REGION:ACCOUNT:log-group:NAME`` ARN."""
    if not identifier.startswith("arn:"):
        return identifier
    if identifier.endswith("*"):
        raise invalid(f"logGroupIdentifiers: an ARN cannot end with an asterisk: {identifier}")
    parts = identifier.split(":", 6)
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group":
        raise invalid(f"logGroupIdentifiers: not a log group ARN: {identifier}")
    if parts[3] != region or parts[4] != account_id:
        raise not_found(f"Log group '{identifier}' is not in account {account_id}, {region}")
    return parts[6]


def epoch_seconds(params: dict[str, Any], name: str) -> int:
    value = required(params, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(f"{name} must be epoch seconds (a non-negative integer), got {value!r}")
    return value
