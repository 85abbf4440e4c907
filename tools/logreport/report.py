"""The report as one plain dictionary: what every rendering (table, JSON, HTML) shows.

Its keys are stable and documented in docs/log-volume.md; lists are sorted (bytes descending,
then name) so the same input always gives the same output. ``schema`` names the version.
"""

from __future__ import annotations

from typing import Any

from tools.logreport.advice import advise
from tools.logreport.cost import GB, PRICE_SOURCE, Cost, Prices, estimate
from tools.logreport.lines import LEVEL_ORDER
from tools.logreport.volume import Tally, Volume

SCHEMA = "obskit.logs-report/1"
LARGEST_WORKFLOWS = 20  # the largest workflows listed (all are counted)
Report = dict[str, Any]


def _share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def _row(tally: Tally, total: Tally) -> dict[str, Any]:
    return {
        "lines": tally.lines,
        "bytes": tally.bytes,
        "share_lines": _share(tally.lines, total.lines),
        "share_bytes": _share(tally.bytes, total.bytes),
        "bytes_per_line": round(tally.bytes / tally.lines, 1) if tally.lines else 0.0,
    }


def _level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def _money(cost: Cost) -> dict[str, Any]:
    def rounded(values: dict[str, float]) -> dict[str, float]:
        return {key: float(f"{value:.10g}") for key, value in values.items()}

    return {
        "per_workflow": rounded(cost.per_workflow.as_dict()),
        "per_day": rounded(cost.per_day.as_dict()),
        "per_month": rounded(cost.per_month.as_dict()),
    }


def build(
    volume: Volume,
    prices: Prices,
    *,
    budget: int | None,
    source: dict[str, Any],
) -> Report:
    """The report of ``volume`` at ``prices`` against ``budget`` bytes per workflow."""
    total = volume.total
    workflows = len(volume.workflows)
    per = max(workflows, 1)
    bytes_per_workflow = total.bytes / per
    cost = estimate(bytes_per_workflow, prices)

    def pricer(saving: float) -> float:
        return estimate(saving, prices).per_month.total

    services = sorted(volume.by_service.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
    levels = sorted(volume.by_level.items(), key=lambda kv: (_level_rank(kv[0]), kv[0]))
    pairs = sorted(
        volume.by_service_level.items(),
        key=lambda kv: (-volume.by_service[kv[0][0]].bytes, kv[0][0], _level_rank(kv[0][1])),
    )
    sites = sorted(volume.sites.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
    wf_sizes = sorted(volume.workflows.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
    buffer = volume.buffer
    return {
        "schema": SCHEMA,
        "source": source,
        "totals": {
            "lines": total.lines,
            "bytes": total.bytes,
            "bytes_per_line": round(total.bytes / total.lines, 1) if total.lines else 0.0,
            "workflows": workflows,
            "bytes_per_workflow": round(bytes_per_workflow, 1),
            "lines_per_workflow": round(total.lines / per, 1),
            "first_timestamp_ms": volume.first_ms,
            "last_timestamp_ms": volume.last_ms,
            "gzip_fraction": _share(volume.gzip_bytes, total.bytes),
        },
        "by_service": [{"service": name, **_row(t, total)} for name, t in services],
        "by_level": [{"level": name, **_row(t, total)} for name, t in levels],
        "by_service_level": [
            {"service": svc, "level": lvl, **_row(t, total)} for (svc, lvl), t in pairs
        ],
        "call_sites": [
            {
                "service": svc,
                "level": lvl,
                "template": tpl,
                **_row(site, total),
                "lines_per_workflow": round(site.lines / per, 2),
                "lines_without_correlation_id": site.without_correlation,
                "example": site.example,
            }
            for (svc, lvl, tpl), site in sites
        ],
        "correlation": {
            "found_top_level": volume.correlation_top,
            "found_nested": volume.correlation_nested,
            "found_in_text": volume.correlation_text,
            "lines_lambda_system": volume.lambda_system,
            "lines_without_field": volume.without_field,
            "share_without_field": _share(volume.without_field, total.lines),
            "lines_without_any": volume.without_correlation.lines,
            "share_without_any": _share(volume.without_correlation.lines, total.lines),
        },
        "workflows": [
            {"correlation_id": cid, "lines": t.lines, "bytes": t.bytes}
            for cid, t in wf_sizes[:LARGEST_WORKFLOWS]
        ],
        "repeats": {
            "repeated_lines": volume.repeated.lines,
            "repeated_bytes": volume.repeated.bytes,
            "share_lines": _share(volume.repeated.lines, total.lines),
            "top": [
                {"count": n, "bytes_per_line": size, "text": text}
                for n, size, text in volume.repeat_samples
            ],
        },
        "debug_buffering": {
            "buffer_bytes": buffer.limit,
            "sample_rate": buffer.sample_rate,
            "invocations_from": "request_id"
            if buffer.invocations_by_request_id
            else ("service_and_workflow"),
            "debug_bytes": buffer.debug_bytes,
            "written_bytes": round(buffer.written_bytes, 1),
            "saving_bytes": round(buffer.debug_bytes - buffer.written_bytes, 1),
        },
        "cost": {
            "currency": "USD",
            "price_source": PRICE_SOURCE,
            "gb_bytes": GB,
            "prices": {
                "ingest_per_gb": prices.ingest_per_gb,
                "storage_per_gb_month": prices.storage_per_gb_month,
                "scan_per_gb": prices.scan_per_gb,
            },
            "assumptions": {
                "stored_fraction": prices.stored_fraction,
                "retention_days": prices.retention_days,
                "workflows_per_day": prices.workflows_per_day,
                "days_per_month": round(730 / 24, 4),
                "scans": "one Logs Insights query over the period's lines",
            },
            **_money(cost),
        },
        "budget": {
            "log_bytes_per_workflow": budget,
            "bytes_per_workflow": round(bytes_per_workflow, 1),
            "over": budget is not None and bytes_per_workflow > budget,
            "ratio": round(bytes_per_workflow / budget, 4) if budget else None,
        },
        "advice": advise(volume, workflows, budget, pricer),
    }
