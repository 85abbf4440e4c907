"""structlog front: keep writing ``structlog`` calls, get obskit's lines (same bytes).

For services already on structlog (the Alchemiser is). structlog is imported only when this module
is, so ``import logging_config`` stays light::

    import structlog
    import logging_config
    from logging_config.structlog_front import configure_structlog

    logging_config.configure("strategy-worker")
    configure_structlog()
    log = structlog.get_logger("worker").bind(strategy="nuclear")
    with logging_config.start_workflow():
        log.info("signal computed", symbol="TQQQ")   # the native logger's line, same keys/order

The chain is structlog's own ``merge_contextvars`` (so ``structlog.contextvars.bind_contextvars``
keeps working), :func:`drop_filtered` (the level gate, buffering and ``strict``), then
:func:`to_obskit_call`, the renderer that turns the event dict into a call of the obskit core;
:class:`ObskitLogger` writes it. ``event`` becomes ``message``; ``exc_info`` (or ``exception()``)
adds the exception keys; a ``logger`` key (structlog's ``add_logger_name``) names the logger.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

from logging_config.levels import CRITICAL, DEBUG, ERROR, INFO, WARNING
from logging_config.logger import admit, caller_location, deliver, render_call

METHOD_LEVELS = {
    "debug": DEBUG,
    "info": INFO,
    "msg": INFO,
    "warning": WARNING,
    "warn": WARNING,
    "error": ERROR,
    "exception": ERROR,
    "critical": CRITICAL,
    "fatal": CRITICAL,
}
_SKIPPED_MODULES = ("structlog", "logging_config", "logging")


def _caller_location() -> str | None:
    frame: Any = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not any(module == name or module.startswith(name + ".") for name in _SKIPPED_MODULES):
            return caller_location(frame)
        frame = frame.f_back
    return None


def drop_filtered(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Any:
    """Drop the event unless obskit would write or hold it (raises ``structlog.DropEvent``)."""
    held = admit(METHOD_LEVELS.get(method_name, INFO), event_dict.get("event"))
    if held is False:
        raise structlog.DropEvent
    event_dict["_obskit_held"] = held
    return event_dict


def to_obskit_call(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The renderer: the event dict → ``(line, held)`` for :class:`ObskitLogger`."""
    fields = dict(event_dict)
    held = fields.pop("_obskit_held", True)
    message = fields.pop("event", None)
    logger_name = fields.pop("logger", None) or getattr(logger, "name", None)
    levelno = METHOD_LEVELS.get(method_name, INFO)
    if method_name == "exception" and "exc_info" not in fields:
        fields["exc_info"] = True
    line = render_call(levelno, message, fields, None, logger_name, _caller_location())
    return (line, levelno, held), {}


class ObskitLogger:
    """The structlog "wrapped logger": hands the rendered line to obskit's sink."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name

    def _deliver(self, line: bytes, levelno: int = INFO, held: Any = True) -> None:
        deliver(levelno, line, held)

    debug = info = msg = warning = warn = error = exception = critical = fatal = log = _deliver


class ObskitLoggerFactory:
    """``logger_factory=``: ``structlog.get_logger("name")`` gives an :class:`ObskitLogger`."""

    def __call__(self, *args: Any) -> ObskitLogger:
        name = args[0] if args and isinstance(args[0], str) else None
        return ObskitLogger(name)


def processors(extra: Iterable[Any] = ()) -> list[Any]:
    """The processor chain: contextvars, ``extra`` (yours), the gate, the obskit renderer."""
    return [structlog.contextvars.merge_contextvars, *extra, drop_filtered, to_obskit_call]


def configure_structlog(extra_processors: Iterable[Any] = ()) -> None:
    """Point structlog at obskit (call after :func:`logging_config.configure`)."""
    structlog.configure(
        processors=processors(extra_processors),
        wrapper_class=structlog.make_filtering_bound_logger(DEBUG),
        logger_factory=ObskitLoggerFactory(),
        cache_logger_on_first_use=False,
    )
