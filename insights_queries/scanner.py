"""The C reader of JSON lines (``_scan.c``), checked once on import.

Why a module of its own: the reader is compiled by ``pip install -e .``, so a source tree can
hold a build of an older ``_scan.c`` (or none). Every user of the reader imports it from here,
where either case is told in one line with what to do, instead of failing mid-query.
"""

from __future__ import annotations

try:
    from insights_queries._scan import VERSION as _SCAN_VERSION
    from insights_queries._scan import count_pairs, line_spans, scan_lines
except ImportError as error:  # never compiled, or compiled from a _scan.c before line_spans
    raise ImportError(
        "insights_queries._scan (the C reader of JSON lines, insights_queries/_scan.c) is not "
        "built or is out of date: run `pip install -e .` in the repository to compile it"
    ) from error

SCAN_VERSION = 3
"""The interface of ``_scan.c`` this code needs (its ``VERSION``)."""

if _SCAN_VERSION != SCAN_VERSION:  # a build of an older _scan.c (it would fail mid-query)
    raise ImportError(
        f"insights_queries._scan is built from an older _scan.c (version {_SCAN_VERSION}, "
        f"this code needs {SCAN_VERSION}): run `pip install -e .` in the repository to rebuild it"
    )

__all__ = ["SCAN_VERSION", "count_pairs", "line_spans", "scan_lines"]
