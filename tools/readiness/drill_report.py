"""Read the report ``obskit drill run --all --report FILE`` writes (issue 7's contract).

Each scenario entry has exactly ``id``, ``passed``, ``expected_alarms``, ``fired_alarms``,
``unexpected_alarms``, ``detected_after_s``, ``recovered_after_s``, ``workflows`` (``started``,
``completed``, ``lost``, ``duplicated``) and ``steps`` (``command``, ``exit_code``, ``ok``, and
since issue 15 ``part``, ``expect``, ``matched``, ``run``), ``alarm_timing`` and ``placeholders``. The
file holds a list of them, or an object with a ``scenarios`` (or ``drills``) list. Anything else is
refused with the file and the entry named: a readiness verdict must not rest on a report misread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from runbooks.drills.model import REPORT_KEYS
from runbooks.drills.model import STEP_KEYS as REPORT_STEP_KEYS
from tools.readiness.model import ReadinessInputError

ENTRY_KEYS = frozenset(REPORT_KEYS)
"""What each drill entry holds: the runner's own contract (one definition, so a key the runner
adds is never refused here)."""
WORKFLOW_KEYS = frozenset({"started", "completed", "lost", "duplicated"})
STEP_KEYS = frozenset(REPORT_STEP_KEYS)


@dataclass(frozen=True)
class DrillStep:
    command: str
    exit_code: int | None
    ok: bool


@dataclass(frozen=True)
class DrillEntry:
    id: str
    passed: bool
    expected_alarms: tuple[str, ...]
    fired_alarms: tuple[str, ...]
    unexpected_alarms: tuple[str, ...]
    workflows: dict[str, int]
    steps: tuple[DrillStep, ...]


@dataclass(frozen=True)
class DrillReport:
    path: Path
    entries: tuple[DrillEntry, ...]

    def by_id(self) -> dict[str, DrillEntry]:
        return {e.id: e for e in self.entries}


def _entries(document: Any, path: Path) -> list[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("scenarios", "drills"):
            if isinstance(document.get(key), list):
                return list(document[key])
    raise ReadinessInputError(
        f"{path}: not a drill report (expected a list of scenario entries or an object with a "
        "'scenarios' list, as `obskit drill run --all --report FILE` writes)"
    )


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReadinessInputError(f"{where}: expected a list of alarm names")
    return tuple(value)


def _entry(raw: Any, where: str) -> DrillEntry:
    if not isinstance(raw, dict):
        raise ReadinessInputError(f"{where}: expected an object")
    keys = set(raw)
    if keys != ENTRY_KEYS:
        missing = sorted(ENTRY_KEYS - keys)
        extra = sorted(keys - ENTRY_KEYS)
        raise ReadinessInputError(
            f"{where}: keys differ from the contract: missing {missing}, unexpected {extra}"
        )
    if not isinstance(raw["id"], str) or not isinstance(raw["passed"], bool):
        raise ReadinessInputError(f"{where}: 'id' must be a string and 'passed' a boolean")
    workflows = raw["workflows"]
    if not isinstance(workflows, dict) or set(workflows) != WORKFLOW_KEYS:
        raise ReadinessInputError(f"{where}.workflows: expected exactly {sorted(WORKFLOW_KEYS)}")
    steps = []
    for n, step in enumerate(raw["steps"] if isinstance(raw["steps"], list) else [None]):
        if not isinstance(step, dict) or set(step) != STEP_KEYS:
            raise ReadinessInputError(f"{where}.steps[{n}]: expected exactly {sorted(STEP_KEYS)}")
        steps.append(DrillStep(str(step["command"]), step["exit_code"], bool(step["ok"])))
    return DrillEntry(
        id=raw["id"],
        passed=raw["passed"],
        expected_alarms=_strings(raw["expected_alarms"], f"{where}.expected_alarms"),
        fired_alarms=_strings(raw["fired_alarms"], f"{where}.fired_alarms"),
        unexpected_alarms=_strings(raw["unexpected_alarms"], f"{where}.unexpected_alarms"),
        workflows={k: int(v) for k, v in workflows.items()},
        steps=tuple(steps),
    )


def load_drill_report(path: Path) -> DrillReport:
    """The drill report at ``path``; ReadinessInputError naming the file and entry otherwise."""
    try:
        document = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ReadinessInputError(f"{path}: cannot read the drill report: {exc}") from None
    entries = [_entry(raw, f"{path}: entry {n}") for n, raw in enumerate(_entries(document, path))]
    return DrillReport(path, tuple(entries))
