"""Where finished lines go: one stream, one lock, one line per write, never an exception.

Every front (the native logger, structlog, the stdlib bridge) and EMF metrics end here::

    from logging_config.sink import write_line

    write_line(b'{"message":"hello"}')   # prints {"message":"hello"} and a newline to stdout

The stream is the one given to :func:`logging_config.configure` (``stream=``), else whatever
``sys.stdout`` is at the time of the write (so pytest's capture and redirections keep working).
Binary streams get bytes, text streams get ``str``; the stream is flushed after each line because a
Lambda sandbox may be frozen right after the handler returns.
"""

from __future__ import annotations

import io
import sys
import threading
from typing import Any

_lock = threading.Lock()
_stream: Any = None
_override: Any = None
_failed_writes = 0


def set_stream(stream: Any) -> None:
    """Send lines to ``stream`` (``None``: the current ``sys.stdout``)."""
    global _stream
    with _lock:
        _stream = stream


def capture(stream: Any) -> Any:
    """Send lines to ``stream`` whatever :func:`set_stream` says, until ``capture(previous)``.

    For test fixtures: code under test may call ``configure()`` (which sets the stream) and the
    capture still sees its lines. Returns the capture it replaced (``None``: none).
    """
    global _override
    with _lock:
        previous, _override = _override, stream
    return previous


def get_stream() -> Any:
    """The configured stream, ``None`` meaning ``sys.stdout``."""
    return _stream


def _is_binary(stream: Any) -> bool:
    if isinstance(stream, io.TextIOBase):
        return False
    if isinstance(stream, io.RawIOBase | io.BufferedIOBase):
        return True
    return "b" in str(getattr(stream, "mode", ""))


# Streams whose write() of one whole line is already atomic: the C buffered writer holds its
# own lock for the whole call, BytesIO never releases the GIL. No need for ours.
_SELF_LOCKING = (io.BufferedWriter, io.BytesIO)

# (stream, is_binary, self_locking) of the last stream written to, in one tuple (read atomically).
_target: tuple[Any, bool, bool] = (None, False, False)


def write_line(line: bytes) -> None:
    """Write one serialized JSON line and a newline; thread-safe; never raises."""
    write_terminated(line + b"\n")


def write_terminated(data: bytes) -> None:
    """Write ``data``, one JSON line that already ends in a newline; thread-safe; never raises."""
    global _failed_writes, _target
    try:
        stream = _override
        if stream is None:
            stream = _stream if _stream is not None else sys.stdout
        target = _target
        if stream is not target[0]:
            target = _target = (stream, _is_binary(stream), type(stream) in _SELF_LOCKING)
        if target[2]:
            stream.write(data)
            stream.flush()
            return
        binary = target[1]
        payload: Any = data if binary else data.decode("utf-8", "replace")
        _lock.acquire()
        try:
            try:
                stream.write(payload)
            except TypeError:  # a stream that lied about its mode: use the other kind
                _target = (stream, not binary, False)
                stream.write(data.decode("utf-8", "replace") if binary else data)
            stream.flush()
        finally:
            _lock.release()
    except Exception:
        _failed_writes += 1


def failed_writes() -> int:
    """How many lines the stream refused (a closed or broken stream)."""
    return _failed_writes
