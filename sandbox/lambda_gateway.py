"""The endpoint a drill's commands talk to: moto_server, plus Lambda's asynchronous Invoke.

moto cannot run a function without Docker: an ``Invoke`` with ``InvocationType=Event`` returns
202 and the payload is gone. In the sandbox a function that is not fed by SQS reads its events
from a *delivery queue* standing in for Lambda's internal async-invoke queue (see
:mod:`sandbox.resources`), where the sandbox's handlers pick them up with Lambda's retry
semantics. So an operator command that re-invokes a function (``obskit dlq replay --lambda F``,
``aws lambda invoke --invocation-type Event``) must land there to mean anything.

:class:`LambdaGateway` is a small HTTP server on loopback in front of moto_server. Every request
is forwarded unchanged, except ``POST /2015-03-31/functions/<name>/invocations`` with the header
``X-Amz-Invocation-Type: Event`` for a function that has a delivery queue: its body (the payload)
becomes one SQS message on that queue and the caller gets Lambda's answer, 202 with a request ID.
Synchronous invokes, functions without a delivery queue and Invokes for another region (the
request's SigV4 credential scope, or the region of a function ARN) go to moto as they are: a
function exists in one region, and Lambda in another answers ResourceNotFoundException.
``GET /2016-08-19/account-settings/`` (GetAccountSettings, which moto lacks) is answered here
from the functions in moto (:mod:`sandbox.lambda_account`).

A drill runs the gateway in a thread of its own process. ``obskit sandbox up`` runs it as a
process of its own beside moto_server (:func:`spawn`, ``python -m sandbox.lambda_gateway``),
so an operator following a runbook by hand against the sandbox gets the same endpoint.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote, urlsplit

from sandbox.lambda_account import ACCOUNT_SETTINGS_PATH, account_settings
from sandbox.lambda_function_view import GET_FUNCTION_PATH, with_concurrency

__all__ = ["LambdaGateway", "spawn"]

_INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/?]+)/invocations(?:\?.*)?$")
_SIGNING_REGION = re.compile(r"Credential=[^/,]+/\d{8}/(?P<region>[^/,]+)/")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
SendToQueue = Callable[[str, str], None]
"""``send(queue_url, body)``: put one message on a queue (SQS SendMessage)."""


def function_of(path_name: str) -> str:
    """A function's name from the Invoke path, which may carry its name, ARN or partial ARN."""
    name = unquote(path_name)
    if ":function:" in name:
        name = name.split(":function:", 1)[1]
    elif name.startswith("function:"):
        name = name[len("function:") :]
    return name.split(":", 1)[0]  # drop a version or alias qualifier


def regions_of(path_name: str, authorization: str | None) -> set[str]:
    """The regions an Invoke names: its SigV4 credential scope's, and a function ARN's."""
    found: set[str] = set()
    match = _SIGNING_REGION.search(authorization or "")
    if match is not None:
        found.add(match.group("region"))
    name = unquote(path_name)
    if name.startswith("arn:"):
        parts = name.split(":")
        if len(parts) > 3 and parts[3]:
            found.add(parts[3])
    return found


class LambdaGateway:
    """Forward to ``upstream``; turn asynchronous Invokes into messages on delivery queues.

    ``queues``: function name → URL of its delivery queue. ``send``: how a message is sent.
    """

    def __init__(
        self,
        upstream: str,
        queues: Mapping[str, str],
        send: SendToQueue,
        *,
        port: int = 0,
        region: str | None = None,
    ) -> None:
        """``port``: where to listen on loopback (0: any free port); ``region``: the delivery
        queues' functions' region (None: any region's Invoke is delivered)."""
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"gateway upstream must be http://host:port, got {upstream!r}")
        self._upstream = (parts.hostname, parts.port)
        self._queues = dict(queues)
        self._send = send
        self._port = port
        self._region = region
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.invoked: list[tuple[str, str]] = []
        """(function, payload) of every asynchronous Invoke delivered, in order."""

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the gateway is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LambdaGateway:
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="lambda-gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LambdaGateway:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def delivery_queue(
        self, path: str, invocation_type: str | None, authorization: str | None = None
    ) -> tuple[str, str] | None:
        """(function, queue URL) when this request is an async Invoke the gateway delivers."""
        match = _INVOKE.match(path)
        if match is None or (invocation_type or "").lower() != "event":
            return None
        if self._region is not None and regions_of(match.group("name"), authorization) - {
            self._region
        }:
            return None  # another region's function: moto answers for it
        function = function_of(match.group("name"))
        queue = self._queues.get(function)
        return None if queue is None else (function, queue)

    def deliver(self, function: str, queue_url: str, body: bytes) -> None:
        payload = body.decode("utf-8") if body else "{}"
        self._send(queue_url, payload)
        self.invoked.append((function, payload))

    def forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(*self._upstream, timeout=120)
        try:
            connection.request(method, path, body=body or None, headers=dict(headers))
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


def _handler_for(gateway: LambdaGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            target = gateway.delivery_queue(
                self.path,
                self.headers.get("X-Amz-Invocation-Type"),
                self.headers.get("Authorization"),
            )
            if self.command == "POST" and target is not None:
                gateway.deliver(*target, body)
                self._reply(202, [("x-amzn-RequestId", str(uuid.uuid4()))], b"")
                return
            headers = [
                (k, v)
                for k, v in self.headers.items()
                if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"
            ]
            if self.command == "GET" and ACCOUNT_SETTINGS_PATH.match(self.path):
                self._account_settings(headers)
                return
            if body:
                headers.append(("Content-Length", str(len(body))))
            try:
                status, reply_headers, payload = gateway.forward(
                    self.command, self.path, headers, body
                )
            except OSError as error:
                self._reply(502, [], f"gateway: upstream unreachable: {error}".encode())
                return
            kept = [
                (k, v)
                for k, v in reply_headers
                if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length"
            ]
            function = GET_FUNCTION_PATH.match(self.path) if self.command == "GET" else None
            if function is not None and status == 200:
                payload = with_concurrency(function.group(1), payload, self._getter(headers))
            self._reply(status, kept, payload)

        def _getter(self, headers: list[tuple[str, str]]) -> Callable[[str], tuple[int, bytes]]:
            def get(path: str) -> tuple[int, bytes]:
                status, _headers, payload = gateway.forward("GET", path, headers, b"")
                return status, payload

            return get

        def _account_settings(self, headers: list[tuple[str, str]]) -> None:
            def get(path: str) -> tuple[int, bytes]:
                # the caller's headers: moto_server tells Lambda's requests by their signature
                status, _headers, payload = gateway.forward("GET", path, headers, b"")
                return status, payload

            try:
                payload = account_settings(get)
            except (OSError, ValueError) as error:
                self._reply(502, [], f"gateway: cannot read the functions: {error}".encode())
                return
            self._reply(200, [("Content-Type", "application/json")], payload)

        def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return  # the drill's report says what ran; per-request lines would be noise

    return Handler


def spawn(
    upstream: str, queues: Mapping[str, str], region: str, *, timeout_s: float = 30.0
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the gateway as a process of its own session (it outlives the caller, as the
    sandbox's moto_server does); returns the process and its endpoint once it answers."""
    from sandbox.moto_server import free_port, wait_until_answering

    port = free_port()
    command = [sys.executable, "-m", __name__, "--upstream", upstream, "--port", str(port)]
    command += ["--region", region]
    for function, url in sorted(queues.items()):
        command += ["--queue", f"{function}={url}"]
    env = dict(os.environ)
    env.setdefault("AWS_ACCESS_KEY_ID", "testing")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(process, url, timeout_s)
    except BaseException:  # Ctrl-C or SIGTERM while waiting too: never leave it running
        process.kill()
        process.wait(timeout=10)
        raise
    return process, url


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox.lambda_gateway``: serve until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.lambda_gateway",
        description="moto_server with Lambda's asynchronous Invoke delivered to queues.",
    )
    parser.add_argument("--upstream", required=True, help="moto_server's http://host:port")
    parser.add_argument("--port", type=int, required=True, help="where to listen on 127.0.0.1")
    parser.add_argument("--region", required=True, help="the delivery queues' region")
    parser.add_argument(
        "--queue",
        action="append",
        default=[],
        metavar="FUNCTION=QUEUE_URL",
        help="a function's delivery queue (repeatable)",
    )
    args = parser.parse_args(argv)
    queues: dict[str, str] = {}
    for entry in args.queue:
        function, sep, url = entry.partition("=")
        if not sep or not function or not url:
            parser.error(f"--queue {entry!r}: expected FUNCTION=QUEUE_URL")
        queues[function] = url
    from sandbox.aws import client_for

    sqs = client_for("sqs", args.upstream, args.region)

    def send(url: str, body: str) -> None:
        sqs.send_message(QueueUrl=url, MessageBody=body)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
    with (
        LambdaGateway(args.upstream, queues, send, port=args.port, region=args.region),
        suppress(KeyboardInterrupt),
    ):
        stopped.wait()


if __name__ == "__main__":
    main()
