"""The three exception keys of a line, as Powertools spells them, with secrets redacted.

``exception``: the formatted traceback text; ``exception_name``: the class name; ``stack_trace``:
``{"type", "value", "module", "frames": [{"file", "line", "function", "statement"}]}``. The message
and every statement are scanned by :func:`~logging_config.redaction.redact_text`::

    from logging_config.exception_fields import exception_fields

    try:
        raise ValueError("token Bearer abcdefghijklmnop")
    except ValueError as error:
        exception_fields(error)["stack_trace"]["value"]   # 'token Bearer [REDACTED]'
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from logging_config.redaction import redact_text

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
MAX_FRAMES = 50


def resolve_exc_info(value: Any) -> BaseException | None:
    """The exception meant by an ``exc_info`` argument (True, an exception, or a 3-tuple)."""
    if value is True:
        return sys.exc_info()[1]
    if isinstance(value, BaseException):
        return value
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value[1]
    return None


def _safe_text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return f"<unprintable {type(error).__name__}>"


def exception_fields(error: BaseException) -> dict[str, Any]:
    """The ``exception``, ``exception_name`` and ``stack_trace`` values for ``error``."""
    import traceback  # only when an exception is logged: it is not free at import time

    try:
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    except Exception:
        text = f"{type(error).__name__}: {_safe_text(error)}"
    frames = []
    try:
        summary = traceback.extract_tb(error.__traceback__, limit=MAX_FRAMES)
        for frame in summary:
            frames.append(
                {
                    "file": frame.filename,
                    "line": frame.lineno,
                    "function": frame.name,
                    "statement": redact_text(frame.line or ""),
                }
            )
    except Exception:
        frames = []
    return {
        "exception": redact_text(text.rstrip("\n")),
        "exception_name": type(error).__name__,
        "stack_trace": {
            "type": type(error).__name__,
            "value": redact_text(_safe_text(error)),
            "module": type(error).__module__,
            "frames": frames,
        },
    }
