"""``--format json``: the report dictionary as indented JSON (keys in documented order)."""

from __future__ import annotations

import orjson

from tools.logreport.report import Report


def render_json(report: Report) -> str:
    """The report as JSON text, ending in a newline."""
    return orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n"
