"""Incident scenarios as data: what an operator sees, checks, does and undoes, and how to drill it.

A scenario is plain, immutable data so that the same object feeds the rendered RUNBOOK.md, the
consistency check (``obskit runbook check``) and the drill runner. Nothing here runs anything: a
step's ``command`` is the exact text an operator types, kept as text because the check parses it
against the real CLIs and the drill runner executes it literally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}

ResourceKind = Literal["lambda", "queue", "dlq", "rule", "topic", "workflow", "schedule"]
FaultTarget = Literal["service", "rule", "topic"]
PLACEHOLDER = re.compile(r"<([a-z][a-z0-9-]*)>")
"""A value the operator types in: ``<incident-start>``, ``<subscription-arn>``."""
DRILL_FILLED = frozenset({"incident-start", "fix-time", "before-incident", "fault-time"})
"""The placeholders a drill fills from its simulated clock (``runbooks.drills.placeholders``);
a step with any other needs a person and is not run."""


def drill_runs(command: str) -> bool:
    """Whether a drill runs ``command``: it has no placeholder a drill cannot fill."""
    return set(PLACEHOLDER.findall(command)) <= DRILL_FILLED


@dataclass(frozen=True)
class Step:
    """One thing to do or look at.

    ``command`` is a shell command (``aws ...`` or ``obskit ...``); ``runnable`` is False when it
    needs a value only the operator can know (written as ``<placeholder>``; set so by itself):
    a drill fills the ones it knows too (the incident window) and skips the others.
    ``query`` and ``dashboard`` name a generated saved query / dashboard the step relies on.
    ``expect`` is what the command's output must show for the operator to reach the right
    conclusion (the failing service, the exception type, a DLQ's depth, an alarm back to OK):
    a drill that runs the step fails when its output does not (``runbooks.drills.expect``).
    """

    text: str
    command: str | None = None
    runnable: bool = True
    query: str | None = None
    dashboard: str | None = None
    expect: tuple[str, ...] = ()
    """Every item must be found in the output: a literal substring, or a regular expression
    when written ``re:PATTERN`` (searched line by line); an item written ``not:TEXT`` must not
    be found. Empty: a good exit status is all that is asked."""
    exit_codes: tuple[int, ...] = (0,)
    """The exit statuses that mean the command worked: ``obskit trace`` exits 1 for a run that
    failed or stopped, which is exactly what a diagnosis step looks for."""

    def __post_init__(self) -> None:
        if self.command is not None and PLACEHOLDER.search(self.command):
            object.__setattr__(self, "runnable", False)


@dataclass(frozen=True)
class Fault:
    """What a drill breaks: a service (sandbox fault kinds), a rule's delivery or a topic's."""

    target: FaultTarget
    name: str
    kind: str
    """Service: fail, crash, slow:S, duplicate, throttle. Rule: deliver-fail. Topic: deliver-fail."""
    clear_after_s: int | None = None
    """Simulated seconds after which this fault alone ends by itself (None: it lasts until the
    runbook fixes it). For a drill's extra fault that only exists to make something happen."""


@dataclass(frozen=True)
class Evidence:
    """What one step of the runbook shows (its ``expect``), which that part of the runbook must
    still show when the drill runs it, whichever step shows it.

    A drill checks each step's own ``expect``; a runbook that leaves a step out never runs that
    check. The drill's ``evidence`` keeps the expectations of the runbook as generated, so a
    runbook missing the only step that shows the failing service (or the DLQ's depth, or the
    alarm back to OK) fails its drill, while one whose other steps show the same passes."""

    part: str
    command: str
    expect: tuple[str, ...]


@dataclass(frozen=True)
class Drill:
    """A drill definition for one scenario; the runner (``obskit drill run``) executes it.

    ``expected_alarms`` are metric alarms only: composite alarms follow their children (the
    sandbox evaluates them, and a composite that fires because an expected or tolerated child
    did is not noise). They are what the fault makes fire within the budget, which
    is not always every alarm of the scenario (an SQS consumer retried every visibility timeout
    never errors three minutes in a row, so its Errors alarm cannot be expected).
    """

    fault: Fault
    expected_alarms: tuple[str, ...]
    detection_budget_s: int
    """Simulated seconds within which every expected alarm must be in ALARM."""
    workflow: str | None = None
    workflows: int = 1
    """Workflows to start after the fault is injected (runs of ``job`` for a job's drill)."""
    job: str | None = None
    """A scheduled job's schedule (one that starts no workflow): the drill's runs are that
    schedule invoking its target, as EventBridge Scheduler does at a run time."""
    clear_after_s: int | None = None
    """Simulated seconds after which the fault is cleared by itself (None: the runbook clears it)."""
    spacing_s: float = 5.0
    """Simulated seconds between the starts of ``workflows``."""
    extra_faults: tuple[Fault, ...] = ()
    """Faults injected together with ``fault`` (e.g. something that makes an alarm notify)."""
    may_fire: tuple[str, ...] = ()
    """Alarms the fault may trip as a consequence without being noise (e.g. a slow hop pushing
    its workflow past the SLA, depending on how often the workflow calls it)."""
    evidence: tuple[Evidence, ...] = ()
    """What each part run must show (:class:`Evidence`), from the generated runbook's steps."""
    transient: str | None = None
    """Why the fault may end by itself (``clear_after_s``, or an extra fault's): the scenario is
    about a transient fault. Without it, a fault ends only by the runbook's action
    (``obskit runbook check`` refuses a drill whose fault clears itself without a reason)."""


@dataclass(frozen=True)
class Scenario:
    """One incident: how it is detected, diagnosed, mitigated, verified, rolled back, escalated."""

    id: str
    title: str
    severity: Severity
    kind: ResourceKind
    resource: str
    summary: str
    alarms: tuple[str, ...]
    symptoms: tuple[str, ...]
    diagnosis: tuple[Step, ...]
    mitigation: tuple[Step, ...]
    verification: tuple[Step, ...]
    rollback: tuple[Step, ...]
    escalation: tuple[str, ...]
    drill: Drill | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    no_drill: str | None = None
    """Why no drill is generated and what to change in the catalog so one can be (a drill the
    sandbox could run but that would prove nothing is worse than none)."""
    no_action: str | None = None
    """Why the drill runs no mitigation command or fix: nothing needs doing (e.g. idempotency
    absorbed a duplicate), and the verification shows it. Without it, a drill must run at least
    one mitigation step (``obskit runbook check``)."""

    def steps(self) -> tuple[tuple[str, Step], ...]:
        """Every step with the part it belongs to, in reading order."""
        parts = (
            ("diagnosis", self.diagnosis),
            ("mitigation", self.mitigation),
            ("verification", self.verification),
            ("rollback", self.rollback),
        )
        return tuple((part, step) for part, steps in parts for step in steps)
