"""The native logger: ``get_logger(name).info("message", **fields)``, one JSON line per call.

Example::

    import logging_config

    logging_config.configure("portfolio")
    log = logging_config.get_logger(__name__).bind(account="paper")
    with logging_config.start_workflow():
        log.info("rebalance planned", orders=3)
    # {"timestamp":"…Z","level":"INFO","message":"rebalance planned","service":"portfolio",
    #  "logger":"__main__","location":"<module>:6","correlation_id":"workflow-…",
    #  "causation_id":"workflow-…","event_id":null,"event_type":null,"account":"paper","orders":3}

``debug/info/warning/error/exception/critical(message, /, **fields)``: ``message`` is positional
only, so a field may be called ``message`` (it is kept as ``field_message``, see
:mod:`logging_config.record`). ``exc_info=True`` (or an exception) adds the exception keys;
``exception()`` does so for the exception being handled. A logging call never raises, except
:class:`~logging_config.MissingCorrelationError` outside a context when ``strict=True``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping
from sys import _getframe
from types import FrameType
from typing import Any

from orjson import dumps

from logging_config import stats
from logging_config.config import STATE
from logging_config.context import EVENT_IDS
from logging_config.debug_buffer import dispatch, wants
from logging_config.errors import MissingCorrelationError
from logging_config.exception_fields import resolve_exc_info
from logging_config.fast_path import fast_line
from logging_config.levels import CRITICAL, DEBUG, ERROR, INFO, LEVEL_NAMES, WARNING, parse_level
from logging_config.record import build_record
from logging_config.render import DUMPS_OPTIONS, emergency_line, render
from logging_config.sanitize import json_default
from logging_config.sink import write_line, write_terminated
from logging_config.truncate import MAX_LINE_BYTES

_EXC_INFO = "exc_info"


def admit(levelno: int, message: Any, internal: bool = False) -> Any:
    """The gate: ``False`` (dropped), ``True`` (written) or the invocation holding the line.

    Raises :class:`MissingCorrelationError` outside a context when ``strict`` (unless
    ``internal``); counts the uncorrelated line otherwise.
    """
    held: Any = True if levelno >= STATE.level else wants(levelno)
    if held is not False and EVENT_IDS.get() is None:
        if STATE.strict and not internal:
            shown = _safe_repr(message)[:200]
            raise MissingCorrelationError(
                f"logged {shown!r} outside any correlation context; wrap the work in "
                "event_context(event), start_workflow() or a handler decorated with "
                "inject_lambda_context (strict=True)"
            )
        stats.count("missing_correlation")
    return held


def render_call(
    levelno: int,
    message: Any,
    fields: Mapping[str, Any] | None = None,
    bound: Mapping[str, Any] | None = None,
    logger_name: str | None = None,
    location: str | None = None,
    error: BaseException | None = None,
    now: float | None = None,
    service: str | None = None,
) -> bytes:
    """The line for one call (fast path, else record + render); never raises.

    ``service``: the logger's own service name (``None``: the configured one).
    """
    record: dict[str, Any] | None = None
    try:
        if fields and _EXC_INFO in fields:
            fields = dict(fields)
            found = _split_exc_info(fields)
            error = error if error is not None else found
        if error is None:
            line = fast_line(
                levelno, message, fields, bound, logger_name, location, now, None, service
            )
            if line is not None:
                return line[:-1]
        name = LEVEL_NAMES.get(levelno) or f"LEVEL{levelno}"
        record = build_record(
            name, message, fields, bound, logger_name, location, error, now, service
        )
        try:
            line = dumps(record, default=json_default, option=DUMPS_OPTIONS)
        except Exception:
            return render(record)
        return line if len(line) <= MAX_LINE_BYTES else render(record)
    except Exception:
        if record is None:
            record = {"level": LEVEL_NAMES.get(levelno), "message": _safe_repr(message)}
        return emergency_line(record)


def _safe_repr(value: Any) -> str:
    if type(value) is str:
        return value
    try:
        text = repr(value)
        if type(text) is str:
            return text
    except Exception:
        pass
    return f"<unrepresentable {type(value).__name__}>"


def deliver(levelno: int, line: bytes, held: Any) -> None:
    """Write or hold a rendered line as :func:`admit` decided; never raises."""
    if held is True and levelno < ERROR:
        write_line(line)
        return
    try:
        dispatch(levelno, line, held)
    except Exception:
        write_line(line)


def emit(
    levelno: int,
    message: Any,
    fields: Mapping[str, Any] | None = None,
    bound: Mapping[str, Any] | None = None,
    logger_name: str | None = None,
    location: str | None = None,
    error: BaseException | None = None,
    now: float | None = None,
    internal: bool = False,
    frame: FrameType | None = None,
    service: str | None = None,
) -> None:
    """One call through the pipeline: :func:`admit` → :func:`render_call` → :func:`deliver`.

    The core every front calls. ``fields`` may hold ``exc_info`` (True, an exception or a
    ``sys.exc_info()`` tuple) as in the stdlib. ``internal`` lines (the library's own) are exempt
    from ``strict``. ``frame`` (the caller's) stands for ``location``. ``service`` is the logger's
    own service name (``None``: the configured one). Never raises except
    :class:`MissingCorrelationError` under ``strict``. The common case (a correlated line at or
    above the level, no exception) is inlined: it is every service's hot path.
    """
    if levelno >= STATE.level and levelno < ERROR and EVENT_IDS.get() is not None:
        if error is None and not (fields and _EXC_INFO in fields):
            try:
                line = fast_line(
                    levelno, message, fields, bound, logger_name, location, now, frame, service
                )
            except Exception:
                line = None
            if line is not None:
                write_terminated(line)
                return
        held: Any = True
    else:
        held = admit(levelno, message, internal)
        if held is False:
            return
    if location is None and frame is not None:
        location = caller_location(frame)
    line = render_call(levelno, message, fields, bound, logger_name, location, error, now, service)
    deliver(levelno, line, held)


_locations: dict[tuple[Any, int], str] = {}


def caller_location(frame: Any) -> str | None:
    """``function:line`` of ``frame`` (Powertools' ``location``), cached per call site."""
    try:
        key = (frame.f_code, frame.f_lasti)
        found = _locations.get(key)
        if found is None:
            if len(_locations) > 16384:
                _locations.clear()
            found = _locations[key] = f"{frame.f_code.co_name}:{frame.f_lineno}"
        return found
    except Exception:
        return None


def _split_exc_info(fields: dict[str, Any]) -> BaseException | None:
    value = fields.get(_EXC_INFO)
    try:
        error = resolve_exc_info(value)
    except Exception:  # an exc_info whose inspection raises: kept as a field (and marked there)
        return None
    if error is not None or value is True or value is False or value is None:
        del fields[_EXC_INFO]
    return error


class Logger:
    """A named logger with optional bound fields and service name; cheap, immutable, thread-safe.

    ``service`` (from :func:`get_logger`) names the service on this logger's lines instead of the
    process-wide one that :func:`~logging_config.configure` sets: several handlers sharing one
    process (a local runner, a test) each keep their own name.
    """

    __slots__ = ("name", "_bound", "service")

    def __init__(
        self,
        name: str | None = None,
        bound: Mapping[str, Any] | None = None,
        service: str | None = None,
    ) -> None:
        self.name = name
        self._bound: dict[str, Any] | None = dict(bound) if bound else None
        self.service = service

    def bind(self, /, **fields: Any) -> Logger:
        """A logger that adds ``fields`` to every line (a call's own fields win); never raises
        (a field may even be called ``self``)."""
        merged = dict(self._bound or {})
        merged.update(fields)
        return Logger(self.name, merged, self.service)

    @property
    def bound(self) -> dict[str, Any]:
        """The bound fields."""
        return dict(self._bound or {})

    def debug(self, message: Any, /, **fields: Any) -> None:
        """A DEBUG line (held in an invocation's buffer when DEBUG is below the level)."""
        if STATE.debug_possible:
            emit(
                DEBUG,
                message,
                fields,
                self._bound,
                self.name,
                None,
                None,
                None,
                False,
                _getframe(1),
                self.service,
            )

    def info(self, message: Any, /, **fields: Any) -> None:
        """An INFO line."""
        if STATE.level <= INFO:
            emit(
                INFO,
                message,
                fields,
                self._bound,
                self.name,
                None,
                None,
                None,
                False,
                _getframe(1),
                self.service,
            )

    def warning(self, message: Any, /, **fields: Any) -> None:
        """A WARNING line."""
        emit(
            WARNING,
            message,
            fields,
            self._bound,
            self.name,
            None,
            None,
            None,
            False,
            _getframe(1),
            self.service,
        )

    def error(self, message: Any, /, **fields: Any) -> None:
        """An ERROR line; held DEBUG lines of the invocation are written first."""
        emit(
            ERROR,
            message,
            fields,
            self._bound,
            self.name,
            None,
            None,
            None,
            False,
            _getframe(1),
            self.service,
        )

    def exception(self, message: Any, /, **fields: Any) -> None:
        """An ERROR line with the exception being handled."""
        location = caller_location(_getframe(1))
        emit(
            ERROR,
            message,
            fields,
            self._bound,
            self.name,
            location,
            sys.exc_info()[1],
            service=self.service,
        )

    def critical(self, message: Any, /, **fields: Any) -> None:
        """A CRITICAL line."""
        emit(
            CRITICAL,
            message,
            fields,
            self._bound,
            self.name,
            None,
            None,
            None,
            False,
            _getframe(1),
            self.service,
        )

    def log(self, level: int | str, message: Any, /, **fields: Any) -> None:
        """A line at ``level`` (a number or a name; an unknown level logs at ERROR)."""
        try:
            levelno = parse_level(level)
        except Exception:
            levelno = ERROR
            fields["field_level"] = level
        emit(
            levelno,
            message,
            fields,
            self._bound,
            self.name,
            caller_location(_getframe(1)),
            service=self.service,
        )

    def __repr__(self) -> str:
        return f"Logger(name={self.name!r}, service={self.service!r}, bound={self._bound!r})"


def get_logger(name: str | None = None, *, service: str | None = None) -> Logger:
    """A logger named ``name`` (default: the calling module's ``__name__``).

    ``service``: the ``service`` of this logger's lines (and of loggers :meth:`~Logger.bind`
    makes from it), whatever :func:`~logging_config.configure` or ``$OBSKIT_SERVICE`` say: the way
    to name a handler's service when several handlers share one process. ``None``: the configured
    service, read at each call.
    """
    if service is not None and (not isinstance(service, str) or not service):
        raise TypeError(
            f"get_logger: service must be a non-empty string or None, got {service!r:.80}"
        )
    if name is None:
        try:
            name = sys._getframe(1).f_globals.get("__name__")
        except Exception:
            name = None
    elif not isinstance(name, str):
        raise TypeError(f"get_logger: name must be a string or None, got {type(name).__name__}")
    return Logger(name, None, service)


def log_uncaught(error: BaseException) -> None:
    """Log an exception escaping an invocation, with its traceback, once; never raises."""
    if getattr(error, _LOGGED_MARK, False):
        return
    with contextlib.suppress(Exception):
        setattr(error, _LOGGED_MARK, True)
    with contextlib.suppress(Exception):
        emit(
            ERROR,
            f"uncaught {type(error).__name__}",
            None,
            logger_name="logging_config",
            location=caller_location(innermost_frame(error)),
            error=error,
            internal=True,
        )


_LOGGED_MARK = "_obskit_logged"


def innermost_frame(error: BaseException) -> Any:
    """The frame where ``error`` was raised (``None`` without a traceback)."""
    tb = error.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame
