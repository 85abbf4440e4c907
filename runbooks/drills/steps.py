"""A runbook step's outcome in a drill: which part it belongs to, what it had to show, whether
it did, and why a drill fails on it.

The drill runs the diagnosis steps while the fault is on, the mitigation steps, and the
verification steps once the system recovered (``runbooks.drills.runner``); rollback steps are
listed, never run (undoing the fix would re-open the incident the drill just closed). Each
command's output is checked against its ``Step.expect`` (``runbooks.drills.expect``): a step
that exits 0 but would mislead the operator fails the drill as surely as one that exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from runbooks.drills.expect import missing, tail
from runbooks.drills.model import Part, StepResult
from runbooks.scenarios.model import Step

RUN_PARTS: tuple[Part, ...] = ("diagnosis", "mitigation", "verification")
"""The parts a drill runs, in this order; ``rollback`` is only listed."""


def judged(step: Step, part: Part, outcome: StepResult) -> StepResult:
    """``outcome`` of running ``step``, with its part, whether its exit status is one the step
    allows (``Step.exit_codes``) and whether its output met ``expect``."""
    ok = outcome.exit_code in step.exit_codes
    matched = None if not step.expect else ok and not missing(step.expect, outcome.output)
    return replace(outcome, ok=ok, part=part, expect=step.expect, matched=matched)


def not_run(step: Step, part: Part, *, placeholder: bool) -> StepResult:
    """A step listed in the report without running: a rollback, or one a person must fill in."""
    return StepResult(
        step.command or "",
        None,
        True,
        part=part,
        expect=step.expect,
        matched=None,
        run=False,
        placeholder=placeholder,
    )


def step_failures(steps: Sequence[StepResult]) -> list[str]:
    """One sentence per step that failed the drill: a non-zero exit, or output missing what
    its ``expect`` asks (naming the step, the missing items and the output's tail)."""
    out: list[str] = []
    for step in steps:
        if not step.run:
            continue
        if not step.ok:
            out.append(f"{step.part} step exited {step.exit_code}: {step.command}")
        elif step.matched is False:
            absent = ", ".join(repr(item) for item in missing(step.expect, step.output))
            out.append(
                f"{step.part} step `{step.command}`: output does not satisfy {absent} "
                f"(expect: {list(step.expect)}); output ends: {tail(step.output) or '(empty)'}"
            )
    return out


def placeholder_steps(steps: Sequence[StepResult]) -> list[StepResult]:
    return [step for step in steps if step.placeholder]
