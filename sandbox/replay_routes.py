"""moto_server answers EventBridge's replay API through :mod:`sandbox.replay_api`.

A WSGI middleware in front of moto's application (installed by :func:`install`, one line in
``sandbox.moto_server.main``): requests whose ``X-Amz-Target`` is ``AWSEvents.StartReplay``,
``DescribeReplay``, ``ListReplays`` or ``CancelReplay`` are answered here, in EventBridge's JSON
shapes and errors (``{"__type": ..., "message": ...}``), so ``aws events start-replay`` and
``obskit replay archive`` against the sandbox get what AWS would answer. Everything else goes to
moto unchanged, and the request body is handed on intact.

One route of its own: ``POST /obskit-api/replay-clock`` with ``{"now": epoch seconds}`` sets the
sandbox's simulated time, runs the replay steps due by then and answers
``{"active", "next_due", "delivered": [{"bus", "rule", "queue", "body"}]}`` (what the replays
put on queues since the last call). moto's reset and the snapshot restore also put the clock
back to the wall clock, since the next sandbox brings its own.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from sandbox import archive_replay, replay_api, rule_delivery
from sandbox.rule_delivery import RULE_DELIVERY_PATH

CLOCK_PATH = "/obskit-api/replay-clock"
_RESETS = ("/moto-api/reset", "/obskit-api/restore")
_HANDLERS: dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]] = {
    "AWSEvents.StartReplay": replay_api.start_replay,
    "AWSEvents.DescribeReplay": replay_api.describe_replay,
    "AWSEvents.ListReplays": replay_api.list_replays,
    "AWSEvents.CancelReplay": replay_api.cancel_replay,
}
_SLOT_CLOCKS: dict[str, float | None] = {}
"""The replay clock when each named snapshot slot was saved (``/obskit-api/snapshot/NAME``)."""
_SNAPSHOT_PREFIX = "/obskit-api/snapshot/"
_RESTORE_PREFIX = "/obskit-api/restore/"


def _named_slot(path: str) -> tuple[bool, str] | None:
    """(saving?, slot) for a named snapshot or restore route, else None."""
    for prefix, saving in ((_SNAPSHOT_PREFIX, True), (_RESTORE_PREFIX, False)):
        if path.startswith(prefix) and len(path) > len(prefix):
            return saving, path[len(prefix) :]
    return None


_STATUS = {
    200: "200 OK",
    400: "400 Bad Request",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
}

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def install(server: Any) -> None:
    """Put :func:`replay_routes` outermost in front of the app ``moto.server`` serves: the
    ``run_simple`` moto calls gets the routed app (call before anything else wraps it)."""
    serve = server.run_simple

    def run_simple(host: str, port: int, app: App, **options: Any) -> None:
        serve(host, port, replay_routes(app), **options)

    setattr(server, "run_simple", run_simple)  # noqa: B010 (moto.server imported it by name)


def replay_routes(app: App) -> App:
    """``app`` with the replay API and the clock route answered in front of it."""

    def routed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == CLOCK_PATH:
            return _clock(environ, start_response)
        if path == RULE_DELIVERY_PATH:
            return _rule_delivery(environ, start_response)
        if path in _RESETS:
            archive_replay.set_clock(None)
            return app(environ, start_response)
        slot = _named_slot(path)
        if slot is not None:  # a moment of a drill: its replay clock is part of it
            saving, name = slot
            if saving:
                _SLOT_CLOCKS[name] = archive_replay.now_if_set()
            else:
                archive_replay.set_clock(_SLOT_CLOCKS.get(name))
            return app(environ, start_response)
        handler = _HANDLERS.get(environ.get("HTTP_X_AMZ_TARGET", ""))
        if handler is None:
            return app(environ, start_response)
        body = _read(environ)
        try:
            params = json.loads(body or b"{}")
            if not isinstance(params, dict):
                raise ValueError("not an object")
        except ValueError:
            return _json(start_response, 400, _error("SerializationException", "Malformed JSON"))
        account, region = _account(environ), _region(environ)
        try:
            return _json(start_response, 200, handler(account, region, params))
        except replay_api.ReplayApiError as error:
            return _json(start_response, error.status, _error(error.code, error.message))

    return routed


def _clock(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") != "POST":
        return _json(start_response, 405, {"message": f"POST {CLOCK_PATH}"})
    try:
        params = json.loads(_read(environ) or b"{}")
        moment = params.get("now")
        if moment is not None:
            archive_replay.set_clock(float(moment))
    except (ValueError, TypeError, AttributeError) as error:
        return _json(start_response, 400, {"message": f"{CLOCK_PATH}: bad body: {error}"})
    progress = archive_replay.advance_all(take=True)
    return _json(
        start_response,
        200,
        {
            "now": archive_replay.now(),
            "active": progress.active,
            "next_due": progress.next_due,
            "delivered": [vars(d) for d in progress.delivered],
        },
    )


def _rule_delivery(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Hold or resume one rule's delivery (:mod:`sandbox.rule_delivery`)."""
    if environ.get("REQUEST_METHOD") != "POST":
        return _json(start_response, 405, {"message": f"POST {RULE_DELIVERY_PATH}"})
    try:
        params = json.loads(_read(environ) or b"{}")
        return _json(start_response, 200, rule_delivery.mark(params))
    except Exception as error:  # a bad body or an unknown rule: say which, never a 500
        return _json(start_response, 400, {"message": f"{RULE_DELIVERY_PATH}: {error!r}"})


def _read(environ: dict[str, Any]) -> bytes:
    """The request body, put back so the app behind can read it too."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _account(environ: dict[str, Any]) -> str:
    """The account moto would use: $MOTO_ACCOUNT_ID, the x-moto-account-id header, else the one
    the access key belongs to (moto's default account for an unknown key)."""
    import os

    from moto.iam.models import get_account_id_from

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    credential = _credential(environ)
    return str(get_account_id_from(credential[0] if credential else "AKIAEXAMPLE"))


def _region(environ: dict[str, Any]) -> str:
    credential = _credential(environ)
    return credential[2] if credential and len(credential) > 2 else "us-east-1"


def _credential(environ: dict[str, Any]) -> list[str] | None:
    """``AKID/date/region/service/aws4_request`` from a SigV4 Authorization header."""
    header = str(environ.get("HTTP_AUTHORIZATION", ""))
    _, found, rest = header.partition("Credential=")
    if not found:
        return None
    return rest.split(",")[0].strip().split("/")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"__type": code, "message": message}


def _json(start_response: Callable[..., Any], status: int, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(body))),
    ]
    if "__type" in payload:
        headers.append(("x-amzn-ErrorType", str(payload["__type"])))
    start_response(_STATUS.get(status, f"{status} Error"), headers)
    return [body]
