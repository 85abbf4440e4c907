"""Run a catalog function's handler in process, the way Lambda runs it, and record what it did.

One call of :meth:`FunctionRunner.invoke` is one Lambda invocation:

- reserved concurrency 0 means every invocation is throttled: the handler does not run and
  Throttles counts it (AWS/Lambda metrics documentation: "Throttles: the number of invocation
  requests that are throttled"); what becomes of a refused asynchronous event (given up at once,
  not retried) is the async poller's business (:mod:`sandbox.sqs_poller`);
- it runs on its own timeline from the scheduler's time (:meth:`SimClock.local_timeline`), so
  invocations overlap in simulated time; it takes an idle execution environment of its function,
  else a new one if concurrency allows (a cold start: a new log stream, an ``Init Duration`` in
  its REPORT line, ``cold_start: true`` on its lines, and, by default, its own import of the
  handler's package), else it is throttled (:mod:`sandbox.environments`);
- the handler gets a Lambda-shaped context whose remaining time follows the simulated clock; its
  lines are captured with the simulated time they were written at;
- the invocation lasts the modelled work time plus whatever the handler slept on the simulated
  clock; if that passes the function's timeout, the invocation is a timeout (the sleeper raises
  :class:`InvocationTimeout` at the deadline, so no work after it happens);
- START, the handler's lines, the runtime's ``[ERROR]`` line for an unhandled exception (or the
  ``Task timed out`` line), END and REPORT go to the function's log group;
- AWS/Lambda Invocations, Errors, Throttles, Duration and ConcurrentExecutions (the
  invocations of the function in flight when it started) are published, and the EMF metrics in the handler's lines are extracted (:mod:`sandbox.emf`).
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from catalog.models import Catalog, Service
from sandbox import emf, lambda_semantics
from sandbox.clock import SimClock, iso
from sandbox.environments import (
    ACCOUNT_CONCURRENCY,
    Environments,
    ExecutionEnvironment,
    check_limits,
    import_isolated,
)
from sandbox.errors import SandboxError
from sandbox.hooks import CapturedInvocation, LineCapture
from sandbox.lambda_semantics import Randomness
from sandbox.log_writer import LogWriter
from sandbox.metrics_publisher import MetricsPublisher

LAMBDA_NAMESPACE = "AWS/Lambda"


class InvocationTimeout(BaseException):  # noqa: N818 - raised through handlers' `except Exception`
    """The simulated clock reached the function's timeout while the handler slept."""


@dataclass
class Invocation:
    service: str
    request_id: str
    trigger: str
    started: float
    event: Any = None
    duration_ms: float = 0.0
    cold_start: bool = False
    throttled: bool = False
    timed_out: bool = False
    error: str | None = None
    response: Any = None
    ended: float = 0.0
    """When it ended on its own timeline (simulated seconds)."""

    @property
    def failed(self) -> bool:
        return self.error is not None or self.timed_out


@dataclass
class ServiceStats:
    invocations: int = 0
    errors: int = 0
    throttles: int = 0
    timeouts: int = 0


@dataclass
class LambdaContext:
    """The attributes of Lambda's Python context object."""

    function_name: str
    memory_limit_in_mb: int
    aws_request_id: str
    invoked_function_arn: str
    log_group_name: str
    log_stream_name: str
    _deadline: float
    _clock: SimClock
    function_version: str = lambda_semantics.VERSION

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock.now()) * 1000))


def _raised_at(error: BaseException) -> str:
    """`` (file:line)`` of the innermost frame that raised ``error`` (a SyntaxError names its own)."""
    if isinstance(error, SyntaxError) and error.filename:
        return ""
    frames = traceback.extract_tb(error.__traceback__)
    return f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""


def load_handler(
    catalog: Catalog, service: Service, *, fresh: bool = False
) -> tuple[Callable[..., Any], dict[str, ModuleType]]:
    """Import ``module:function`` with the catalog's folder on ``sys.path``.

    ``fresh``: import the handler's package afresh, as a new execution environment does
    (:func:`sandbox.environments.import_isolated`); the new modules come back with the handler
    (empty otherwise: the process's own import, shared).
    """
    where = f"{catalog.source_file}: service {service.name!r}"
    if not service.handler or ":" not in service.handler:
        raise SandboxError(f"{where}: handler must be 'module:function', got {service.handler!r}")
    module_name, _, attribute = service.handler.partition(":")
    if catalog.source_file != "<catalog>":
        folder = str(Path(catalog.source_file).resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
    modules: dict[str, ModuleType] = {}
    try:
        if fresh:
            modules = import_isolated(module_name, module_name.split(".")[0])
            module = modules[module_name]
        else:
            module = importlib.import_module(module_name)
    except ImportError as error:
        raise SandboxError(
            f"{where}: cannot import handler module {module_name!r}: {error}"
        ) from None
    except Exception as error:  # the handler's own code failed at import: name where, no traceback
        raise SandboxError(
            f"{where}: importing handler module {module_name!r} raised "
            f"{type(error).__name__}: {error}{_raised_at(error)}"
        ) from None
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise SandboxError(f"{where}: {module_name} has no callable {attribute!r}")
    return handler, modules


class FunctionRunner:
    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: SimClock,
        randomness: Randomness,
        logs: LogWriter,
        metrics: MetricsPublisher,
        account_id: str,
        region: str,
        account_concurrency: int = ACCOUNT_CONCURRENCY,
        isolate_modules: bool = True,
        on_new_modules: Callable[[dict[str, ModuleType]], None] | None = None,
    ) -> None:
        """``isolate_modules``: each execution environment imports the handler's package afresh
        (module-level state per environment, as on Lambda); ``on_new_modules`` is told of each
        fresh copy (the sandbox wires its hooks). Off: every environment shares the process's
        import."""
        check_limits(catalog.services, account_concurrency)
        self.catalog = catalog
        self.functions = {s.name: s for s in catalog.services}
        self._clock = clock
        self._random = randomness
        self._logs = logs
        self._metrics = metrics
        self._account = account_id
        self._region = region
        self._isolate = isolate_modules
        self._on_new_modules = on_new_modules
        self._handlers: dict[str, Callable[..., Any]] = {}
        self.environments = Environments(account_concurrency)
        self._deadline: float | None = None
        self.invocations: list[Invocation] = []
        self.stats: dict[str, ServiceStats] = {s.name: ServiceStats() for s in catalog.services}
        self.emf_problems: list[str] = []

    def service(self, name: str) -> Service:
        try:
            return self.functions[name]
        except KeyError:
            raise SandboxError(
                f"unknown service {name!r}; known: {sorted(self.functions)}"
            ) from None

    def by_function_name(self, function_name: str) -> Service:
        for service in self.catalog.services:
            if service.function_name == function_name:
                return service
        known = sorted(str(s.function_name) for s in self.catalog.services)
        raise SandboxError(f"no function named {function_name!r} in the catalog; known: {known}")

    def handler(self, service: Service) -> Callable[..., Any]:
        """The handler as the process imported it (shared by every environment when module
        isolation is off)."""
        found = self._handlers.get(service.name)
        if found is None:
            found = self._handlers[service.name] = load_handler(self.catalog, service)[0]
        return found

    def is_throttled(self, service: str) -> bool:
        return self.functions[service].reserved_concurrency == 0

    def reservations(self) -> dict[str, int | None]:
        return {name: fn.reserved_concurrency for name, fn in self.functions.items()}

    def can_run(self, service: str, now: float) -> bool:
        """Whether an invocation of ``service`` starting at ``now`` gets concurrency."""
        return self.environments.can_run(service, self.reservations(), now)

    def set_reserved_concurrency(self, service: str, value: int | None) -> None:
        current = self.service(service)
        self.functions[service] = current.model_copy(update={"reserved_concurrency": value})

    def sleep(self, seconds: float) -> None:
        """The handlers' sleeper: move the clock; stop at the deadline of a running invocation."""
        if self._deadline is not None and self._clock.now() + seconds >= self._deadline:
            self._clock.advance_to(self._deadline)
            raise InvocationTimeout()
        self._clock.advance(seconds)

    def throttle(self, service: str, trigger: str, event: Any = None) -> Invocation:
        """Record a throttled invocation request (the handler does not run); ``event``: what
        it would have received, so a drill can tell which events a consumer never handled."""
        now = self._clock.now()
        fn = self.functions[service]
        invocation = Invocation(service, "", trigger, now, event=event, throttled=True)
        self.invocations.append(invocation)
        self.stats[service].throttles += 1
        self._metrics.put(LAMBDA_NAMESPACE, "Throttles", self._dims(fn), 1, at=now)
        return invocation

    def _new_environment(self, fn: Service, now: float) -> ExecutionEnvironment:
        """A cold start's environment: its log stream, and its own import of the handler."""
        if self._isolate:
            handler, modules = load_handler(self.catalog, fn, fresh=True)
            if self._on_new_modules is not None:
                self._on_new_modules(modules)
        else:
            handler, modules = self.handler(fn), {}
        day = datetime.fromtimestamp(now, tz=UTC).strftime("%Y/%m/%d")
        stream = lambda_semantics.log_stream_name(day, self._random.container_id())
        env = ExecutionEnvironment(fn.name, stream, now, handler, modules)
        self.environments.add(env)
        return env

    def invoke(self, service_name: str, event: Any, trigger: str) -> Invocation:
        """One invocation starting now (the scheduler's time), on its own timeline: an idle
        environment of the function, else a new one (a cold start) if concurrency allows, else
        a throttle. The invocation's end is recorded (``ended``); the scheduler's time stays."""
        fn = self.service(service_name)
        if fn.reserved_concurrency == 0:
            return self.throttle(service_name, trigger, event)
        now = self._clock.now()
        environment = self.environments.idle(service_name, now)
        if environment is None and not self.can_run(service_name, now):
            return self.throttle(service_name, trigger, event)
        cold = environment is None
        if environment is None:
            environment = self._new_environment(fn, now)
        environment.busy_until = float("inf")  # taken while its invocation runs
        with self._clock.local_timeline(now):
            invocation = self._run(fn, environment, event, trigger, cold)
        environment.busy_until = invocation.ended
        return invocation

    def _run(
        self,
        fn: Service,
        environment: ExecutionEnvironment,
        event: Any,
        trigger: str,
        cold: bool,
    ) -> Invocation:
        request_id = self._random.request_id()
        init_ms: float | None = None
        if cold:
            init_ms = self._random.init_ms()
            self._clock.advance(init_ms / 1000.0)
        started = self._clock.now()
        invocation = Invocation(fn.name, request_id, trigger, started, event=event, cold_start=cold)
        deadline = started + fn.timeout_s
        context = LambdaContext(
            function_name=str(fn.function_name),
            memory_limit_in_mb=fn.memory_mb,
            aws_request_id=request_id,
            invoked_function_arn=(
                f"arn:aws:lambda:{self._region}:{self._account}:function:{fn.function_name}"
            ),
            log_group_name=str(fn.log_group),
            log_stream_name=environment.log_stream,
            _deadline=deadline,
            _clock=self._clock,
        )
        capture = LineCapture(self._clock)
        lines: list[tuple[float, str]] = [(started, lambda_semantics.start_line(request_id))]
        self._deadline = deadline
        trace: str | None = None
        try:
            with environment.activated(), CapturedInvocation(capture, fn.name, cold):
                invocation.response = environment.handler(event, context)
        except InvocationTimeout:
            invocation.timed_out = True
        except Exception as error:  # an unhandled error is the invocation's result, not ours
            invocation.error = f"{type(error).__name__}: {error}"
            trace = "".join(traceback.format_exception(error)).rstrip()
        finally:
            self._deadline = None
        if not invocation.timed_out:
            work_s = self._random.work_ms() / 1000.0
            if self._clock.now() + work_s >= deadline:
                self._clock.advance_to(deadline)
                invocation.timed_out = True
            else:
                self._clock.advance(work_s)
        ended = self._clock.now()
        invocation.ended = ended
        invocation.duration_ms = round((ended - started) * 1000.0, 2)
        lines.extend(capture.lines)
        if invocation.timed_out:
            lines.append(
                (ended, lambda_semantics.timeout_line(iso(ended), request_id, fn.timeout_s))
            )
        elif trace is not None:
            lines.append((ended, f"[ERROR] {invocation.error}\n{trace}"))
        lines.append((ended, lambda_semantics.end_line(request_id)))
        lines.append(
            (
                ended,
                lambda_semantics.report_line(
                    request_id,
                    duration_ms=invocation.duration_ms,
                    memory_mb=fn.memory_mb,
                    max_memory_used_mb=self._random.memory_used_mb(fn.memory_mb),
                    init_duration_ms=init_ms,
                ),
            )
        )
        self._logs.write(str(fn.log_group), environment.log_stream, lines)
        self._record(fn, invocation, capture)
        return invocation

    def _dims(self, fn: Service) -> dict[str, str]:
        return {"FunctionName": str(fn.function_name)}

    def _record(self, fn: Service, invocation: Invocation, capture: LineCapture) -> None:
        self.invocations.append(invocation)
        stats = self.stats[fn.name]
        stats.invocations += 1
        stats.errors += int(invocation.failed)
        stats.timeouts += int(invocation.timed_out)
        at = invocation.started
        dims = self._dims(fn)
        put = self._metrics.put
        put(LAMBDA_NAMESPACE, "Invocations", dims, 1, at=at)
        put(LAMBDA_NAMESPACE, "Errors", dims, 1 if invocation.failed else 0, at=at)
        put(LAMBDA_NAMESPACE, "Throttles", dims, 0, at=at)
        put(LAMBDA_NAMESPACE, "Duration", dims, invocation.duration_ms, at=at, unit="Milliseconds")
        # ConcurrentExecutions is the number of invocations in flight (its useful statistic is
        # Maximum, monitoring-metrics-types.html): those of this function running when this one
        # started (this one included; its environment counts as taken).
        running = self.environments.in_use(fn.name, at)
        put(LAMBDA_NAMESPACE, "ConcurrentExecutions", dims, max(1, running), at=at)
        for _, line in capture.lines:
            found = emf.extract(line)
            self.emf_problems.extend(f"{fn.log_group}: {p}" for p in found.problems)
            for point in found.datapoints:
                put(
                    point.namespace,
                    point.name,
                    dict(point.dimensions),
                    point.value,
                    at=point.timestamp,
                    unit=point.unit,
                )
