"""Mutation operators: the ways an operator could get one runbook step wrong.

Each operator looks at one step of one part (diagnosis, mitigation, verification, rollback) and
returns the part rewritten, or nothing where the mistake is not possible (a step that names no
resource has no wrong-resource mutant; a step without ``--region`` has no wrong-region one).
Commands are split and rejoined as shell words (:mod:`runbooks.mutation.words`), never edited as
text, and every choice is deterministic, so the same scenario always yields the same mutants.

- ``drop``: the step is left out.
- ``wrong-resource``: the queue, function, rule, topic, bus, log group, saved query or workflow
  the step acts on is another of the same kind from the catalog.
- ``wrong-rule-or-target``: where a replay sends events (``obskit replay archive --rule``,
  ``obskit dlq replay --lambda`` / ``--to``) is another rule or target of the same kind.
- ``replay-before-incident``: an archive replay's window is the hour before the incident
  (``--since``/``--until`` of ``obskit replay archive``, ``--event-start-time``/
  ``--event-end-time`` of ``aws events start-replay``).
- ``replay-ends-before-fix``: the window ends when the fault began, long before the fix.
- ``wrong-region``: ``--region`` names another region.
- ``swap-next``: the step and the next one of its part change places.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from runbooks.drills.placeholders import PLACEHOLDER, incident_values
from runbooks.mutation import words as w
from runbooks.mutation.names import CatalogNames
from runbooks.scenarios.model import Step

FILLED_BY_DRILL = frozenset(incident_values(0.0, 0.0))
"""Placeholders a drill fills itself (the incident window): a step with only these runs."""

RESOURCE_OPTIONS: dict[str, tuple[str, ...]] = {
    "--function-name": ("function",),
    "--queue-name": ("queue",),
    "--rule": ("rule",),
    "--name": ("rule",),
    "--event-bus-name": ("bus",),
    "--bus": ("bus",),
    "--log-group-name": ("log-group",),
    "--log-group": ("log-group",),
    "--query-name": ("query",),
    "--last": ("workflow",),
}
"""Options whose value names a resource of these kinds (a value the catalog does not have, such
as a replay's own ``--name``, is left alone)."""

ROUTES: dict[tuple[str, ...], frozenset[str]] = {
    ("obskit", "replay", "archive"): frozenset({"--rule"}),
    ("obskit", "dlq", "replay"): frozenset({"--lambda", "--to"}),
}
"""Options that say where replayed events go, per command: a wrong one is a wrong rule or
target rather than a wrong resource."""

QUEUE_ARGUMENT = {("obskit", "dlq", "inspect"), ("obskit", "dlq", "replay")}
"""Commands whose first argument is the queue they act on."""

WINDOWS: dict[tuple[str, ...], tuple[str, str]] = {
    ("obskit", "replay", "archive"): ("--since", "--until"),
    ("aws", "events", "start-replay"): ("--event-start-time", "--event-end-time"),
}
"""Commands that replay a window of an archive, and their window options."""

ARN_KINDS = {"sns": "topic", "sqs": "queue", "lambda": "function"}
TO_KINDS = {"sqs": "queue", "lambda": "function", "events": "bus"}
OTHER_REGION = ("us-west-2", "us-east-1")


@dataclass(frozen=True)
class Change:
    """One mutant of a part: the operator's name, what it changed, the part rewritten."""

    mutation: str
    detail: str
    steps: tuple[Step, ...]


Operator = Callable[[CatalogNames, tuple[Step, ...], int], list[Change]]


def runnable(step: Step) -> bool:
    """Whether a drill runs ``step``: a command with no placeholder, or only those it fills."""
    if step.command is None:
        return False
    names = set(PLACEHOLDER.findall(step.command))
    if not names:
        return step.runnable
    return names <= FILLED_BY_DRILL


def _with_command(steps: tuple[Step, ...], index: int, words: list[str]) -> tuple[Step, ...]:
    command = w.join(words)
    filled = bool(PLACEHOLDER.findall(command))
    step = dataclasses.replace(steps[index], command=command, runnable=not filled)
    return (*steps[:index], step, *steps[index + 1 :])


def _command_words(step: Step) -> list[str] | None:
    if not runnable(step) or step.command is None:
        return None
    try:
        return w.split(step.command)
    except ValueError:
        return None  # a command the shell cannot split: the runbook check reports it


def _program(words: list[str]) -> tuple[str, ...]:
    return tuple(words[:3])


def drop(names: CatalogNames, steps: tuple[Step, ...], index: int) -> list[Change]:
    if not runnable(steps[index]):
        return []
    return [Change("drop", f"left out: {steps[index].command}", steps[:index] + steps[index + 1 :])]


def _renamed(value: str, kinds: tuple[str, ...], names: CatalogNames) -> tuple[str, str] | None:
    """``(kind, value naming another resource)``: a bare name, an ARN, or ``sqs:NAME``."""
    if value.startswith("arn:"):
        parts = value.split(":")
        kind = ARN_KINDS.get(parts[2]) if len(parts) > 5 else None
        if kind is None or kind not in kinds:
            return None
        found = names.other(parts[-1], (kind,))
        return None if found is None else (found[0], ":".join([*parts[:-1], found[1]]))
    prefix, sep, rest = value.partition(":")
    if sep and prefix in TO_KINDS:
        kind = TO_KINDS[prefix]
        found = names.other(rest, (kind,)) if kind in kinds else None
        return None if found is None else (found[0], f"{prefix}:{found[1]}")
    return names.other(value, kinds)


def _name_changes(
    names: CatalogNames, steps: tuple[Step, ...], index: int, *, routes: bool
) -> list[Change]:
    words = _command_words(steps[index])
    if words is None:
        return []
    program = _program(words)
    routing = ROUTES.get(program, frozenset())
    slots: list[tuple[int, str, tuple[str, ...]]] = []
    if program in QUEUE_ARGUMENT and len(words) > 3 and not words[3].startswith("-"):
        slots.append((3, "QUEUE", ("queue",)))
    for at, option, _ in w.option_values(words):
        if (option in routing) != routes:
            continue
        if option in routing:
            kinds: tuple[str, ...] = ("rule", "function", "queue", "bus")
        elif option == "--topic-arn":
            kinds = ("topic",)
        else:
            kinds = RESOURCE_OPTIONS.get(option, ())
        if kinds:
            slots.append((at, option, kinds))
    if routes:
        slots = [slot for slot in slots if slot[1] != "QUEUE"]
    mutation = "wrong-rule-or-target" if routes else "wrong-resource"
    out: list[Change] = []
    for at, option, kinds in slots:
        found = _renamed(words[at], kinds, names)
        if found is None:
            continue
        kind, value = found
        where = "the queue argument" if option == "QUEUE" else option
        detail = f"{where}: {kind} {words[at]} -> {value}"
        out.append(
            Change(mutation, detail, _with_command(steps, index, w.replaced(words, at, value)))
        )
    return out


def wrong_resource(names: CatalogNames, steps: tuple[Step, ...], index: int) -> list[Change]:
    return _name_changes(names, steps, index, routes=False)


def wrong_rule_or_target(names: CatalogNames, steps: tuple[Step, ...], index: int) -> list[Change]:
    return _name_changes(names, steps, index, routes=True)


def _window(words: list[str]) -> tuple[int, int] | None:
    options = WINDOWS.get(_program(words))
    if options is None:
        return None
    found = {option: at for at, option, _ in w.option_values(words)}
    start, end = found.get(options[0]), found.get(options[1])
    return None if start is None or end is None else (start, end)


def replay_before_incident(
    names: CatalogNames, steps: tuple[Step, ...], index: int
) -> list[Change]:
    words = _command_words(steps[index])
    window = None if words is None else _window(words)
    if words is None or window is None:
        return []
    start, end = window
    new = w.replaced(w.replaced(words, start, "<before-incident>"), end, "<incident-start>")
    detail = f"window {words[start]} .. {words[end]} -> the hour before the incident"
    return [Change("replay-before-incident", detail, _with_command(steps, index, new))]


def replay_ends_before_fix(
    names: CatalogNames, steps: tuple[Step, ...], index: int
) -> list[Change]:
    words = _command_words(steps[index])
    window = None if words is None else _window(words)
    if words is None or window is None:
        return []
    _, end = window
    new = w.replaced(words, end, "<fault-time>")
    detail = f"window end {words[end]} -> <fault-time> (when the fault began, before the fix)"
    return [Change("replay-ends-before-fix", detail, _with_command(steps, index, new))]


def wrong_region(names: CatalogNames, steps: tuple[Step, ...], index: int) -> list[Change]:
    """``--region`` names another region: on AWS, "the resources and data that you create in
    one Region do not exist in any other Region"
    (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/regions.html),
    and moto_server keeps its state per region, so the step fails in the sandbox as there."""
    words = _command_words(steps[index])
    if words is None:
        return []
    out: list[Change] = []
    for at, option, value in w.option_values(words):
        if option != "--region":
            continue
        other = OTHER_REGION[0] if value != OTHER_REGION[0] else OTHER_REGION[1]
        new = _with_command(steps, index, w.replaced(words, at, other))
        out.append(Change("wrong-region", f"--region {value} -> {other}", new))
    return out


def swap_next(names: CatalogNames, steps: tuple[Step, ...], index: int) -> list[Change]:
    """The step and the next change places: e.g. a replay run before the fix it needs, or a
    check run before the action it checks. Only where one of them runs and the other runs too
    or is a step without a command (an operator's fix); a step skipped for a value only a
    person can look up changes nothing a drill can see by moving."""
    if index + 1 >= len(steps):
        return []
    first, second = steps[index], steps[index + 1]
    acting = all(runnable(s) or s.command is None for s in (first, second))
    if first == second or not acting or not (runnable(first) or runnable(second)):
        return []
    swapped = (*steps[:index], second, first, *steps[index + 2 :])
    detail = f"step {index + 1} and {index + 2} swapped: {_label(first)} <-> {_label(second)}"
    return [Change("swap-next", detail, swapped)]


def _label(step: Step) -> str:
    return step.command if step.command is not None else f"({step.text[:60]})"


OPERATORS: tuple[tuple[str, Operator], ...] = (
    ("drop", drop),
    ("wrong-resource", wrong_resource),
    ("wrong-rule-or-target", wrong_rule_or_target),
    ("replay-before-incident", replay_before_incident),
    ("replay-ends-before-fix", replay_ends_before_fix),
    ("wrong-region", wrong_region),
    ("swap-next", swap_next),
)
"""Every operator, in the order mutants are listed."""
