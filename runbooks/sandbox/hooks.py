"""Where the sandbox plugs into the code it runs: the logger's clock and sink, and the handler
package's pluggable runtime.

The logger (layer 0) stamps lines with ``time.time`` and EMF objects with ``time.time_ns``; in the
sandbox both must read the simulated clock, or log timestamps, EMF datapoints and alarm periods
would disagree. The logger has no public clock hook yet, so :func:`install_clock` swaps the two
module-level time sources and returns a function that puts them back; :func:`install_ids` does
the same for the source of new event IDs (``os.urandom``), so a seed reproduces a run. Lines are captured per
invocation by pointing the logger's sink at a :class:`LineCapture`.

A handler package (the catalog's ``handler: pkg.module:function``) may offer, by convention, the
same hooks the example services do; each is optional:

- ``pkg.runtime``: ``set_transport(t)`` (publish / async invoke / notify), ``set_clock(f)``;
- ``pkg.faults``: ``set_fault(service, spec)``, ``clear_faults()``, ``set_sleeper(f)``;
- ``pkg.state``: ``reset_all()`` (forget idempotency keys between runs).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from logging_config import config as log_config
from logging_config import events, lambda_context, metrics, sink, timestamps
from runbooks.sandbox.clock import SimClock


class _SimTime:
    """The three ``time`` functions ``logging_config.metrics`` calls, on the simulated clock."""

    def __init__(self, clock: SimClock) -> None:
        self._clock = clock

    def time_ns(self) -> int:
        return int(self._clock.now() * 1_000_000_000)

    def strftime(self, fmt: str, moment: time.struct_time) -> str:
        return time.strftime(fmt, moment)

    def gmtime(self, seconds: float | None = None) -> time.struct_time:
        return time.gmtime(self._clock.now() if seconds is None else seconds)


def install_clock(clock: SimClock) -> Callable[[], None]:
    """Make log lines and EMF objects read ``clock``; returns the undo function."""
    saved_clock = timestamps._clock
    saved_time: Any = metrics.time
    timestamps._clock = clock.now
    metrics.time = _SimTime(clock)  # type: ignore[assignment]

    def undo() -> None:
        timestamps._clock = saved_clock
        metrics.time = saved_time

    return undo


class _SeededOs:
    """``os`` for ``logging_config.events``: ``urandom`` from the sandbox's seeded generator, so
    event and correlation IDs repeat from run to run with the same seed."""

    def __init__(self, draw: Callable[[int], bytes]) -> None:
        self._draw = draw

    def urandom(self, size: int) -> bytes:
        return self._draw(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def install_ids(draw: Callable[[int], bytes]) -> Callable[[], None]:
    """Make the logger's new event / correlation IDs come from ``draw``; returns the undo."""
    saved: Any = events.os
    events.os = _SeededOs(draw)  # type: ignore[assignment]

    def undo() -> None:
        events.os = saved

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
        lambda_context._cold_start = self._cold
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

    def uninstall(self) -> None:
        for module, name in (
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
