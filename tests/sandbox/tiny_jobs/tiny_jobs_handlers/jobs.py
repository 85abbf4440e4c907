"""The two jobs: each logs one line per run and returns."""

from __future__ import annotations

from typing import Any

from logging_config import get_logger, inject_lambda_context
from tiny_jobs_handlers import faults

log = get_logger(__name__)


@inject_lambda_context
def janitor(event: dict[str, Any], context: Any) -> dict[str, Any]:
    faults.before_work("janitor")
    log.info("Temporary files deleted", deleted=3)
    return {"deleted": 3}


@inject_lambda_context
def reporter(event: dict[str, Any], context: Any) -> dict[str, Any]:
    faults.before_work("reporter")
    log.info("Report written")
    return {"report": "ok"}
