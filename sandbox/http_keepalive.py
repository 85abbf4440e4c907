"""Keep moto_server's connections open between requests (HTTP/1.1 persistent connections).

werkzeug's development server, which moto_server runs on, answers every request with
``Connection: close``: each of the ~1,500 requests a drill makes then costs a new TCP connection,
a new server thread, and on the client a new socket, for a few milliseconds of CPU on both sides
of every request. botocore keeps connections open whenever the server lets it, so a request
handler that answers as HTTP/1.1 does by default (RFC 9112, "Persistence",
https://www.rfc-editor.org/rfc/rfc9112#name-persistence) lets every client of a drill reuse one
connection, and one server thread serve it.

What werkzeug's handler does after each answer is the reason it cannot keep a connection: it
drains whatever the client sends next for 10 ms, which on a persistent connection is the next
request. :class:`KeepAliveMixin` therefore reads each request's body by its ``Content-Length``
before the application runs, so nothing is left to drain, and answers with a ``Content-Length``
so the client knows where the answer ends. A request it cannot frame that way (a chunked body)
goes to werkzeug's own handler, which answers it and closes the connection, as before.

An idle connection costs one blocked daemon thread until its client closes it or the server
stops; a client that sends ``Connection: close`` or speaks HTTP/1.0 gets its connection closed
after the answer (``http.server``'s own rules).
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import WSGIRequestHandler

_NO_BODY_STATUSES = frozenset({204, 304})
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


class KeepAliveMixin(WSGIRequestHandler):
    """werkzeug's request handler, answering on a connection it keeps open."""

    protocol_version = "HTTP/1.1"
    wbufsize = -1
    """Buffered writes: head and body leave in one send when ``http.server`` flushes after the
    request (one system call and one segment instead of two)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Only what went wrong: a line per answer was formatted for every request of a drill
        and thrown away (the server's output goes nowhere)."""
        if str(code)[:1] not in ("1", "2", "3"):
            super().log_request(code, size)

    def setup(self) -> None:
        super().setup()
        # A large body still leaves in several writes; with Nagle's algorithm the last would
        # wait for the client's delayed ACK of the first, tens of milliseconds per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_wsgi(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            super().run_wsgi()  # werkzeug reads the chunks, answers and closes
            return
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.wfile.flush()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Content-Length is not a number")
            self.close_connection = True
            return
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            status, headers, payload = _call(self.server.app, environ)
        except Exception as error:  # noqa: BLE001 (werkzeug too answers 500 and goes on)
            self.log_error("error on request %s: %r", self.requestline, error)
            self.send_error(500, "Internal Server Error")
            self.close_connection = True
            return
        self._answer(status, headers, payload)

    def _answer(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        self.send_response(code, reason)
        for key, value in headers:
            if key.lower() not in _FRAMING:
                self.send_header(key, value)
        has_body = self.command != "HEAD" and code not in _NO_BODY_STATUSES and code >= 200
        if has_body:
            self.send_header("Content-Length", str(len(payload)))
        elif self.command == "HEAD":
            for key, value in headers:  # what a GET would have answered
                if key.lower() == "content-length":
                    self.send_header(key, value)
        self.end_headers()
        if has_body and payload:
            self.wfile.write(payload)


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the WSGI ``app`` on ``environ``: its status, headers and whole body."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [(status, list(headers))]
        return written.append

    result: Iterable[bytes] = app(environ, start_response)
    try:
        for chunk in result:
            written.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if callable(close):
            close()
    if not started:
        raise RuntimeError("the application returned without starting a response")
    status, headers = started[0]
    return status, headers, b"".join(written)


def keep_alive(handler: type[WSGIRequestHandler]) -> type[WSGIRequestHandler]:
    """``handler`` (werkzeug's or a subclass, e.g. moto's) answering on persistent
    connections."""
    return type(f"KeepAlive{handler.__name__}", (KeepAliveMixin, handler), {})
