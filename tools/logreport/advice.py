"""What to turn down: the call sites that dominate volume, levels that look wrong, the budget.

Each piece of advice carries its saving in bytes per workflow and in USD per month at the
report's prices, so the list can be sorted by what it is worth. EMF metric lines (call sites
marked ``emf``) are never advised to be cut or demoted: they are the metrics the alarms read.
Lambda's own lines are never blamed for lacking a correlation id (see
:mod:`tools.logreport.lines`). Savings are of two kinds:

- at INFO: the call site logs at DEBUG and the service runs at INFO, so none of its lines are
  written (for a call site already at DEBUG, that is the saving of running at INFO);
- with buffering: the logger's DEBUG buffering (``logging_config.debug_buffer``) still writes the
  DEBUG lines held before an error in the same invocation; the saving is what remains
  (see :mod:`tools.logreport.buffering`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tools.logreport.buffering import SiteKey
from tools.logreport.volume import Volume

TOP_CALL_SITES = 5
HOT_LOOP_PER_WORKFLOW = 10  # a WARNING written this often per workflow is a loop, not an event
DEBUG_SHARE_TO_ADVISE = 0.10
REPEAT_SHARE_TO_ADVISE = 0.10
_SUCCESS = re.compile(
    r"\b(complete|completed|success|successful|successfully|succeeded|finished|done|ok)\b",
    re.IGNORECASE,
)
_FAILURE = re.compile(
    r"\b(failed|failure|error|exception|rejected|rejecting|timed out|timeout)\b|❌",
    re.IGNORECASE,
)

Advice = dict[str, Any]
Pricer = Callable[[float], float]  # bytes per workflow -> USD per month


def _item(
    kind: str,
    severity: str,
    text: str,
    *,
    site: SiteKey | None = None,
    lines: int = 0,
    saving: float = 0.0,
    saving_buffered: float | None = None,
    pricer: Pricer,
) -> Advice:
    service, level, template = site if site is not None else (None, None, None)
    return {
        "kind": kind,
        "severity": severity,
        "service": service,
        "level": level,
        "template": template,
        "lines": lines,
        "saving_bytes_per_workflow": round(saving, 1),
        "saving_usd_per_month": float(f"{pricer(saving):.10g}"),
        "saving_with_buffering_bytes_per_workflow": (
            None if saving_buffered is None else round(saving_buffered, 1)
        ),
        "text": text,
    }


def advise(volume: Volume, workflows: int, budget: int | None, pricer: Pricer) -> list[Advice]:
    """Every piece of advice for ``volume`` (``workflows`` >= 1 divides totals per workflow)."""
    per = max(workflows, 1)
    total = max(volume.total.bytes, 1)
    ranked = sorted(volume.sites.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
    cuttable = [(site, tally) for site, tally in ranked if not tally.emf]
    out: list[Advice] = []
    for site, tally in cuttable[:TOP_CALL_SITES]:
        service, level, template = site
        if level == "DEBUG":
            buffered = tally.bytes - volume.buffer.site_written(site, tally.bytes)
            how = "already DEBUG: it is written because the service logs at DEBUG"
        else:
            buffered = tally.bytes - volume.demoted.site_written(site, tally.bytes)
            how = f"demote it from {level} to DEBUG"
        out.append(
            _item(
                "dominant_call_site",
                "warn" if tally.bytes / total >= 0.10 else "info",
                f"{service} '{template}' writes {tally.bytes / total:.1%} of all bytes "
                f"({tally.lines / per:,.0f} lines per workflow): {how}; with the logger's "
                f"debug buffering it would write {(tally.bytes - buffered) / per:,.0f} "
                "bytes per workflow",
                site=site,
                lines=tally.lines,
                saving=tally.bytes / per,
                saving_buffered=buffered / per,
                pricer=pricer,
            )
        )
    out.extend(_debug_share(volume, per, pricer))
    for site, tally in ranked:
        _service, level, template = site
        if level in ("ERROR", "CRITICAL") and _SUCCESS.search(template):
            out.append(
                _item(
                    "error_that_is_not",
                    "warn",
                    f"'{template}' is logged at {level} but reads as an outcome, not a failure: "
                    "log it at INFO (or WARNING), or say what failed",
                    site=site,
                    lines=tally.lines,
                    pricer=pricer,
                )
            )
        elif level == "WARNING" and tally.lines / per >= HOT_LOOP_PER_WORKFLOW and not tally.emf:
            out.append(
                _item(
                    "warning_in_hot_loop",
                    "warn",
                    f"'{template}' is a WARNING written {tally.lines / per:,.0f} times per "
                    "workflow: warn once with a count, or log each at DEBUG",
                    site=site,
                    lines=tally.lines,
                    saving=tally.bytes / per,
                    pricer=pricer,
                )
            )
        elif level in ("DEBUG", "INFO") and _FAILURE.search(template):
            out.append(
                _item(
                    "failure_below_warning",
                    "info",
                    f"'{template}' reads as a failure but is logged at {level}: alarms and "
                    "error queries will not see it",
                    site=site,
                    lines=tally.lines,
                    pricer=pricer,
                )
            )
    out.extend(_budget(volume, per, budget, cuttable, pricer))
    out.extend(_correlation(volume, ranked, pricer))
    if volume.repeated.lines / max(volume.total.lines, 1) >= REPEAT_SHARE_TO_ADVISE:
        out.append(
            _item(
                "repeated_lines",
                "info",
                f"{volume.repeated.lines / volume.total.lines:.1%} of lines repeat an earlier "
                "line word for word (timestamps aside): log once with a count, or add what "
                "differs",
                lines=volume.repeated.lines,
                saving=volume.repeated.bytes / per,
                pricer=pricer,
            )
        )
    return out


def _debug_share(volume: Volume, per: int, pricer: Pricer) -> list[Advice]:
    debug = volume.by_level.get("DEBUG")
    if debug is None or debug.bytes / max(volume.total.bytes, 1) < DEBUG_SHARE_TO_ADVISE:
        return []
    buffer = volume.buffer
    kept = buffer.written_bytes
    return [
        _item(
            "debug_level",
            "warn",
            f"{debug.lines / volume.total.lines:.0%} of lines ({debug.bytes / volume.total.bytes:.0%}"
            f" of bytes) are DEBUG: run at INFO, or keep DEBUG with the logger's debug buffering, "
            f"which writes DEBUG lines only on invocations that error "
            f"({kept / per:,.0f} bytes per workflow here)",
            lines=debug.lines,
            saving=debug.bytes / per,
            saving_buffered=(debug.bytes - kept) / per,
            pricer=pricer,
        )
    ]


def _budget(
    volume: Volume,
    per: int,
    budget: int | None,
    ranked: list[tuple[SiteKey, Any]],
    pricer: Pricer,
) -> list[Advice]:
    if budget is None:
        return []
    mean = volume.total.bytes / per
    if mean <= budget:
        return []
    remaining = mean
    needed: list[str] = []
    for (service, level, template), tally in ranked:
        if remaining <= budget:
            break
        remaining -= tally.bytes / per
        needed.append(f"{service} '{template}' ({level})")
    return [
        _item(
            "over_budget",
            "error",
            f"{mean:,.0f} bytes per workflow is {mean / budget:.1f}x the catalog's budget of "
            f"{budget:,} (budgets.log_bytes_per_workflow); turning down the top "
            f"{len(needed)} call site(s) brings it under: "
            + "; ".join(needed[:5])
            + ("..." if len(needed) > 5 else ""),
            lines=volume.total.lines,
            saving=mean - budget,
            pricer=pricer,
        )
    ]


def _correlation(volume: Volume, ranked: list[tuple[SiteKey, Any]], pricer: Pricer) -> list[Advice]:
    if volume.without_field == 0:
        return []
    sites = [(site, s.without_correlation) for site, s in ranked if s.without_correlation]
    sites.sort(key=lambda item: (-item[1], item[0]))
    names = "; ".join(f"{svc} '{tpl}' ({n})" for (svc, _lvl, tpl), n in sites[:5])
    found = (
        f"{volume.correlation_text} of them name it only in their text"
        if volume.correlation_text
        else "none names one in its text"
    )
    return [
        _item(
            "missing_correlation_id",
            "warn",
            f"{volume.without_field} line(s) carry no correlation_id field ({found}), so "
            f"trace and per-workflow queries miss them: {names}",
            lines=volume.without_field,
            pricer=pricer,
        )
    ]
