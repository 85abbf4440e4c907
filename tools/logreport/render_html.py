"""``--format html``: one self-contained page with a chart of volume by service and level.

The chart is inline SVG (no script, no external CSS or fonts), so the page opens anywhere,
attaches to a ticket and survives being mailed. One horizontal bar per service, split by level,
its length proportional to the service's bytes; each segment is a ``rect`` with ``class="bar"``
and ``data-service`` / ``data-level`` / ``data-bytes`` so tests (and readers of the source) can
check the numbers. A second, log-scaled bar length would hide that one service dominates; the
small services are listed with their numbers beside the bar instead.
"""

from __future__ import annotations

from html import escape
from typing import Any

from tools.logreport.report import Report
from tools.logreport.units import human_bytes, percent, usd

LEVEL_COLOURS = {
    "DEBUG": "#9aa5b1",
    "INFO": "#2f80ed",
    "WARNING": "#f2994a",
    "ERROR": "#eb5757",
    "CRITICAL": "#9b1c1c",
    "PLATFORM": "#6fcf97",
    "NONE": "#bdbdbd",
}
OTHER_COLOUR = "#828282"
BAR_AREA = 560
LABEL_WIDTH = 190
ROW_HEIGHT = 26
HTML_CALL_SITES = 25

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd}
th{text-align:left;background:#f4f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sev-error{color:#b00020;font-weight:bold}.sev-warn{color:#a05a00}.sev-info{color:#1b5e9f}
svg text{font-size:12px;font-family:inherit}code{font-size:.85rem}
"""


def _chart(report: Report) -> str:
    services = report["by_service"]
    levels = [row["level"] for row in report["by_level"]]
    cells = {(r["service"], r["level"]): r["bytes"] for r in report["by_service_level"]}
    largest = max((row["bytes"] for row in services), default=0) or 1
    height = ROW_HEIGHT * (len(services) + 1) + 10
    width = LABEL_WIDTH + BAR_AREA + 200
    parts = [
        f'<svg id="volume-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" role="img" aria-label="Log volume by service and level">'
    ]
    for index, row in enumerate(services):
        y = index * ROW_HEIGHT + 4
        service = row["service"]
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">{escape(service)}</text>'
        )
        x = float(LABEL_WIDTH)
        for level in levels:
            size = cells.get((service, level), 0)
            if not size:
                continue
            length = max(size / largest * BAR_AREA, 1.0)
            colour = LEVEL_COLOURS.get(level, OTHER_COLOUR)
            parts.append(
                f'<rect class="bar" x="{x:.2f}" y="{y}" width="{length:.2f}" height="18" '
                f'fill="{colour}" data-service="{escape(service)}" data-level="{escape(level)}" '
                f'data-bytes="{size}"><title>{escape(service)} {escape(level)}: '
                f"{human_bytes(size)}</title></rect>"
            )
            x += length
        parts.append(
            f'<text x="{x + 6:.2f}" y="{y + 15}">{human_bytes(row["bytes"])} · '
            f"{percent(row['share_bytes'])} of bytes, {row['lines']:,} lines</text>"
        )
    legend_y = len(services) * ROW_HEIGHT + 10
    x = float(LABEL_WIDTH)
    for level in levels:
        colour = LEVEL_COLOURS.get(level, OTHER_COLOUR)
        parts.append(
            f'<rect class="legend" x="{x:.0f}" y="{legend_y}" width="12" height="12" '
            f'fill="{colour}"/><text x="{x + 16:.0f}" y="{legend_y + 11}">{escape(level)}</text>'
        )
        x += 110
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str] | None, rows: list[list[str]], numeric: set[int]) -> str:
    head = (
        "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr></thead>"
        if headers
        else ""
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(cell)}</td>' if i in numeric else f"<td>{escape(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _summary(report: Report) -> str:
    totals = report["totals"]
    corr = report["correlation"]
    budget = report["budget"]
    rows = [
        ["lines", f"{totals['lines']:,}"],
        ["bytes", human_bytes(totals["bytes"])],
        ["bytes per line", f"{totals['bytes_per_line']:,.1f}"],
        ["workflows", f"{totals['workflows']:,}"],
        ["bytes per workflow", human_bytes(totals["bytes_per_workflow"])],
        ["lines without a correlation_id field", percent(corr["share_without_field"])],
        ["lines with no correlation id at all", percent(corr["share_without_any"])],
        ["repeated identical lines", percent(report["repeats"]["share_lines"])],
    ]
    if budget["log_bytes_per_workflow"] is not None:
        rows.append(
            [
                "budget per workflow",
                f"{human_bytes(budget['log_bytes_per_workflow'])} "
                f"({'OVER' if budget['over'] else 'under'}, {budget['ratio']:.1f}x)",
            ]
        )
    return _table(None, rows, {1})


def _cost(report: Report) -> str:
    cost = report["cost"]
    keys = ("ingest", "storage", "scan", "total")
    rows = []
    for label, key in (
        ("per workflow", "per_workflow"),
        ("per day", "per_day"),
        ("per month", "per_month"),
    ):
        values: dict[str, Any] = cost[key]
        rows.append([label, *(usd(values[k]) for k in keys)])
    a = cost["assumptions"]
    p = cost["prices"]
    note = (
        f"<p>Prices: ingestion ${p['ingest_per_gb']}/GB, storage ${p['storage_per_gb_month']}"
        f"/GB-month after compression, Logs Insights ${p['scan_per_gb']}/GB scanned "
        f"({escape(cost['price_source'])}); {a['workflows_per_day']:g} workflow(s)/day, "
        f"{a['retention_days']} days retention, stored fraction {a['stored_fraction']}.</p>"
    )
    return _table(["", *keys], rows, {1, 2, 3, 4}) + note


def render_html(report: Report) -> str:
    """The whole page."""
    sites = [
        [
            r["service"],
            r["level"],
            r["template"],
            f"{r['lines']:,}",
            human_bytes(r["bytes"]),
            percent(r["share_bytes"]),
        ]
        for r in report["call_sites"][:HTML_CALL_SITES]
    ]
    advice = "".join(
        f'<li><span class="sev-{escape(a["severity"])}">{escape(a["severity"].upper())}</span> '
        f"{escape(a['text'])}"
        + (
            f" — saves {human_bytes(a['saving_bytes_per_workflow'])}/workflow, "
            f"{usd(a['saving_usd_per_month'])}/month"
            if a["saving_bytes_per_workflow"]
            else ""
        )
        + "</li>"
        for a in report["advice"]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>obskit log volume report</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Log volume and cost</h1>"
        f"{_summary(report)}"
        "<h2>Volume by service and level (bytes)</h2>"
        f"{_chart(report)}"
        f"<h2>Top {HTML_CALL_SITES} call sites</h2>"
        + _table(["service", "level", "template", "lines", "bytes", "share"], sites, {3, 4, 5})
        + "<h2>Cost</h2>"
        + _cost(report)
        + f"<h2>Advice</h2><ul>{advice}</ul>"
        "</body></html>\n"
    )
