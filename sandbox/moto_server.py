"""Start and stop moto's standalone server on a free loopback port.

Tests, the sandbox and the demo all meet AWS through a real HTTP endpoint, never in-process mocks,
so this is the one place that knows how to run ``moto_server`` and wait until it answers.

The server is moto's own (``moto.server.main``), started as ``python -m sandbox.moto_server`` so
that it first makes moto cheaper per request without changing an answer
(:mod:`sandbox.moto_speedups`), and answers two more routes: save its state and put it back
(:mod:`sandbox.moto_snapshot`). Logs Insights queries and saved query definitions are answered by
obskit's engine in front of moto (:mod:`sandbox.insights_endpoint`).
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import TracebackType
from typing import Any

from werkzeug.serving import WSGIRequestHandler

from sandbox import replay_routes
from sandbox.http_keepalive import keep_alive
from sandbox.insights_endpoint import with_insights
from sandbox.moto_event_sources import keep_sqs_mappings_idle
from sandbox.moto_offline import skip_http_deliveries
from sandbox.moto_snapshot import RESTORE_PATH, SNAPSHOT_PATH, MotoSnapshots, wsgi_routes
from sandbox.moto_speedups import speed_up_moto
from sandbox.rule_delivery import hold_failing_rules

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """Ask the kernel for a free TCP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _server_command(port: int) -> list[str]:
    return [sys.executable, "-m", __name__, "-H", HOST, "-p", str(port)]


def wait_until_answering(proc: subprocess.Popen[bytes], url: str, timeout_s: float) -> None:
    """Wait until the server ``proc`` runs answers ``url``/moto-api/ (moto, or something in
    front of it); RuntimeError if it exits or stays silent for ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with code {proc.returncode} ({url})")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.02)
    raise RuntimeError(f"nothing answered on {url} within {timeout_s:g} s")


def main(argv: list[str] | None = None) -> None:
    """``python -m sandbox.moto_server -H HOST -p PORT``: moto_server, sped up, with the
    snapshot and restore routes of :mod:`sandbox.moto_snapshot` in front of it."""
    speed_up_moto()
    skip_http_deliveries()
    keep_sqs_mappings_idle()  # the sandbox's poller reads the queues, not moto
    hold_failing_rules()  # a failing rule keeps its targets; the sandbox delivers
    server = importlib.import_module("moto.server")
    replay_routes.install(server)  # EventBridge's replay API, answered by the sandbox
    serve = server.run_simple
    snapshots = MotoSnapshots()

    def run_simple(host: str, port: int, app: Any, **options: Any) -> None:
        handler = options.get("request_handler") or WSGIRequestHandler
        options["request_handler"] = keep_alive(handler)  # sandbox/http_keepalive
        app = with_insights(app)  # Logs Insights and query definitions: sandbox/insights_endpoint
        serve(host, port, wsgi_routes(app, snapshots), **options)

    setattr(server, "run_simple", run_simple)  # noqa: B010 (moto.server imported it by name)
    server.main(argv)


class MotoServer:
    """A ``moto_server`` child process; use as a context manager or call start()/stop()."""

    def __init__(
        self, port: int | None = None, startup_timeout_s: float = 30.0, *, detach: bool = False
    ) -> None:
        """``detach``: run the server in its own session, so it outlives this process (what
        ``obskit sandbox up`` needs; ``sandbox down`` stops it by :attr:`pid`)."""
        self.port = port or free_port()
        self.startup_timeout_s = startup_timeout_s
        self.detach = detach
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> MotoServer:
        if self._proc is not None:
            return self
        env = dict(os.environ)
        env.setdefault("AWS_ACCESS_KEY_ID", "testing")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        self._proc = subprocess.Popen(
            _server_command(self.port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=self.detach,
        )
        try:
            wait_until_answering(self._proc, self.endpoint_url, self.startup_timeout_s)
        except BaseException:  # Ctrl-C or SIGTERM while waiting too: never leave it running
            self.stop()
            raise
        return self

    def reset(self) -> None:
        """Forget every resource (moto's reset API), so tests can share one server."""
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=5):
            pass

    def snapshot(self, slot: str = "") -> None:
        """Save the server's whole state in ``slot`` (see :mod:`sandbox.moto_snapshot`)."""
        self._post(SNAPSHOT_PATH + (f"/{slot}" if slot else ""))

    def restore(self, slot: str = "") -> None:
        """Put back the state :meth:`snapshot` saved in ``slot``, forgetting everything since."""
        self._post(RESTORE_PATH + (f"/{slot}" if slot else ""))

    def _post(self, path: str) -> None:
        req = urllib.request.Request(f"{self.endpoint_url}{path}", method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30):
                pass
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace").strip()
            raise RuntimeError(f"moto_server {path}: {error.code} {detail}") from None

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    main()
