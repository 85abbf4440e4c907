"""Lambda's execution environments and concurrency limits, on the simulated clock.

Execution environment lifecycle (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
an invocation runs in an idle environment of its function if one exists; otherwise Lambda
creates one (the Init phase: the runtime starts and the function's code is imported, reported as
``Init Duration``, a *cold start*) and keeps it for later invocations. An environment runs one
invocation at a time, and each has its own memory: module-level state is per environment.

Concurrency (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html): concurrency
is the number of in-flight requests; an account has a limit (1,000 by default) shared by every
function; reserved concurrency is both the most a function can use and a part of the account's
limit only it can use; Lambda keeps at least 100 of the account's concurrency unreserved for the
functions without a reservation. A request over the limit is throttled.

The sandbox keeps every environment for the whole run (Lambda reclaims idle ones after a time it
does not document), so cold starts happen when a function scales out, not after idle periods.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from catalog.models import Service
from sandbox.errors import SandboxError

ACCOUNT_CONCURRENCY = 1000
"""The default account concurrency limit (lambda-concurrency.html)."""
UNRESERVED_MINIMUM = 100
"""Lambda keeps at least this much of the account's concurrency unreserved (same page)."""


@dataclass
class ExecutionEnvironment:
    """One of a function's execution environments: its log stream, its handler and modules."""

    service: str
    log_stream: str
    created: float
    handler: Callable[..., Any]
    modules: dict[str, ModuleType] = field(default_factory=dict)
    """The handler package's modules as this environment imported them (empty: shared)."""
    busy_until: float = 0.0
    """When the invocation it runs ends (simulated time); free from then on."""

    def busy(self, now: float) -> bool:
        return self.busy_until > now

    @contextmanager
    def activated(self) -> Iterator[None]:
        """Make this environment's modules the ones ``import`` finds while its invocation runs
        (a handler importing its package lazily gets its own environment's copy)."""
        if not self.modules:
            yield
            return
        saved = {name: sys.modules.get(name) for name in self.modules}
        sys.modules.update(self.modules)
        try:
            yield
        finally:
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module


def check_limits(services: list[Service], account_limit: int) -> None:
    """Refuse what Lambda would: a limit below 1, or reservations that leave the unreserved pool
    below its minimum (``PutFunctionConcurrency`` fails then)."""
    if account_limit < 1:
        raise SandboxError(f"account concurrency must be at least 1, got {account_limit}")
    reserved = sum(s.reserved_concurrency or 0 for s in services)
    keep = min(UNRESERVED_MINIMUM, account_limit)
    if reserved > account_limit - keep:
        raise SandboxError(
            f"reserved concurrency of the catalog's functions adds up to {reserved}, leaving less "
            f"than {keep} of the account's {account_limit} unreserved (Lambda refuses that)"
        )


class Environments:
    """Every function's execution environments and the concurrency they use."""

    def __init__(self, account_limit: int = ACCOUNT_CONCURRENCY) -> None:
        self.account_limit = account_limit
        self._by_service: dict[str, list[ExecutionEnvironment]] = {}
        self.cold_starts: dict[str, int] = {}

    def of(self, service: str) -> list[ExecutionEnvironment]:
        return self._by_service.get(service, [])

    def in_use(self, service: str, now: float) -> int:
        """How many invocations of ``service`` are running at ``now``."""
        return sum(1 for env in self.of(service) if env.busy(now))

    def can_run(self, service: str, reservations: dict[str, int | None], now: float) -> bool:
        """Whether one more invocation of ``service`` fits its reservation, or the unreserved
        pool (the account's limit less every reservation) when it has none."""
        reserved = reservations.get(service)
        if reserved is not None:
            return self.in_use(service, now) < reserved
        pool = self.account_limit - sum(r for r in reservations.values() if r)
        unreserved = [name for name, r in reservations.items() if r is None]
        if sum(len(self.of(name)) for name in unreserved) < pool:
            return True  # fewer environments than the pool: it cannot be in use (cheap)
        return sum(self.in_use(name, now) for name in unreserved) < pool

    def idle(self, service: str, now: float) -> ExecutionEnvironment | None:
        """The first (oldest) idle environment of ``service``, if any."""
        return next((env for env in self.of(service) if not env.busy(now)), None)

    def add(self, env: ExecutionEnvironment) -> None:
        self._by_service.setdefault(env.service, []).append(env)
        self.cold_starts[env.service] = self.cold_starts.get(env.service, 0) + 1


def import_isolated(module_name: str, package: str) -> dict[str, ModuleType]:
    """Import ``module_name`` afresh, with fresh copies of every module of ``package`` it pulls
    in, as a new execution environment does; ``sys.modules`` is left as it was.

    Returns the new modules by name (``package``, ``package.x``...), to be activated while the
    environment runs (:meth:`ExecutionEnvironment.activated`).
    """

    def ours(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    saved = {name: module for name, module in sys.modules.items() if ours(name)}
    for name in saved:
        del sys.modules[name]
    fresh: dict[str, ModuleType] = {}
    try:
        importlib.import_module(module_name)
    finally:
        for name in [n for n in sys.modules if ours(n)]:
            fresh[name] = sys.modules.pop(name)
        sys.modules.update(saved)
    return fresh
