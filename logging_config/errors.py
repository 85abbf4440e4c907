"""Errors the logging library raises on purpose (everything else is swallowed, never raised).

``MissingCorrelationError`` is the only error a logging call can raise, and only when the library was
configured with ``strict=True`` (meant for tests and CI): a line logged outside any correlation
context is a bug to find before production, where the line is written with ``null`` IDs instead.
"""

from __future__ import annotations


class MissingCorrelationError(RuntimeError):
    """A line was logged outside any correlation context while ``strict=True``."""
