"""The sandbox as one object: start it on a catalog, run workflows, break things, move time.

::

    with Sandbox.start() as sandbox:              # the embedded Alchemiser example
        sandbox.run_workflows(20)
        sandbox.inject_fault("strategy-worker", "crash")
        sandbox.run_workflows(1)
        sandbox.advance(600)
        sandbox.alarm_states()["alchemiser-dev-event-dlq-not-empty"]   # 'ALARM'
        sandbox.summary()

Time is simulated (:class:`~sandbox.clock.SimClock`), by a discrete-event scheduler. It
alternates: start everything that is visible now (each invocation runs on its own timeline from
now, in an execution environment of its function, so invocations overlap; what it sends is held
until its own time, :mod:`sandbox.scheduler`), then jump to the next thing that is due — a held
side effect or the end of a batch, a held message coming back, a scheduled job's run time
(:mod:`sandbox.scheduled_jobs`), or the next minute boundary,
where the SQS gauges are sampled, metrics flushed and alarms evaluated.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from catalog import Catalog, load_catalog
from catalog.models import Schedule, Service, Workflow
from dashboards.alarm_eval_store import InMemoryMetricStore
from dashboards.alarm_eval_timeline import StateTransition
from dashboards.alarm_eval_timing import AlarmTiming
from dashboards.facades.scheduled_job import scheduled_jobs
from sandbox import queue_metrics, workload
from sandbox.activity import Activity
from sandbox.alarms import AlarmRunner, DeployedMonitoring, deploy_monitoring
from sandbox.aws import Clients
from sandbox.clock import SimClock, iso, resolve_start, schedule_run_days
from sandbox.environments import ACCOUNT_CONCURRENCY
from sandbox.errors import SandboxError
from sandbox.eventbridge_delivery import RuleDeliveries
from sandbox.function_runner import FunctionRunner, load_handler
from sandbox.hooks import HandlerPackage, install_clock, install_ids
from sandbox.lambda_semantics import Randomness
from sandbox.ledger import QueueLedger, message_key
from sandbox.log_writer import LogRecord, LogWriter
from sandbox.metric_filters import MetricFilterRunner
from sandbox.metrics_publisher import MetricsPublisher
from sandbox.moto_server import MotoServer
from sandbox.queue_metrics import SAMPLE_PERIOD_S, QueueDepth
from sandbox.resources import Resources, ensure_resources
from sandbox.scheduled_jobs import ScheduledJobs
from sandbox.scheduler import Deferred
from sandbox.sqs_poller import AsyncInvokePoller, EventSourcePoller
from sandbox.summary import ServiceLine, Summary
from sandbox.transport import SQS_NAMESPACE, SandboxTransport

MAX_DRAIN_ROUNDS = 100_000
DEFAULT_SPACING_S = 5.0
DEFAULT_SETTLE_S = 1800.0
OBSERVER_READ_AT = 50
"""An observer queue is read into :meth:`Sandbox.notifications`' record once it holds this many
messages: moto's SQS does work in proportion to a queue's length on every send to it and every
read of its attributes, and alarms that flap for hours publish hundreds of notifications."""
FAULT_KINDS = ("fail", "crash", "slow", "duplicate", "throttle", "none")
DELIVERY_FAULT_KINDS = ("deliver-fail", "none")

_Poller = AsyncInvokePoller | EventSourcePoller
_active: Sandbox | None = None


@dataclass(frozen=True)
class SandboxSetup:
    """What setting a sandbox up on an endpoint produced: its clients, where everything is, and
    the monitoring deployed. A later sandbox on the same endpoint, once the endpoint's state is
    back to the moment this was taken (:meth:`MotoServer.restore`), starts from it instead of
    creating everything again."""

    clients: Clients
    resources: Resources
    monitoring: DeployedMonitoring | None


@dataclass(frozen=True)
class WorkflowCounts:
    started: int
    completed: int
    failed: int


def _as_catalog(catalog: Catalog | str | Path | None) -> Catalog:
    if isinstance(catalog, Catalog):
        return catalog
    return load_catalog(catalog)


def _handler_package(catalog: Catalog) -> str | None:
    for service in catalog.services:
        if service.handler and ":" in service.handler:
            return service.handler.partition(":")[0].split(".")[0]
    return None


class Sandbox:
    """The catalog's system on a moto_server endpoint, on a simulated clock."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        endpoint_url: str,
        server: MotoServer | None = None,
        seed: int = 0,
        start_time: float | None = None,
        deploy: bool = True,
        setup: SandboxSetup | None = None,
        account_concurrency: int = ACCOUNT_CONCURRENCY,
        isolate_modules: bool = True,
    ) -> None:
        """``setup``: what an earlier sandbox set up on this endpoint, whose state is back to
        that moment; nothing is created (``deploy`` is then ignored).

        ``account_concurrency``: the account's Lambda concurrency limit (AWS's default, 1,000).
        ``isolate_modules``: each execution environment imports the handlers' package afresh, so
        module-level state is per environment as on Lambda (default on; off shares one import,
        which only a test of the harness itself wants).
        """
        for service in catalog.services:  # import first: a bad handler fails before any AWS call
            if service.handler:
                load_handler(catalog, service)
        self.catalog = catalog
        self.endpoint_url = endpoint_url
        self.seed = seed
        self._server = server
        self._stopped = False
        if start_time is None:
            start_time = resolve_start(None, time.time(), schedule_run_days(catalog))
        self.clock = SimClock(start_time)
        fresh = setup is not None  # restored to the moment of set-up: moto's own states
        if setup is None:
            clients = Clients.create(endpoint_url, catalog.region)
            resources = ensure_resources(catalog, clients)
            monitoring = (
                deploy_monitoring(catalog, clients, resources.account_id) if deploy else None
            )
            setup = SandboxSetup(clients, resources, monitoring)
        self.setup = setup
        self.clients = setup.clients
        self.resources: Resources = setup.resources
        self.monitoring = setup.monitoring
        self.store = InMemoryMetricStore()
        self.metrics = MetricsPublisher(self.store, self.clients)
        self.ledger = QueueLedger()
        self.logs = LogWriter(
            self.clients, MetricFilterRunner.from_endpoint(self.clients, self.metrics).observe
        )
        self.random = Randomness(seed)
        self.deferred = Deferred()
        package = _handler_package(catalog)
        self.package = HandlerPackage(package) if package else None
        self.runner = FunctionRunner(
            catalog,
            clock=self.clock,
            randomness=self.random,
            logs=self.logs,
            metrics=self.metrics,
            account_id=self.resources.account_id,
            region=self.resources.region,
            account_concurrency=account_concurrency,
            isolate_modules=isolate_modules,
            on_new_modules=self.package.attach if self.package is not None else None,
        )
        self.activity = Activity(self.resources.queues)
        self._depths: dict[str, QueueDepth] = {}
        self.transport = SandboxTransport(
            catalog,
            clients=self.clients,
            resources=self.resources,
            clock=self.clock,
            ledger=self.ledger,
            metrics=self.metrics,
            runner=self.runner,
            activity=self.activity,
            deferred=self.deferred,
        )
        self.deliveries = RuleDeliveries(
            catalog,
            clients=self.clients,
            resources=self.resources,
            clock=self.clock,
            metrics=self.metrics,
        )
        self.transport.deliveries = self.deliveries
        self.pollers: list[_Poller] = self._make_pollers()
        self.alarms = AlarmRunner(
            self.monitoring.specs if self.monitoring else [],
            self.store,
            self.clients,
            start=self.clock.datetime(),
            account_id=self.resources.account_id,
            publish=self._publish_action,
            composites=self.monitoring.composites if self.monitoring else [],
        )
        if not fresh and self.monitoring is not None:
            self.alarms.read_mirrored()  # the endpoint may have been used by an earlier run
        self._next_sample = (self.clock.now() // SAMPLE_PERIOD_S + 1) * SAMPLE_PERIOD_S
        self.jobs = ScheduledJobs.of(catalog, self.clock.now(), set(self.resources.delivery))
        global _active
        if _active is not None and not _active._stopped:
            raise SandboxError(
                "another sandbox is running in this process (the handlers, the logger's clock "
                "and its ID source are process-wide): stop it first"
            )
        _active = self
        self._undo_clock = install_clock(self.clock)
        self._undo_ids = install_ids(self.random.random_bytes)
        if self.package is not None:
            self.package.install(self.transport, self.clock, self.runner.sleep)
            self.package.connect_state(self.clients.endpoint_url, self.clients.region)
            self.package.reset_state()
            self.package.clear_faults()
        self._observed: dict[str, list[dict[str, Any]]] = {}
        self._runs_started = 0

    # --- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        catalog: Catalog | str | Path | None = None,
        *,
        endpoint_url: str | None = None,
        seed: int = 0,
        start_time: float | None = None,
        deploy: bool = True,
        setup: SandboxSetup | None = None,
        account_concurrency: int = ACCOUNT_CONCURRENCY,
        isolate_modules: bool = True,
    ) -> Sandbox:
        """Start moto_server (unless ``endpoint_url`` names a running one) and set everything up
        (or take ``setup``, see :class:`Sandbox`)."""
        loaded = _as_catalog(catalog)
        server: MotoServer | None = None
        if endpoint_url is None:
            server = MotoServer().start()
            endpoint_url = server.endpoint_url
        try:
            return cls(
                loaded,
                endpoint_url=endpoint_url,
                server=server,
                seed=seed,
                start_time=start_time,
                deploy=deploy,
                setup=setup,
                account_concurrency=account_concurrency,
                isolate_modules=isolate_modules,
            )
        except BaseException:
            if server is not None:
                server.stop()
            raise

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            self.flush()
        finally:
            if self.package is not None:
                self.package.uninstall()
            self._undo_clock()
            self._undo_ids()
            if self._server is not None:
                self._server.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- driving it -----------------------------------------------------------------------------

    def run_workflows(
        self,
        n: int,
        *,
        spacing_s: float = DEFAULT_SPACING_S,
        settle_s: float = DEFAULT_SETTLE_S,
        workflow: str | None = None,
        flush: bool = True,
        detail: dict[str, Any] | None = None,
    ) -> WorkflowCounts:
        """Start ``n`` workflows ``spacing_s`` apart, then run until idle (at most ``settle_s``).

        ``detail``: the schedule's input, in the scheduled event's ``detail``. ``flush``: as for
        :meth:`advance` (a caller that advances right after may skip it).
        """
        if n < 0:
            raise SandboxError(f"run_workflows: n must be >= 0, got {n}")
        plan = workload.plan_runs(self.catalog, n, workflow)
        for index, flow in enumerate(plan):
            self.start_run(flow, detail=detail)
            if index < n - 1 and spacing_s > 0:
                self.advance(spacing_s, flush=False)
        self.settle(settle_s, flush=flush)
        return self.workflow_counts()

    def start_run(self, flow: Workflow, *, detail: dict[str, Any] | None = None) -> None:
        """Start one run of ``flow`` the way the catalog says it starts (see
        :mod:`sandbox.workload`); ``detail`` replaces the start's payload (a schedule's input)."""
        start = workload.workflow_entry(self.catalog, flow)
        self._runs_started += 1
        now = iso(self.clock.now())
        payload = workload.fill_payload(
            detail if detail is not None else start.payload,
            new_id=self.random.request_id,
            n=self._runs_started,
            now=now,
        )
        if start.kind == "schedule":
            self.invoke_schedule(start.schedule or str(flow.schedule), detail=payload)
        elif start.kind in ("direct", "api"):
            service = str(start.service)
            event = payload
            if start.kind == "api":
                event = workload.api_proxy_event(
                    start,
                    payload,
                    request_id=self.random.request_id(),
                    account=self.resources.account_id,
                    when=now,
                )
            self.runner.invoke(service, event, "direct")
        elif start.kind == "queue":
            queue = self.resources.queue(str(start.queue))
            body = json.dumps(payload, separators=(",", ":"))
            extra: dict[str, Any] = {}
            if queue.fifo:
                extra = {
                    "MessageGroupId": str(payload.get("message_group_id") or flow.name)
                    if isinstance(payload, dict)
                    else flow.name,
                    "MessageDeduplicationId": self.random.request_id(),
                }
            self.clients.sqs.send_message(QueueUrl=queue.url, MessageBody=body, **extra)
            self.transport.sent_to_queue(queue.name, message_key(body), self.clock.now())
        else:  # event
            event_type = start.detail_type or flow.start_event
            self.transport.put_event(
                source=start.source or f"{self.catalog.system}.external",
                detail_type=event_type,
                detail=workload.first_event_detail(
                    payload if isinstance(payload, dict) else {"payload": payload},
                    event_type=event_type,
                    new_id=self.random.request_id,
                    now=now,
                ),
            )

    def invoke_schedule(self, name: str, *, detail: dict[str, Any] | None = None) -> None:
        """Invoke schedule ``name``'s target now, as EventBridge Scheduler does at a run time:
        one scheduled event, asynchronously (a drill runs a scheduled job this way; the job also
        runs by itself at each run time the clock passes)."""
        try:
            schedule = self.catalog.schedule(name)
        except KeyError as error:
            raise SandboxError(str(error.args[0])) from None
        workload.start_workflow(
            schedule,
            clients=self.clients,
            resources=self.resources,
            transport=self.transport,
            clock=self.clock,
            randomness=self.random,
            detail=detail,
        )

    def scheduled_jobs(self) -> list[tuple[Schedule, Service]]:
        """The catalog's scheduled jobs (schedules that start no workflow) the sandbox runs at
        their run times, with the service each invokes."""
        return [(s, job) for s, job in scheduled_jobs(self.catalog) if s in self.jobs.schedules]

    def settle(self, max_seconds: float = DEFAULT_SETTLE_S, *, flush: bool = True) -> float:
        """Run until nothing is held for a retry (or ``max_seconds`` pass); returns seconds run."""
        began = self.clock.now()
        self._drain()
        while not self.idle() and self.clock.now() - began < max_seconds:
            due = [p.next_release() for p in self.pollers] + [
                self.deliveries.next_due(),
                self.deferred.next_due(),
            ]
            upcoming = min((d for d in due if d is not None), default=self.clock.now())
            step = max(0.0, min(upcoming, began + max_seconds) - self.clock.now()) + 0.001
            self.advance(step, flush=False)
        if flush:
            self.flush()
        return self.clock.now() - began

    def idle(self) -> bool:
        """Nothing held for a retry (no message, no failing rule's event) and nothing an
        invocation sent still waiting for its time."""
        return (
            all(p.held == 0 for p in self.pollers)
            and self.deliveries.pending == 0
            and len(self.deferred) == 0
        )

    def advance(self, seconds: float, *, flush: bool = True) -> None:
        """Move the simulated clock ``seconds`` forward, running whatever falls due.

        ``flush``: send buffered logs and metrics and mirror alarm states at the end (the store
        the alarms read is always current; the endpoint only needs to be before anyone looks).
        """
        if seconds < 0:
            raise SandboxError(f"advance: seconds must be >= 0, got {seconds}")
        target = self.clock.now() + seconds
        while True:
            self._drain()
            self._catch_up()
            if self.clock.now() >= target:
                break
            due = [p.next_release() for p in self.pollers] + [
                self.deliveries.next_due(),
                self.deferred.next_due(),
            ]
            due.append(self.jobs.next_due())
            candidates = [d for d in due if d is not None] + [self._next_sample, target]
            self.clock.advance_to(min(max(c, self.clock.now()) for c in candidates))
            for schedule in self.jobs.due(self.clock.now()):
                self.invoke_schedule(schedule.name)
            for poller in self.pollers:
                poller.release_due(self.clock.now())
            if self.deliveries.run_due():
                self.transport.collect_deliveries()
        if flush:
            self.flush()

    def inject_fault(self, name: str, kind: str, *, target: str = "service") -> None:
        """Break something until :meth:`clear_faults` (or kind ``none``).

        ``target="service"``: fail, crash, slow[:S], duplicate (the handlers' fault switch) or
        throttle (reserved concurrency 0). ``target="rule"``: ``deliver-fail[:REASON]`` (see
        :data:`sandbox.eventbridge_delivery.REASONS`); ``"topic"``: ``deliver-fail``
        (EventBridge cannot deliver to the rule's targets; SNS cannot deliver to the topic's
        subscribers).
        """
        if target == "rule":
            self.deliveries.rule(name)
            if kind == "none":
                self.deliveries.restore(name)
            else:
                self.deliveries.fail(name, kind)
            return
        if target == "topic":
            self._delivery_fault(kind)
            try:
                self.catalog.topic(name)
            except KeyError as error:
                raise SandboxError(str(error.args[0])) from None
            if kind == "none":
                self.transport.failing_topics.discard(name)
            else:
                self.transport.failing_topics.add(name)
            return
        if target != "service":
            raise SandboxError(
                f"inject_fault: target must be service, rule or topic, got {target!r}"
            )
        self.runner.service(name)
        mode = kind.partition(":")[0].strip().lower()
        if mode not in FAULT_KINDS:
            raise SandboxError(
                f"inject_fault: unknown kind {kind!r}; expected one of {FAULT_KINDS}"
            )
        original = next(s for s in self.catalog.services if s.name == name)
        if mode == "throttle":
            self.runner.set_reserved_concurrency(name, 0)
            return
        self.runner.set_reserved_concurrency(name, original.reserved_concurrency)
        if self.package is None:
            raise SandboxError("inject_fault: the catalog's handlers offer no fault switch")
        try:
            self.package.set_fault(name, "none" if mode == "none" else kind)
        except ValueError as error:
            raise SandboxError(str(error)) from None

    @staticmethod
    def _delivery_fault(kind: str) -> None:
        if kind not in DELIVERY_FAULT_KINDS:
            raise SandboxError(
                f"inject_fault: unknown kind {kind!r} for a rule or topic; "
                f"expected one of {DELIVERY_FAULT_KINDS}"
            )

    def clear_faults(self) -> None:
        for service in self.catalog.services:
            self.runner.set_reserved_concurrency(service.name, service.reserved_concurrency)
        if self.package is not None:
            self.package.clear_faults()
        self.deliveries.restore_all()
        self.transport.failing_topics.clear()

    def drain_queue(self, name: str) -> int:
        """Receive and delete every message in queue ``name`` (e.g. a DLQ after triage)."""
        return len(self.read_queue(name, delete=True))

    def read_queue(self, name: str, *, delete: bool) -> list[dict[str, Any]]:
        """``delete``: receive and delete everything; else peek at up to 10 messages (they stay
        visible). Either way the sandbox's bookkeeping (ledger, SQS metrics) follows."""
        queue = self.resources.queue(name)
        self.activity.touched(name)
        self.transport.send_notifications()  # an observer queue gets what was published
        got: list[dict[str, Any]] = []
        while True:
            messages = self.clients.sqs.receive_message(
                QueueUrl=queue.url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                VisibilityTimeout=0 if not delete else 30,
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                break
            got.extend(messages)
            now = self.clock.now()
            if not delete:
                break
            response = self.clients.sqs.delete_message_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
            if response.get("Failed"):
                raise SandboxError(f"DeleteMessageBatch on {name!r}: {response['Failed']}")
            for message in messages:
                self.ledger.removed(name, message_key(message["Body"]))
            dims = {"QueueName": name}
            self.metrics.put(SQS_NAMESPACE, "NumberOfMessagesReceived", dims, len(messages), at=now)
            self.metrics.put(SQS_NAMESPACE, "NumberOfMessagesDeleted", dims, len(messages), at=now)
        return got

    def flush(self) -> None:
        """Send buffered log events and metrics to the endpoint and mirror alarm states.

        This hands the endpoint over (a drill flushes before each runbook command): whatever
        happens to the queues until the sandbox runs again is unknown to it, so the next sample
        re-reads every queue (:meth:`Activity.handed_over`).
        """
        self.transport.send_notifications()
        self.logs.flush()
        self.metrics.flush()
        self.alarms.mirror()
        self.activity.handed_over()
        self.deliveries.handed_over()  # replays run on this clock (sandbox.replay_clock)

    # --- reading it -----------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The simulated clock."""
        return self.clock.datetime()

    def alarm_states(self) -> dict[str, str]:
        """Every alarm's state as the sandbox evaluated it (the truth; moto holds a mirror)."""
        return self.alarms.states()

    def composite_children(self) -> dict[str, tuple[str, ...]]:
        """Each composite alarm → the alarms its rule reads."""
        return self.alarms.evaluator.composite_children()

    @property
    def alarm_timing(self) -> AlarmTiming:
        """When alarms are evaluated and how late datapoints reach them."""
        return self.alarms.timing

    def alarm_history(self, name: str) -> list[StateTransition]:
        """The alarm's state changes, oldest first, with simulated timestamps and reasons."""
        return self.alarms.evaluator.history(name)

    def notifications(self, topic: str | None = None) -> list[dict[str, Any]]:
        """Every message published to ``topic`` (default: the alerts topic), oldest first.

        Read back from the topic's observer queue, so this is what a subscriber really got.
        """
        name = topic or self.catalog.notifications.alerts_topic
        observer = self.resources.observers.get(name)
        if observer is None:
            raise SandboxError(f"no topic {name!r} with an observer queue in the sandbox")
        self._read_observer(name, observer)
        return list(self._observed.get(name, []))

    def queue_depths(self) -> dict[str, QueueDepth]:
        return {
            name: queue_metrics.queue_depth(self.clients, info.url)
            for name, info in self.resources.queues.items()
        }

    def workflow_counts(self, workflow: str | None = None) -> WorkflowCounts:
        flows = [w for w in self.catalog.workflows if workflow is None or w.name == workflow]
        started: set[str] = set()
        completed: set[str] = set()
        failed: set[str] = set()
        for event in self.transport.published:
            correlation = str(event.detail.get("correlation_id"))
            for flow in flows:
                if event.detail_type == flow.start_event:
                    started.add(correlation)
                elif event.detail_type == flow.success_event:
                    completed.add(correlation)
                elif event.detail_type in flow.failure_events:
                    failed.add(correlation)
        return WorkflowCounts(len(started), len(completed), len(failed - completed))

    def alarm_transitions(self) -> dict[str, int]:
        """Per alarm, how often it went into or out of ALARM on this sandbox's clock (the
        evaluator's first move out of INSUFFICIENT_DATA into OK is not counted)."""
        counts: dict[str, int] = {}
        for name in self.alarms.states():
            history = self.alarms.evaluator.history(name)
            counts[name] = sum(1 for t in history if "ALARM" in (t.old_state, t.new_state))
        return counts

    def correlation_ids(self) -> list[str]:
        """Every workflow's correlation id, in the order they started."""
        starts = {w.start_event for w in self.catalog.workflows}
        seen: list[str] = []
        for event in self.transport.published:
            correlation = str(event.detail.get("correlation_id"))
            if event.detail_type in starts and correlation not in seen:
                seen.append(correlation)
        return seen

    def workflow_lines(self, correlation_id: str) -> list[LogRecord]:
        return self.logs.records_of(correlation_id)

    def summary(self) -> Summary:
        services = [
            ServiceLine(
                name,
                stats.invocations,
                stats.errors,
                stats.throttles,
            )
            for name, stats in self.runner.stats.items()
        ]
        return Summary(
            now=datetime.fromtimestamp(self.clock.now(), tz=UTC),
            workflows=self.workflow_counts(),
            services=services,
            queues=self.queue_depths(),
            alarms=self.alarm_states(),
            notifications=len(self.alarms.notifications),
            dlqs=frozenset(q.name for q in self.catalog.dlqs()),
        )

    # --- internals ------------------------------------------------------------------------------

    def _make_pollers(self) -> list[_Poller]:
        pollers: list[_Poller] = []
        shared: dict[str, Any] = {
            "clients": self.clients,
            "clock": self.clock,
            "runner": self.runner,
            "ledger": self.ledger,
            "metrics": self.metrics,
            "transport": self.transport,
            "resources": self.resources,
            "activity": self.activity,
            "deferred": self.deferred,
        }
        for service in self.catalog.services:
            if service.name in self.resources.delivery:
                queue = self.resources.queue(self.resources.delivery[service.name])
                pollers.append(AsyncInvokePoller(service, queue, **shared))
            if service.trigger == "sqs" and service.queue:
                pollers.append(
                    EventSourcePoller(service, self.resources.queue(service.queue), **shared)
                )
        return pollers

    def _drain(self) -> None:
        """Start everything visible now, and release what falls due now, until nothing does."""
        for _ in range(MAX_DRAIN_ROUNDS):
            work = sum(poller.poll() for poller in self.pollers)
            released = self.deferred.run_due(self.clock.now())
            if released:
                self.transport.flush()
            self._catch_up()
            if work == 0 and released == 0:
                return
        raise SandboxError(f"more than {MAX_DRAIN_ROUNDS} rounds of deliveries: an event loop?")

    def _catch_up(self) -> None:
        """Sample, flush and evaluate every minute boundary the clock has passed."""
        while self._next_sample <= self.clock.now():
            boundary = self._next_sample
            queue_metrics.sample_queues(
                self.clients,
                self.resources,
                self.ledger,
                self.metrics,
                boundary,
                activity=self.activity,
                last=self._depths,
            )
            self.transport.release_failures(boundary)
            self.alarms.advance_to(datetime.fromtimestamp(boundary, tz=UTC))
            self.transport.send_notifications()  # the alarm actions' messages, batched
            self._read_full_observers()
            self._next_sample = boundary + SAMPLE_PERIOD_S

    def _read_observer(self, topic: str, observer: str) -> None:
        """Move what the observer queue got into :meth:`notifications`' record, oldest first."""
        seen = self._observed.setdefault(topic, [])
        for message in self.read_queue(observer, delete=True):
            envelope = json.loads(message["Body"])
            text = envelope.get("Message", "")
            try:
                body: Any = json.loads(text)
            except json.JSONDecodeError:
                body = text
            seen.append({"Subject": envelope.get("Subject"), "Message": body})

    def _read_full_observers(self) -> None:
        for topic, observer in self.resources.observers.items():
            if self.ledger.count(observer) >= OBSERVER_READ_AT:
                self._read_observer(topic, observer)

    def _publish_action(self, action: str, subject: str, message: str) -> bool:
        for topic, arn in self.resources.topics.items():
            if arn == action:
                self.transport.publish_to_topic(topic, subject, message)
                return True
        return False
