"""Run a catalog function's handler in process, the way Lambda runs it, and record what it did.

One call of :meth:`FunctionRunner.invoke` is one Lambda invocation:

- reserved concurrency 0 means every invocation is throttled: the handler does not run and
  Throttles counts it (AWS/Lambda metrics documentation: "Throttles: the number of invocation
  requests that are throttled"); what becomes of a refused asynchronous event (given up at once,
  not retried) is the async poller's business (:mod:`sandbox.sqs_poller`);
- the first invocation of a function is its cold start: a new execution environment (a new log
  stream), an ``Init Duration`` in its REPORT line and ``cold_start: true`` on its lines;
- the handler gets a Lambda-shaped context whose remaining time follows the simulated clock; its
  lines are captured with the simulated time they were written at;
- the invocation lasts the modelled work time plus whatever the handler slept on the simulated
  clock; if that passes the function's timeout, the invocation is a timeout (the sleeper raises
  :class:`InvocationTimeout` at the deadline, so no work after it happens);
- START, the handler's lines, the runtime's ``[ERROR]`` line for an unhandled exception (or the
  ``Task timed out`` line), END and REPORT go to the function's log group;
- AWS/Lambda Invocations, Errors, Throttles, Duration and ConcurrentExecutions are published,
  and the EMF metrics in the handler's lines are extracted (:mod:`sandbox.emf`).
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from catalog.models import Catalog, Service
from sandbox import emf, lambda_semantics
from sandbox.clock import SimClock, iso
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
class _Environment:
    log_stream: str
    created: float


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


def load_handler(catalog: Catalog, service: Service) -> Callable[..., Any]:
    """Import ``module:function`` with the catalog's folder on ``sys.path``."""
    where = f"{catalog.source_file}: service {service.name!r}"
    if not service.handler or ":" not in service.handler:
        raise SandboxError(f"{where}: handler must be 'module:function', got {service.handler!r}")
    module_name, _, attribute = service.handler.partition(":")
    if catalog.source_file != "<catalog>":
        folder = str(Path(catalog.source_file).resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
    try:
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
    return handler


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
    ) -> None:
        self.catalog = catalog
        self.functions = {s.name: s for s in catalog.services}
        self._clock = clock
        self._random = randomness
        self._logs = logs
        self._metrics = metrics
        self._account = account_id
        self._region = region
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._environments: dict[str, _Environment] = {}
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
        found = self._handlers.get(service.name)
        if found is None:
            found = self._handlers[service.name] = load_handler(self.catalog, service)
        return found

    def is_throttled(self, service: str) -> bool:
        return self.functions[service].reserved_concurrency == 0

    def set_reserved_concurrency(self, service: str, value: int | None) -> None:
        current = self.service(service)
        self.functions[service] = current.model_copy(update={"reserved_concurrency": value})

    def sleep(self, seconds: float) -> None:
        """The handlers' sleeper: move the clock; stop at the deadline of a running invocation."""
        if self._deadline is not None and self._clock.now() + seconds >= self._deadline:
            self._clock.advance_to(self._deadline)
            raise InvocationTimeout()
        self._clock.advance(seconds)

    def throttle(self, service: str, trigger: str) -> Invocation:
        """Record a throttled invocation request (the handler does not run)."""
        now = self._clock.now()
        fn = self.functions[service]
        invocation = Invocation(service, "", trigger, now, throttled=True)
        self.invocations.append(invocation)
        self.stats[service].throttles += 1
        self._metrics.put(LAMBDA_NAMESPACE, "Throttles", self._dims(fn), 1, at=now)
        return invocation

    def invoke(self, service_name: str, event: Any, trigger: str) -> Invocation:
        fn = self.service(service_name)
        if fn.reserved_concurrency == 0:
            return self.throttle(service_name, trigger)
        handler = self.handler(fn)
        request_id = self._random.request_id()
        cold = service_name not in self._environments
        init_ms: float | None = None
        if cold:
            init_ms = self._random.init_ms()
            day = datetime.fromtimestamp(self._clock.now(), tz=UTC).strftime("%Y/%m/%d")
            stream = lambda_semantics.log_stream_name(day, self._random.container_id())
            self._environments[service_name] = _Environment(stream, self._clock.now())
            self._clock.advance(init_ms / 1000.0)
        environment = self._environments[service_name]
        started = self._clock.now()
        invocation = Invocation(
            service_name, request_id, trigger, started, event=event, cold_start=cold
        )
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
            with CapturedInvocation(capture, service_name, cold):
                invocation.response = handler(event, context)
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
        # Invocations run one at a time in the sandbox: one concurrent execution while it runs.
        put(LAMBDA_NAMESPACE, "ConcurrentExecutions", dims, 1, at=at)
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
