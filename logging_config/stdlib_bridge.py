"""stdlib bridge: ``logging`` records (yours, botocore's, any library's) as obskit lines.

Built on python-json-logger (imported only when this module is): :class:`ObskitJsonFormatter` is a
``pythonjsonlogger`` formatter that takes a record's extras the way python-json-logger does and
renders them through obskit's pipeline, so a bridged line has the same keys, order, IDs and
redaction as the native logger's. :class:`ObskitHandler` adds the level gate, DEBUG buffering and
``strict``::

    import logging
    import logging_config
    from logging_config.stdlib_bridge import install

    logging_config.configure("execution")
    install()                                    # a handler on the root logger
    with logging_config.start_workflow():
        logging.getLogger("orders").info("sent %s", "o-1", extra={"qty": 3})
        # {"timestamp":…,"level":"INFO","message":"sent o-1",…,"correlation_id":"workflow-…",…,"qty":3}

The message is ``record.getMessage()`` (arguments merged) and is scanned for secrets like any value.
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS, merge_record_extra
from pythonjsonlogger.json import JsonFormatter

from logging_config.config import STATE
from logging_config.levels import CRITICAL, DEBUG
from logging_config.logger import admit, deliver, render_call

_SKIP = frozenset(RESERVED_ATTRS) | {"taskName", "message", "asctime"}


def _levelno(record: logging.LogRecord) -> int:
    number = record.levelno
    if number < DEBUG:
        return DEBUG
    return min(number - number % 10, CRITICAL)


class ObskitJsonFormatter(JsonFormatter):
    """A python-json-logger formatter whose output is exactly obskit's line."""

    def render(self, record: logging.LogRecord) -> bytes:
        """The line for ``record`` (bytes, no newline)."""
        try:
            message: Any = record.getMessage()
        except Exception:
            message = f"{record.msg!r} (formatting with {record.args!r} failed)"
        fields = merge_record_extra(record, {}, reserved=_SKIP)
        if record.exc_info and record.exc_info[1] is not None:
            fields["exc_info"] = record.exc_info
        location = f"{record.funcName}:{record.lineno}"
        return render_call(
            _levelno(record), message, fields, None, record.name, location, None, record.created
        )

    def format(self, record: logging.LogRecord) -> str:
        return self.render(record).decode("utf-8")


class ObskitHandler(logging.Handler):
    """A handler that writes records through obskit's gate, buffer and sink."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.formatter: ObskitJsonFormatter = ObskitJsonFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        levelno = _levelno(record)
        held = admit(levelno, record.msg)
        if held is False:
            return
        try:
            line = self.formatter.render(record)
        except Exception:
            self.handleError(record)
            return
        deliver(levelno, line, held)


def install(
    logger: logging.Logger | None = None, *, level: int | str | None = None
) -> ObskitHandler:
    """Route ``logger`` (default: the root logger) through obskit; returns the handler.

    Replaces an :class:`ObskitHandler` installed before (so calling twice does not double lines).
    ``level``: the logger's level (default: the configured obskit level).
    """
    target = logger if logger is not None else logging.getLogger()
    for handler in list(target.handlers):
        if isinstance(handler, ObskitHandler):
            target.removeHandler(handler)
    handler = ObskitHandler()
    target.addHandler(handler)
    target.setLevel(STATE.level if level is None else level)
    return handler


def uninstall(logger: logging.Logger | None = None) -> None:
    """Remove obskit's handler from ``logger`` (default: the root logger)."""
    target = logger if logger is not None else logging.getLogger()
    for handler in list(target.handlers):
        if isinstance(handler, ObskitHandler):
            target.removeHandler(handler)
