"""What a drill found, as data: the JSON report's shape lives here and nowhere else.

The JSON keys per scenario are fixed by issue 7 (``id``, ``passed``, ``expected_alarms``,
``fired_alarms``, ``unexpected_alarms``, ``detected_after_s``, ``recovered_after_s``,
``workflows``, ``steps``), issue 13 (``alarm_timing``: the timing model the times were
measured with, ``{"evaluation": ..., "ingestion_delay_s": {namespace: seconds}}``, since a
detection time means little without it) and issue 15 (``placeholders``: how many of the
scenario's steps need a value only a person can supply and were not run; each step's ``part``,
``expect``, ``matched`` and ``run``); the reasons a drill failed and the alarm timeline are kept beside them
for the Markdown and HTML renderings, which a person reads, but never leak into the JSON, which
a machine compares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

REPORT_KEYS = (
    "id",
    "passed",
    "expected_alarms",
    "fired_alarms",
    "unexpected_alarms",
    "detected_after_s",
    "recovered_after_s",
    "workflows",
    "steps",
    "alarm_timing",
    "placeholders",
)
STEP_KEYS = ("command", "exit_code", "ok", "part", "expect", "matched", "run")
"""Each entry of a scenario's ``steps``: issue 7's three keys, then issue 15's."""

Part = Literal["diagnosis", "mitigation", "verification", "rollback"]


@dataclass(frozen=True)
class StepResult:
    """One runbook command as the operator would have run it, and how it ended.

    A step the drill did not run (a rollback, or one with a ``<placeholder>`` only a person can
    fill) is listed too, with ``run`` False, no exit code and ``ok`` True (it did not fail).
    """

    command: str
    exit_code: int | None
    ok: bool
    output: str = ""
    """stdout + stderr (what ``expect`` is checked against); the Markdown/HTML reports quote its
    tail, the JSON leaves it out."""
    part: Part = "mitigation"
    expect: tuple[str, ...] = ()
    matched: bool | None = None
    """Whether the output showed every ``expect`` item; None when the step did not run or
    expects nothing beyond exit 0."""
    run: bool = True
    placeholder: bool = False
    """Not run because it needs a value only a person can supply (``<subscription-arn>``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "exit_code": self.exit_code,
            "ok": self.ok,
            "part": self.part,
            "expect": list(self.expect),
            "matched": self.matched,
            "run": self.run,
        }


@dataclass(frozen=True)
class WorkflowTally:
    """Workflows counted by event_id: a redriven SQS message has a new MessageId, same event_id."""

    started: int
    completed: int
    lost: int
    duplicated: int

    def to_json(self) -> dict[str, int]:
        return {
            "started": self.started,
            "completed": self.completed,
            "lost": self.lost,
            "duplicated": self.duplicated,
        }


@dataclass(frozen=True)
class Transition:
    """One alarm state change, in simulated seconds since the fault was injected."""

    alarm: str
    at_s: float
    old_state: str
    new_state: str


@dataclass
class DrillResult:
    id: str
    title: str
    expected_alarms: list[str]
    fired_alarms: list[str] = field(default_factory=list)
    unexpected_alarms: list[str] = field(default_factory=list)
    detected_after_s: float | None = None
    recovered_after_s: float | None = None
    workflows: WorkflowTally = field(default_factory=lambda: WorkflowTally(0, 0, 0, 0))
    steps: list[StepResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    """Why the drill failed, one sentence each; empty when it passed."""
    timeline: list[Transition] = field(default_factory=list)
    budget_s: int = 0
    mitigated_at_s: float | None = None
    wall_s: float = 0.0
    alarm_timing: dict[str, Any] = field(default_factory=dict)
    """The sandbox's alarm timing model (:meth:`AlarmTiming.describe`)."""

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "passed": self.passed,
            "expected_alarms": list(self.expected_alarms),
            "fired_alarms": list(self.fired_alarms),
            "unexpected_alarms": list(self.unexpected_alarms),
            "detected_after_s": _seconds(self.detected_after_s),
            "recovered_after_s": _seconds(self.recovered_after_s),
            "workflows": self.workflows.to_json(),
            "steps": [step.to_json() for step in self.steps],
            "alarm_timing": dict(self.alarm_timing),
            "placeholders": self.placeholders,
        }

    @property
    def placeholders(self) -> int:
        """Steps not run because they need a value only a person can supply."""
        return sum(1 for step in self.steps if step.placeholder)


@dataclass
class DrillReport:
    catalog: str
    system: str
    stage: str
    results: list[DrillResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_json(self) -> dict[str, Any]:
        """``scenarios`` holds one entry per drill with exactly :data:`REPORT_KEYS`."""
        return {
            "catalog": self.catalog,
            "system": self.system,
            "stage": self.stage,
            "passed": self.passed,
            "scenarios": [r.to_json() for r in self.results],
        }


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
