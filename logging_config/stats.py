"""Counters of what the logger had to work around, so silent fallbacks are still visible.

    import logging_config

    logging_config.stats()["missing_correlation"]   # lines logged outside any context

``missing_correlation`` lines logged with null IDs (non-strict mode), ``sanitized`` lines that needed
the slow serializer, ``truncated`` lines cut to the size limit, ``emergency`` lines written by the
last-resort fallback, ``debug_dropped`` buffered DEBUG lines dropped because the buffer was full,
``debug_discarded`` buffered DEBUG lines thrown away after a clean invocation.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_counts: dict[str, int] = {
    "missing_correlation": 0,
    "sanitized": 0,
    "truncated": 0,
    "emergency": 0,
    "debug_dropped": 0,
    "debug_discarded": 0,
}


def count(name: str, amount: int = 1) -> None:
    """Add ``amount`` to counter ``name``."""
    with _lock:
        _counts[name] = _counts.get(name, 0) + amount


def stats() -> dict[str, int]:
    """A copy of every counter, plus ``failed_writes`` from the sink."""
    from logging_config.sink import failed_writes

    with _lock:
        snapshot = dict(_counts)
    snapshot["failed_writes"] = failed_writes()
    return snapshot


def missing_correlation_count() -> int:
    """Lines logged outside any correlation context since start (or the last reset)."""
    with _lock:
        return _counts["missing_correlation"]


def reset_stats() -> None:
    """Zero every counter (tests)."""
    with _lock:
        for name in _counts:
            _counts[name] = 0
