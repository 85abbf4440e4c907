"""Log levels: the stdlib's numbers and names, and parsing of a level from a setting.

The numbers match :mod:`logging` so the stdlib bridge and structlog's filtering agree with ours.
"""

from __future__ import annotations

DEBUG = 10
INFO = 20
WARNING = 30
ERROR = 40
CRITICAL = 50

LEVEL_NAMES: dict[int, str] = {
    DEBUG: "DEBUG",
    INFO: "INFO",
    WARNING: "WARNING",
    ERROR: "ERROR",
    CRITICAL: "CRITICAL",
}
_BY_NAME: dict[str, int] = {name: number for number, name in LEVEL_NAMES.items()}
_BY_NAME.update({"WARN": WARNING, "FATAL": CRITICAL, "EXCEPTION": ERROR})


def parse_level(value: str | int, *, source: str = "level") -> int:
    """Turn ``"info"``, ``"INFO"``, ``20`` into 20; a clear ``ValueError`` names a bad ``source``."""
    if isinstance(value, bool):
        raise ValueError(f"{source}: expected a level name or number, got {value!r}")
    if isinstance(value, int):
        if value in LEVEL_NAMES:
            return value
        raise ValueError(
            f"{source}: unknown level number {value!r}; use one of {sorted(LEVEL_NAMES)}"
        )
    if isinstance(value, str):
        number = _BY_NAME.get(value.strip().upper())
        if number is not None:
            return number
        raise ValueError(
            f"{source}: unknown level {value!r}; use one of {', '.join(LEVEL_NAMES.values())}"
        )
    raise ValueError(f"{source}: expected a level name or number, got {type(value).__name__}")
