"""Start and stop moto's standalone server on a free loopback port.

Tests, the sandbox and the demo all meet AWS through a real HTTP endpoint, never in-process mocks,
so this is the one place that knows how to run ``moto_server`` and wait until it answers.

The server is moto's own (``moto.server.main``), started as ``python -m runbooks.moto_server`` so
that it first memoizes a few pure functions moto recomputes on every request: the list of its
service packages (a directory listing and ~200 ``stat`` calls per request), the CamelCase to
snake_case conversion of names and the public methods of a response class (per request and per
queue attribute), and the parsing of EventBridge input paths (a parser table built per event and
target). They return the same value for the same input, so answers do not change; a request
costs about half the server CPU, and every drill makes hundreds. If moto's internals move, the
function that is not where it was is simply left alone (:func:`memoize_moto`).
"""

from __future__ import annotations

import functools
import importlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Hashable
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """Ask the kernel for a free TCP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _server_command(port: int) -> list[str]:
    return [sys.executable, "-m", __name__, "-H", HOST, "-p", str(port)]


_PURE = (
    ("moto.core.utils", "camelcase_to_underscores"),
    ("moto.core.utils", "method_names_from_class"),
    ("moto.core.responses", "camelcase_to_underscores"),
    ("moto.core.responses", "method_names_from_class"),
    ("jsonpath_ng.ext", "parse"),
)
"""Functions whose result depends only on their (hashable) arguments, by module."""


def _memoized(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with a cache; arguments that cannot be hashed go straight through."""
    cached = functools.cache(function)

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return cached(*args, **kwargs)
        except TypeError:
            if any(not isinstance(a, Hashable) for a in (*args, *kwargs.values())):
                return function(*args, **kwargs)
            raise

    return call


def memoize_moto() -> list[str]:
    """Cache moto's pure per-request helpers in this process; returns what it cached.

    Call before moto's service modules are imported (they bind the helpers by name).
    """
    done: list[str] = []
    backends = importlib.import_module("moto.backends")
    listing = getattr(backends, "list_of_moto_modules", None)
    if callable(listing):
        modules = tuple(listing())  # moto's installed service packages: fixed while it runs
        setattr(backends, "list_of_moto_modules", lambda: iter(modules))  # noqa: B010
        done.append("moto.backends.list_of_moto_modules")
    cached: dict[object, Callable[..., Any]] = {}
    for module_name, name in _PURE:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        original = getattr(module, name, None)
        if not callable(original):
            continue
        if original not in cached:
            cached[original] = _memoized(original)
        setattr(module, name, cached[original])
        done.append(f"{module_name}.{name}")
    return done


def main(argv: list[str] | None = None) -> None:
    """``python -m runbooks.moto_server -H HOST -p PORT``: moto_server, memoized."""
    memoize_moto()
    server = importlib.import_module("moto.server")
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
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"moto_server exited with code {self._proc.returncode} on port {self.port}"
                )
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.endpoint_url} in time")

    def reset(self) -> None:
        """Forget every resource (moto's reset API), so tests can share one server."""
        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=5):
            pass

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
