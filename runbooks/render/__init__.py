"""RUNBOOK.md from the catalog's scenarios and generated alarms (jinja2, deterministic)."""

from runbooks.render.runbook_md import render_runbook, write_runbook

__all__ = ["render_runbook", "write_runbook"]
