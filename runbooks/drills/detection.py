"""The detection half of a drill: inject the scenario's fault, run its workload, advance the
simulated clock minute by minute, and see which alarms fire and when.

The result says whether every expected alarm fired within the detection budget and which other
alarms fired (noise: an alarm that fires for a fault it does not describe sends the operator to
the wrong section). Alarms already in ALARM before the fault are the baseline and not counted.
Firing is read from each alarm's state history, not from its current state: an alarm whose data
stops after the fault (missing data → INSUFFICIENT_DATA) may have fired and left ALARM between two
looks.
A composite alarm that fired because one of the alarms its rule reads fired, and that alarm is
expected or tolerated, is a consequence too, not noise (:func:`explained_composites`): the
sandbox evaluates composite alarms as CloudWatch does, so the workflow's "unhealthy" alarm fires
whenever one of its children does.
Times are simulated seconds since the fault was injected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from runbooks.scenarios.model import Drill, Fault

STEP_S = 60


class DrillSandbox(Protocol):
    """What detection needs from :class:`sandbox.Sandbox`."""

    def inject_fault(self, name: str, kind: str, *, target: str = "service") -> None: ...

    def clear_faults(self) -> None: ...

    def advance(self, seconds: float, *, flush: bool = True) -> None: ...

    def alarm_states(self) -> dict[str, str]: ...

    def alarm_history(self, name: str) -> Sequence[_Transition]: ...

    def composite_children(self) -> Mapping[str, tuple[str, ...]]: ...

    def run_workflows(
        self,
        n: int,
        *,
        spacing_s: float = ...,
        settle_s: float = ...,
        workflow: str | None = ...,
        flush: bool = ...,
    ) -> object: ...

    @property
    def clock(self) -> _Clock: ...


class _Clock(Protocol):
    def now(self) -> float: ...


class _Transition(Protocol):
    @property
    def timestamp(self) -> datetime: ...

    @property
    def new_state(self) -> str: ...


def explained_composites(
    fired: Iterable[str], allowed: Iterable[str], children: Mapping[str, Sequence[str]]
) -> set[str]:
    """The composite alarms among ``fired`` that one of their allowed, fired children explains
    (through other composites too: a composite explained that way explains its parents)."""
    fired_set = set(fired)
    explained: set[str] = set()
    known = set(allowed) & fired_set
    while True:
        more = {
            name
            for name, kids in children.items()
            if name in fired_set and name not in explained and known.intersection(kids)
        }
        if not more:
            return explained
        explained |= more
        known |= more


@dataclass
class DetectionResult:
    expected: tuple[str, ...]
    fired: dict[str, float] = field(default_factory=dict)
    """Alarm → simulated seconds after the fault when it went to ALARM."""
    tolerated: tuple[str, ...] = ()
    """Alarms that may fire as a consequence (``Drill.may_fire``): not noise."""
    budget_s: int = 0
    composites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Composite alarm → the alarms its rule reads."""

    @property
    def missing(self) -> list[str]:
        return [a for a in self.expected if a not in self.fired]

    @property
    def unexpected(self) -> list[str]:
        allowed = {*self.expected, *self.tolerated}
        allowed |= explained_composites(self.fired, allowed, self.composites)
        return sorted(a for a in self.fired if a not in allowed)

    @property
    def detected_after_s(self) -> float | None:
        if self.missing or not self.expected:
            return None
        return max(self.fired[a] for a in self.expected)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


def _inject(sandbox: DrillSandbox, fault: Fault) -> None:
    sandbox.inject_fault(fault.name, fault.kind, target=fault.target)


def _record_fired(
    sandbox: DrillSandbox, start: float, baseline: set[str], result: DetectionResult
) -> None:
    """Every alarm that went to ALARM since ``start`` (from the history, so an alarm that fired
    and recovered between two looks still counts), with when it first did."""
    for name in sandbox.alarm_states():
        if name in baseline or name in result.fired:
            continue
        for change in sandbox.alarm_history(name):
            at = change.timestamp
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            offset = at.timestamp() - start
            if change.new_state == "ALARM" and offset >= 0:
                result.fired[name] = round(offset, 3)
                break


def detect(sandbox: DrillSandbox, drill: Drill, *, step_s: int = STEP_S) -> DetectionResult:
    """Run the drill's fault and workload until its expected alarms fire or the budget ends."""
    baseline = {name for name, state in sandbox.alarm_states().items() if state == "ALARM"}
    result = DetectionResult(
        drill.expected_alarms,
        budget_s=drill.detection_budget_s,
        tolerated=drill.may_fire,
        composites=dict(sandbox.composite_children()),
    )
    for fault in (drill.fault, *drill.extra_faults):
        _inject(sandbox, fault)
    start = sandbox.clock.now()
    sandbox.run_workflows(
        drill.workflows, spacing_s=drill.spacing_s, settle_s=0, workflow=drill.workflow
    )
    cleared = False
    while True:
        elapsed = sandbox.clock.now() - start
        if drill.clear_after_s is not None and not cleared and elapsed >= drill.clear_after_s:
            sandbox.clear_faults()
            cleared = True
        _record_fired(sandbox, start, baseline, result)
        if elapsed >= drill.detection_budget_s or (drill.expected_alarms and not result.missing):
            return result
        sandbox.advance(step_s)
