"""Logs Insights at the sandbox's endpoint: the CloudWatch Logs operations moto gets wrong or lacks,
answered in front of moto's WSGI application, in the same server process.

moto ignores ``filter`` and ``stats`` in a Logs Insights query and has no saved query definitions,
so a runbook's diagnosis (``obskit query``, ``obskit trace``, ``aws logs start-query``) could get
no real evidence from the sandbox. :func:`with_insights` wraps moto's application: a request whose
``X-Amz-Target`` is one of :data:`OPERATIONS` is answered here, by obskit's query engine over the
log events moto's logs backend holds (:mod:`sandbox.insights_runs`, :mod:`sandbox.log_records`) or
the definitions kept beside it (:mod:`sandbox.query_definitions`); every other request goes to
moto untouched.

CloudWatch Logs speaks the AWS JSON 1.1 protocol: ``POST /`` with ``X-Amz-Target:
Logs_20140328.<Operation>`` and a JSON body; errors are HTTP 400 with ``__type`` and ``message``
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html). The
caller's region is read from its SigV4 credential scope and its account as moto reads it
(``MOTO_ACCOUNT_ID``, the ``x-moto-account-id`` header, else the access key's account), so the
answers come from the same backend the rest of the API writes to.

``$OBSKIT_INSIGHTS_POLLS`` (default 0) sets how many GetQueryResults polls a query reports
Scheduled / Running before it ends (:mod:`sandbox.insights_runs`).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from sandbox import insights_runs, log_records, query_definitions
from sandbox.logs_api import InsightsState, LogsApiError, state_of

TARGET_PREFIX = "Logs_20140328."
POLLS_ENV = "OBSKIT_INSIGHTS_POLLS"
CONTENT_TYPE = "application/x-amz-json-1.1"
DEFAULT_REGION = "us-east-1"

WsgiApp = Callable[..., Iterable[bytes]]
Operation = Callable[["Caller", dict[str, Any]], dict[str, Any]]


class Caller:
    """Who asked: their account, region, moto's logs backend there, and its Insights state."""

    def __init__(self, environ: dict[str, Any], polls_to_finish: int) -> None:
        self.region = region_of(environ)
        self.account_id = account_of(environ)
        from moto.logs.models import logs_backends

        self.backend = logs_backends[self.account_id][self.region]
        self.state: InsightsState = state_of(self.backend)
        self.polls_to_finish = polls_to_finish


def region_of(environ: dict[str, Any]) -> str:
    """The region in the SigV4 credential scope (``Credential=KEY/DATE/REGION/logs/...``)."""
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    marker = "Credential="
    if marker in authorization:
        scope = authorization.split(marker, 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 3 and scope[2]:
            return scope[2]
    return DEFAULT_REGION


def account_of(environ: dict[str, Any]) -> str:
    """The account moto would answer for (its own order of precedence)."""
    if os.environ.get("MOTO_ACCOUNT_ID"):
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    from moto.iam.models import get_account_id_from

    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    key = (
        authorization.split("Credential=", 1)[1].split("/", 1)[0]
        if "Credential=" in authorization
        else ""
    )
    return str(get_account_id_from(key or "AKIAEXAMPLE"))


def _start_query(caller: Caller, params: dict[str, Any]) -> dict[str, Any]:
    return insights_runs.start_query(
        caller.state,
        params,
        caller.backend,
        caller.account_id,
        caller.region,
        caller.polls_to_finish,
    )


OPERATIONS: dict[str, Operation] = {
    "StartQuery": _start_query,
    "GetQueryResults": lambda caller, p: insights_runs.get_query_results(caller.state, p),
    "StopQuery": lambda caller, p: insights_runs.stop_query(caller.state, p),
    "DescribeQueries": lambda caller, p: insights_runs.describe_queries(caller.state, p),
    "GetLogRecord": lambda c, p: log_records.get_log_record(c.backend, c.account_id, p),
    "PutQueryDefinition": lambda c, p: query_definitions.put_query_definition(c.state, p),
    "DescribeQueryDefinitions": lambda c, p: query_definitions.describe_query_definitions(
        c.state, p
    ),
    "DeleteQueryDefinition": lambda c, p: query_definitions.delete_query_definition(c.state, p),
}
"""Operation name → how the sandbox answers it."""

_LOCK = threading.Lock()  # moto_server serves requests on threads; the state is shared


def with_insights(app: WsgiApp, polls_to_finish: int | None = None) -> WsgiApp:
    """``app`` (moto's WSGI application) with the operations of :data:`OPERATIONS` answered here."""
    polls = polls_from_env() if polls_to_finish is None else polls_to_finish

    def routed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        operation = None
        if environ.get("REQUEST_METHOD") == "POST" and target.startswith(TARGET_PREFIX):
            operation = OPERATIONS.get(target[len(TARGET_PREFIX) :])
        if operation is None:
            return app(environ, start_response)
        return _answer(start_response, *handle(operation, environ, polls))

    return routed


def polls_from_env() -> int:
    raw = os.environ.get(POLLS_ENV, "0").strip() or "0"
    if not raw.isdigit():
        raise ValueError(f"${POLLS_ENV} must be a whole number of polls, got {raw!r}")
    return int(raw)


def handle(operation: Operation, environ: dict[str, Any], polls: int) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of one request."""
    try:
        params = _body(environ)
        with _LOCK:
            return 200, operation(Caller(environ, polls), params)
    except LogsApiError as error:
        return 400, error.body()
    except Exception as error:  # a defect here must reach the caller as an answer, not a hang
        message = f"the sandbox could not answer: {type(error).__name__}: {error}"
        return 500, {"__type": "ServiceUnavailableException", "message": message}


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    if not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise LogsApiError(
            "SerializationException", f"the request body is not JSON: {error}"
        ) from None
    if not isinstance(parsed, dict):
        raise LogsApiError("SerializationException", "the request body must be a JSON object")
    return parsed


def _answer(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    payload = orjson.dumps(body)
    reason = {200: "200 OK", 400: "400 Bad Request"}.get(status, f"{status} Internal Server Error")
    headers = [
        ("Content-Type", CONTENT_TYPE),
        ("Content-Length", str(len(payload))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if status != 200:
        headers.append(("x-amzn-ErrorType", str(body.get("__type", ""))))
    start_response(reason, headers)
    return [payload]
