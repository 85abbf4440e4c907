"""Where the sandbox plugs into the code it runs: the logger's clock and sink, and the handler
package's pluggable runtime.

The logger (layer 0) reads one clock for line timestamps, EMF timestamps and event ages; in the
sandbox it must be the simulated clock, or log timestamps, EMF datapoints and alarm periods would
disagree: :func:`install_clock` plugs it in through ``logging_config.set_clock`` and returns a
function that puts the previous clock back. :func:`install_ids` does the same for the random
bytes of new event IDs (``logging_config.set_id_source``), so a seed reproduces a run. Lines are
captured per invocation by pointing the logger's sink at a :class:`LineCapture`, and each
function's first invocation is marked as its cold start (``logging_config.mark_cold_start``).

A handler package (the catalog's ``handler: pkg.module:function``) may offer, by convention, the
same hooks the example services do; each is optional:

- ``pkg.runtime``: ``set_transport(t)`` (publish / async invoke / notify), ``set_clock(f)``;
- ``pkg.faults``: ``set_fault(service, spec)``, ``clear_faults()``, ``set_sleeper(f)``;
- ``pkg.state``: ``reset_all()`` (forget idempotency keys between runs), and ``tables()`` /
  ``set_client(c)``: the DynamoDB tables its state lives in, created on the sandbox's endpoint,
  and the client to reach them (:mod:`sandbox.state_tables`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import logging_config
from logging_config import config as log_config
from logging_config import sink
from sandbox.clock import SimClock
from sandbox.state_tables import connect


def install_clock(clock: SimClock) -> Callable[[], None]:
    """Make log lines and EMF objects read ``clock``; returns the undo function."""
    previous = logging_config.set_clock(clock.now)

    def undo() -> None:
        logging_config.set_clock(previous)

    return undo


def install_ids(draw: Callable[[int], bytes]) -> Callable[[], None]:
    """Make the logger's new event / correlation IDs come from ``draw``; returns the undo."""
    previous = logging_config.set_id_source(draw)

    def undo() -> None:
        logging_config.set_id_source(previous)

    return undo


class LineCapture:
    """A binary stream that keeps each line with the simulated time it was written at."""

    def __init__(self, clock: SimClock) -> None:
        self._clock = clock
        self.lines: list[tuple[float, str]] = []
        self.mode = "wb"

    def write(self, data: bytes | str) -> int:
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        for line in text.splitlines():
            if line:
                self.lines.append((self._clock.now(), line))
        return len(data)

    def flush(self) -> None:
        pass


class CapturedInvocation:
    """For one invocation: lines go to ``capture``, the logger's service is ``service``."""

    def __init__(self, capture: LineCapture, service: str, cold_start: bool) -> None:
        self._capture = capture
        self._service = service
        self._cold = cold_start
        self._saved_stream: Any = None
        self._saved_service: str | None = None

    def __enter__(self) -> LineCapture:
        self._saved_stream = sink.get_stream()
        self._saved_service = log_config.STATE.service
        sink.set_stream(self._capture)
        log_config.STATE.service = self._service
        # Each function is its own process on AWS: its first invocation is its cold start.
        logging_config.mark_cold_start(self._cold)
        return self._capture

    def __exit__(self, *exc: object) -> None:
        sink.set_stream(self._saved_stream)
        log_config.STATE.service = self._saved_service


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and name.startswith(error.name):
            return None
        raise


class HandlerPackage:
    """The optional hooks of the package the catalog's handlers live in."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.runtime = _optional_module(f"{package}.runtime")
        self.faults = _optional_module(f"{package}.faults")
        self.state = _optional_module(f"{package}.state")

    def _hook(self, module: ModuleType | None, name: str) -> Callable[..., Any] | None:
        found = getattr(module, name, None) if module is not None else None
        return found if callable(found) else None

    def install(self, transport: object, clock: SimClock, sleeper: Callable[[float], None]) -> None:
        for module, name, value in (
            (self.runtime, "set_transport", transport),
            (self.runtime, "set_clock", clock.now),
            (self.faults, "set_sleeper", sleeper),
        ):
            hook = self._hook(module, name)
            if hook is not None:
                hook(value)

    def connect_state(self, endpoint_url: str, region: str) -> bool:
        """Create the package's state tables on the endpoint and hand it a client to them."""
        return connect(self.package, self.state, endpoint_url, region)

    def uninstall(self) -> None:
        for module, name in (
            (self.state, "set_client"),
            (self.runtime, "set_transport"),
            (self.runtime, "set_clock"),
            (self.faults, "set_sleeper"),
        ):
            hook = self._hook(module, name)
            if hook is not None:
                hook(None)
        self.clear_faults()

    def set_fault(self, service: str, spec: str) -> None:
        hook = self._hook(self.faults, "set_fault")
        if hook is None:
            raise ValueError(
                f"inject_fault: package {self.package!r} has no faults.set_fault(service, spec); "
                "faults can only be injected into handlers that offer that hook"
            )
        hook(service, spec)

    def clear_faults(self) -> None:
        hook = self._hook(self.faults, "clear_faults")
        if hook is not None:
            hook()

    def reset_state(self) -> None:
        hook = self._hook(self.state, "reset_all")
        if hook is not None:
            hook()
