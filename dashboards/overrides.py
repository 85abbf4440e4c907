"""Apply the catalog's ``alarm_overrides`` (alarm name → fields) to the generated alarms.

Any field of an alarm can be overridden, by the snake_case name the alarm model uses. A name that
matches no generated alarm, or a field the alarm does not have, is an error that names it and
suggests the closest match: a typo must never silently leave the default in place.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dashboards.alarm_model import Alarm, CompositeAlarm


class OverrideError(ValueError):
    """A catalog override that cannot apply; the message names the alarm and field."""

    def __init__(self, message: str, alarm: str, field: str | None = None) -> None:
        super().__init__(message)
        self.alarm = alarm
        self.field = field


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


M = TypeVar("M", bound=BaseModel)


def _apply_one(alarm: M, name: str, fields: Mapping[str, Any]) -> M:
    allowed = set(type(alarm).model_fields) - {"name"}
    for field in fields:
        if field not in allowed:
            raise OverrideError(
                f"alarm_overrides['{name}']: unknown field '{field}'"
                f"{did_you_mean(field, allowed)}; fields: {', '.join(sorted(allowed))}",
                name,
                field,
            )
    data = alarm.model_dump()
    data.update(fields)
    try:
        return type(alarm).model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        first = str(exc.errors()[0]["loc"][0]) if exc.errors() else None
        raise OverrideError(f"alarm_overrides['{name}']: {problems}", name, first) from None


def override_keys(system: str, stage: str, overrides: Mapping[str, Any]) -> dict[str, str]:
    """Alarm name → the key as written: keys may use ``{system}`` and ``{stage}`` like every
    other name in the catalog (``"{system}-{stage}-ledger-errors"``), so one catalog serves all
    stages."""
    return {key.replace("{system}", system).replace("{stage}", stage): key for key in overrides}


def resolved_overrides(
    system: str, stage: str, overrides: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    return {name: overrides[key] for name, key in override_keys(system, stage, overrides).items()}


def apply_overrides(
    alarms: Sequence[Alarm],
    composites: Sequence[CompositeAlarm],
    overrides: Mapping[str, Mapping[str, Any]],
) -> tuple[list[Alarm], list[CompositeAlarm]]:
    """Return the alarms with every override applied; raise OverrideError on the first bad one."""
    known = [a.name for a in alarms] + [c.name for c in composites]
    for name in overrides:
        if name not in known:
            raise OverrideError(
                f"alarm_overrides: unknown alarm '{name}'{did_you_mean(name, known)}", name
            )
    new_alarms = [
        _apply_one(a, a.name, overrides[a.name]) if a.name in overrides else a for a in alarms
    ]
    new_composites = [
        _apply_one(c, c.name, overrides[c.name]) if c.name in overrides else c for c in composites
    ]
    return new_alarms, new_composites
