"""Where the sandbox plugs into the code it runs: the logger's clock and sink, and the handler
package's pluggable runtime.

The logger (layer 0) reads one clock for line timestamps, EMF timestamps and event ages; in the
sandbox it must be the simulated clock, or log timestamps, EMF datapoints and alarm periods would
disagree: :func:`install_clock` plugs it in through ``logging_config.set_clock`` and returns a
function that puts the previous clock back. :func:`install_ids` does the same for the random
bytes of new event IDs (``logging_config.set_id_source``), so a seed reproduces a run. Lines are
captured per invocation by pointing the logger's sink at a :class:`LineCapture`, and the first
invocation of each execution environment is marked as its cold start
(``logging_config.mark_cold_start``).

A handler package (the catalog's ``handler: pkg.module:function``) may offer, by convention, the
same hooks the example services do; each is optional:

- ``pkg.runtime``: ``set_transport(t)`` (publish / async invoke / notify), ``set_clock(f)``;
- ``pkg.faults``: ``set_fault(service, spec)``, ``clear_faults()``, ``set_sleeper(f)``;
- ``pkg.state``: ``reset_all()`` (forget idempotency keys between runs), and ``tables()`` /
  ``set_client(c)``: the DynamoDB tables its state lives in, created on the sandbox's endpoint,
  and the client to reach them (:mod:`sandbox.state_tables`).

Each execution environment may import the package afresh (:meth:`HandlerPackage.attach`): the
hooks then reach every copy.
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
        # Each execution environment is its own process on AWS: its first invocation is cold.
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


class _Hooks:
    """The hook modules of one copy of the package (the process's, or an environment's)."""

    def __init__(
        self, runtime: ModuleType | None, faults: ModuleType | None, state: ModuleType | None
    ) -> None:
        self.runtime = runtime
        self.faults = faults
        self.state = state

    def hook(self, module: ModuleType | None, name: str) -> Callable[..., Any] | None:
        found = getattr(module, name, None) if module is not None else None
        return found if callable(found) else None


class HandlerPackage:
    """The optional hooks of the package the catalog's handlers live in.

    Each execution environment may import the package afresh (module-level state per
    environment, as on Lambda): :meth:`attach` wires a new copy's hooks to what the process's
    copy has (transport, clock, sleeper, the faults switched on), and every later
    :meth:`set_fault` / :meth:`clear_faults` reaches every copy.
    """

    def __init__(self, package: str) -> None:
        self.package = package
        self._main = _Hooks(
            _optional_module(f"{package}.runtime"),
            _optional_module(f"{package}.faults"),
            _optional_module(f"{package}.state"),
        )
        self._copies: list[_Hooks] = [self._main]
        self._installed: tuple[object, SimClock, Callable[[float], None]] | None = None
        self._faults: dict[str, str] = {}
        self._state_client: Any = None

    @property
    def runtime(self) -> ModuleType | None:
        return self._main.runtime

    @property
    def faults(self) -> ModuleType | None:
        return self._main.faults

    @property
    def state(self) -> ModuleType | None:
        return self._main.state

    def attach(self, modules: dict[str, ModuleType]) -> None:
        """Wire an environment's fresh copy of the package (``modules`` by name)."""
        copy = _Hooks(
            modules.get(f"{self.package}.runtime"),
            modules.get(f"{self.package}.faults"),
            modules.get(f"{self.package}.state"),
        )
        self._copies.append(copy)
        self._give_client(copy)
        if self._installed is not None:
            self._install(copy, *self._installed)
        hook = copy.hook(copy.faults, "set_fault")
        for service, spec in self._faults.items():
            if hook is not None:
                hook(service, spec)

    def install(self, transport: object, clock: SimClock, sleeper: Callable[[float], None]) -> None:
        self._installed = (transport, clock, sleeper)
        for copy in self._copies:
            self._install(copy, transport, clock, sleeper)

    @staticmethod
    def _install(
        copy: _Hooks, transport: object, clock: SimClock, sleeper: Callable[[float], None]
    ) -> None:
        for module, name, value in (
            (copy.runtime, "set_transport", transport),
            (copy.runtime, "set_clock", clock.now),
            (copy.faults, "set_sleeper", sleeper),
        ):
            hook = copy.hook(module, name)
            if hook is not None:
                hook(value)

    def connect_state(self, endpoint_url: str, region: str) -> bool:
        """Create the package's state tables on the endpoint and hand it a client to them
        (every environment's copy of ``state`` gets the same client: the store is shared)."""
        self._state_client = connect(self.package, self.state, endpoint_url, region)
        for copy in self._copies[1:]:
            self._give_client(copy)
        return self._state_client is not None

    def _give_client(self, copy: _Hooks) -> None:
        hook = copy.hook(copy.state, "set_client")
        if hook is not None and self._state_client is not None:
            hook(self._state_client)

    def uninstall(self) -> None:
        self._installed = None
        for copy in self._copies:
            for module, name in (
                (copy.state, "set_client"),
                (copy.runtime, "set_transport"),
                (copy.runtime, "set_clock"),
                (copy.faults, "set_sleeper"),
            ):
                hook = copy.hook(module, name)
                if hook is not None:
                    hook(None)
        self._state_client = None
        self.clear_faults()
        self._copies = [self._main]

    def set_fault(self, service: str, spec: str) -> None:
        hook = self._main.hook(self._main.faults, "set_fault")
        if hook is None:
            raise ValueError(
                f"inject_fault: package {self.package!r} has no faults.set_fault(service, spec); "
                "faults can only be injected into handlers that offer that hook"
            )
        hook(service, spec)
        self._faults[service] = spec
        for copy in self._copies[1:]:
            other = copy.hook(copy.faults, "set_fault")
            if other is not None:
                other(service, spec)

    def clear_faults(self) -> None:
        self._faults.clear()
        for copy in self._copies:
            hook = copy.hook(copy.faults, "clear_faults")
            if hook is not None:
                hook()

    def reset_state(self) -> None:
        for copy in self._copies:
            hook = copy.hook(copy.state, "reset_all")
            if hook is not None:
                hook()
