"""Alarm evaluation over simulated time: step a clock, fetch each period's statistic, evaluate,
record state transitions and fire actions on changes only.

Semantics (AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):

- A new alarm starts in INSUFFICIENT_DATA. Updating an existing alarm (:meth:`put_alarm` with the
  same name) keeps its state, as PutMetricAlarm does.
- When an alarm is evaluated follows its timing model (:mod:`dashboards.alarm_eval_timing`). As
  on AWS (the default, :data:`~dashboards.alarm_eval_timing.AWS_TIMING`'s schedule): every
  minute (every 10 s for a period under a minute), over a sliding window, the newest period of
  an evaluation at ``t`` being [t - period, t). ``per-period`` evaluates each epoch-aligned
  period once, when it ends (a lower bound on detection time).
- An evaluation at ``t`` reads only the datapoints visible at ``t`` (``as_of``): a datapoint
  whose ingestion delay has not passed is not there yet, as on CloudWatch.
- The evaluation range is N + ``extra_periods`` periods (default 2): AWS says only that it reads
  "a higher number of data points than specified by Evaluation Periods" and its worked tables use
  a range of 5 for N = 3, which N + 2 reproduces.
- "Alarms invoke actions for sustained state changes only": actions fire only on a transition,
  to the list of the new state (AlarmActions, OKActions, InsufficientDataActions), through the
  ``notify`` callable the caller passes (the sandbox publishes to SNS with it).
- Metric math alarms compute every MetricStat for each period, then the expressions (which may
  refer to each other), and compare the query with ReturnData true.
- Composite alarms (:mod:`dashboards.alarm_eval_composite`) are evaluated right after the metric
  alarms of the same moment, whenever one of them has been evaluated: ALARM when the rule is TRUE,
  else OK, with their own transitions and actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dashboards.alarm_eval import INSUFFICIENT_DATA, Decision, decide
from dashboards.alarm_eval_composite import CompositeSpec, rule_state, true_children
from dashboards.alarm_eval_reason import state_reason
from dashboards.alarm_eval_spec import AlarmSpec, MetricQuery
from dashboards.alarm_eval_store import MetricStore, epoch_seconds
from dashboards.alarm_eval_timing import AWS_TIMING, AlarmTiming

__all__ = ["AlarmEvaluator", "AlarmNotification", "Notify", "StateTransition"]


@dataclass(frozen=True)
class StateTransition:
    """One change of an alarm's state, as DescribeAlarmHistory would show it."""

    alarm_name: str
    timestamp: datetime
    old_state: str
    new_state: str
    reason: str


@dataclass(frozen=True)
class AlarmNotification:
    """One action to run for one transition: ``action`` is the ARN (an SNS topic, usually)."""

    action: str
    alarm_name: str
    timestamp: datetime
    old_state: str
    new_state: str
    reason: str


Notify = Callable[[AlarmNotification], None]


@dataclass
class _Tracked:
    spec: AlarmSpec
    state: str
    next_tick: float
    decision: Decision | None = None


@dataclass
class _Composite:
    spec: CompositeSpec
    state: str


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class AlarmEvaluator:
    """Evaluates alarms against a metric store as a simulated clock moves forward."""

    def __init__(
        self,
        store: MetricStore,
        alarms: Iterable[AlarmSpec] = (),
        *,
        start: datetime,
        notify: Notify | None = None,
        extra_periods: int = 2,
        timing: AlarmTiming = AWS_TIMING,
        composites: Iterable[CompositeSpec] = (),
    ) -> None:
        if extra_periods < 0:
            raise ValueError(f"extra_periods: must be >= 0, got {extra_periods}")
        self._store = store
        self._notify = notify
        self._extra = extra_periods
        self.timing = timing
        self._now = epoch_seconds(start, "start")
        self._alarms: dict[str, _Tracked] = {}
        self._composites: dict[str, _Composite] = {}
        self._transitions: list[StateTransition] = []
        for spec in alarms:
            self.put_alarm(spec)
        for composite in composites:
            self.put_composite_alarm(composite)

    @property
    def now(self) -> datetime:
        """The simulated clock."""
        return _at(self._now)

    def put_alarm(self, spec: AlarmSpec) -> None:
        """Create an alarm (in INSUFFICIENT_DATA) or update one (keeping its state)."""
        if spec.name in self._composites:
            raise ValueError(f"AlarmName: {spec.name!r} is already a composite alarm")
        tracked = self._alarms.get(spec.name)
        interval = self.timing.interval(spec.evaluation_period)
        next_tick = (self._now // interval + 1) * interval
        if tracked is None:
            self._alarms[spec.name] = _Tracked(spec, INSUFFICIENT_DATA, next_tick)
        else:
            tracked.spec, tracked.next_tick = spec, next_tick

    def put_composite_alarm(self, spec: CompositeSpec) -> None:
        """Create a composite alarm (in INSUFFICIENT_DATA until its first evaluation) or update
        one (keeping its state). A rule that reads itself, directly or through other
        composites, is refused as PutCompositeAlarm refuses it."""
        if spec.name in self._alarms:
            raise ValueError(f"AlarmName: {spec.name!r} is already a metric alarm")
        self._check_no_cycle(spec)
        current = self._composites.get(spec.name)
        state = INSUFFICIENT_DATA if current is None else current.state
        self._composites[spec.name] = _Composite(spec, state)

    def _check_no_cycle(self, spec: CompositeSpec) -> None:
        rules = {name: c.spec.children for name, c in self._composites.items()}
        rules[spec.name] = spec.children
        path: list[str] = []

        def visit(name: str) -> None:
            if name in path:
                cycle = " -> ".join([*path[path.index(name) :], name])
                raise ValueError(f"composite alarm {spec.name!r}: AlarmRule forms a cycle: {cycle}")
            path.append(name)
            for child in rules.get(name, ()):
                visit(child)
            path.pop()

        visit(spec.name)

    def composite_children(self) -> dict[str, tuple[str, ...]]:
        """Each composite alarm's name → the alarms its rule reads."""
        return {name: c.spec.children for name, c in sorted(self._composites.items())}

    def delete_alarm(self, name: str) -> None:
        """Forget an alarm, metric or composite (its past transitions stay in the history)."""
        if name in self._composites:
            del self._composites[name]
            return
        self._tracked(name)
        del self._alarms[name]

    def state(self, name: str) -> str:
        """The alarm's current state (metric or composite)."""
        if name in self._composites:
            return self._composites[name].state
        return self._tracked(name).state

    def states(self) -> dict[str, str]:
        """Every alarm's current state, metric and composite, by name."""
        found = {name: tracked.state for name, tracked in self._alarms.items()}
        found.update({name: c.state for name, c in self._composites.items()})
        return dict(sorted(found.items()))

    def last_decision(self, name: str) -> Decision | None:
        """How the latest evaluation of the alarm decided (None before the first)."""
        return self._tracked(name).decision

    @property
    def transitions(self) -> list[StateTransition]:
        """Every state transition so far, in order."""
        return list(self._transitions)

    def history(self, name: str) -> list[StateTransition]:
        """The alarm's transitions, oldest first."""
        return [t for t in self._transitions if t.alarm_name == name]

    def advance(self, seconds: float) -> list[StateTransition]:
        """Move the clock forward by ``seconds``; see :meth:`advance_to`."""
        return self.advance_to(self.now + timedelta(seconds=seconds))

    def advance_to(self, until: datetime) -> list[StateTransition]:
        """Run every evaluation due up to ``until`` (inclusive), in time order, and return the
        transitions they made."""
        end = epoch_seconds(until, "until")
        if end < self._now:
            raise ValueError(f"until: {until} is before the clock ({self.now})")
        made: list[StateTransition] = []
        while True:
            ticks = [t.next_tick for t in self._alarms.values() if t.next_tick <= end]
            if not ticks:
                break
            tick = min(ticks)
            for name in sorted(self._alarms):
                tracked = self._alarms[name]
                if tracked.next_tick != tick:
                    continue
                tracked.next_tick = tick + self.timing.interval(tracked.spec.evaluation_period)
                transition = self._evaluate(tracked, tick)
                if transition is not None:
                    made.append(transition)
            made.extend(self._evaluate_composites(tick))
        self._now = end
        return made

    def _evaluate_composites(self, tick: float) -> list[StateTransition]:
        """Every composite, until none changes (a composite may read another composite)."""
        made: list[StateTransition] = []
        for _ in range(len(self._composites) + 1):
            changed = False
            for name in sorted(self._composites):
                composite = self._composites[name]
                states = self.states()
                new_state = rule_state(composite.spec.tree, states)
                if new_state == composite.state:
                    continue
                evidence = true_children(composite.spec.tree, states)
                reason = f"{name} AlarmRule {'TRUE' if new_state == 'ALARM' else 'FALSE'}: " + (
                    ", ".join(evidence) or "no child in the state the rule reads"
                )
                made.append(self._transition(name, composite, tick, new_state, reason))
                changed = True
            if not changed:
                break
        return made

    def _transition(
        self, name: str, composite: _Composite, tick: float, new_state: str, reason: str
    ) -> StateTransition:
        transition = StateTransition(name, _at(tick), composite.state, new_state, reason)
        composite.state = new_state
        self._transitions.append(transition)
        if self._notify is not None:
            for action in composite.spec.actions_for(new_state):
                self._notify(
                    AlarmNotification(
                        action=action,
                        alarm_name=name,
                        timestamp=transition.timestamp,
                        old_state=transition.old_state,
                        new_state=new_state,
                        reason=reason,
                    )
                )
        return transition

    def datapoints(self, name: str, at: datetime) -> list[float | None]:
        """The evaluation range the alarm would read at ``at``, oldest first."""
        tracked = self._tracked(name)
        return self._range(tracked.spec, epoch_seconds(at, "at"))

    def _tracked(self, name: str) -> _Tracked:
        try:
            return self._alarms[name]
        except KeyError:
            raise KeyError(f"no alarm named {name!r}") from None

    def _range_starts(self, spec: AlarmSpec, tick: float) -> list[float]:
        period = spec.evaluation_period
        length = spec.evaluation_periods + self._extra
        return [tick - (length - k) * period for k in range(length)]

    def _range(self, spec: AlarmSpec, tick: float) -> list[float | None]:
        period = spec.evaluation_period
        as_of = _at(tick)
        return [self._datapoint(spec, s, s + period, as_of) for s in self._range_starts(spec, tick)]

    def _datapoint(
        self, spec: AlarmSpec, start: float, end: float, as_of: datetime
    ) -> float | None:
        if not spec.metrics:
            return self._store.statistic(
                str(spec.namespace),
                str(spec.metric_name),
                dict(spec.dimensions),
                _at(start),
                _at(end),
                str(spec.statistic),
                as_of=as_of,
            )
        return _MathPeriod(self._store, spec.metrics, _at(start), _at(end), as_of).value()

    def _evaluate(self, tracked: _Tracked, tick: float) -> StateTransition | None:
        spec = tracked.spec
        starts = self._range_starts(spec, tick)
        decision = decide(
            self._range(spec, tick),
            threshold=spec.threshold,
            comparison_operator=spec.comparison_operator,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.required_breaches,
            treat_missing_data=spec.treat_missing_data,
            current_state=tracked.state,
        )
        tracked.decision = decision
        if decision.state == tracked.state:
            return None
        period = spec.evaluation_period

        def period_start(index: int) -> datetime:
            return _at(starts[0] + index * period)

        reason = state_reason(
            decision,
            old_state=tracked.state,
            comparison_operator=spec.comparison_operator,
            threshold=spec.threshold,
            period_start=period_start,
        )
        transition = StateTransition(spec.name, _at(tick), tracked.state, decision.state, reason)
        tracked.state = decision.state
        self._transitions.append(transition)
        if self._notify is not None:
            for action in spec.actions_for(decision.state):
                self._notify(
                    AlarmNotification(
                        action=action,
                        alarm_name=spec.name,
                        timestamp=transition.timestamp,
                        old_state=transition.old_state,
                        new_state=transition.new_state,
                        reason=reason,
                    )
                )
        return transition


class _MathPeriod:
    """One period of a metric-math alarm: metrics fetched once, expressions resolved by id."""

    def __init__(
        self,
        store: MetricStore,
        queries: tuple[MetricQuery, ...],
        start: datetime,
        end: datetime,
        as_of: datetime,
    ) -> None:
        self._store = store
        self._queries = {query.id: query for query in queries}
        self._start, self._end, self._as_of = start, end, as_of
        self._values: dict[str, float | None] = {}
        self._resolving: list[str] = []

    def value(self) -> float | None:
        returned = next(q.id for q in self._queries.values() if q.return_data)
        return self._resolve(returned)

    def _resolve(self, query_id: str) -> float | None:
        if query_id in self._values:
            return self._values[query_id]
        if query_id in self._resolving:
            cycle = " -> ".join([*self._resolving, query_id])
            raise ValueError(f"metrics: expressions refer to each other in a cycle: {cycle}")
        query = self._queries[query_id]
        self._resolving.append(query_id)
        stat = query.metric_stat
        value: float | None
        if stat is not None:
            value = self._store.statistic(
                stat.namespace,
                stat.metric_name,
                dict(stat.dimensions),
                self._start,
                self._end,
                stat.stat,
                as_of=self._as_of,
            )
        else:
            expression = query.parsed
            if expression is None:  # a query is a metric or an expression (checked by MetricQuery)
                raise ValueError(f"metrics[{query_id}]: neither a metric nor an expression")
            inputs = {i: self._resolve(i) for i in sorted(expression.ids)}
            value = expression.evaluate(inputs, self._start)
        self._resolving.pop()
        self._values[query_id] = value
        return value
