"""The drill report in three forms: JSON (for machines: ``obskit ready``), Markdown, HTML.

The HTML page draws each scenario's alarm timeline as inline SVG (no script, no external asset),
so it opens from a CI artifact or an e-mail attachment as it is. Times are simulated seconds
since the fault was injected; negative times are the baseline.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import orjson

from runbooks.drills.model import DrillReport, DrillResult, StepResult, Transition

STATE_COLOURS = {"OK": "#2e7d32", "ALARM": "#c62828", "INSUFFICIENT_DATA": "#9e9e9e"}
ROW_H = 22
LABEL_W = 360
PLOT_W = 560


def to_json_bytes(report: DrillReport) -> bytes:
    return orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2) + b"\n"


def _fmt(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.0f} s"


def timing_line(timing: dict[str, Any]) -> str:
    """The alarm timing model in one line: evaluation schedule, then delay per namespace."""
    if not timing:
        return "not recorded"
    delays = timing.get("ingestion_delay_s") or {}
    listed = ", ".join(f"{name} {seconds:g} s" for name, seconds in delays.items())
    return f"{timing.get('evaluation', '?')}; ingestion delay {listed or 'none'}"


def to_markdown(report: DrillReport) -> str:
    lines = [
        f"# Drill report: {report.system} ({report.stage})",
        "",
        f"Catalog: {report.catalog}. Result: **{'PASS' if report.passed else 'FAIL'}** "
        f"({sum(r.passed for r in report.results)}/{len(report.results)} drills passed). "
        "Times are simulated seconds since the fault was injected.",
        "",
        "| drill | result | detected | recovered | workflows (started/completed/lost/dup) | steps "
        "ok/run | placeholders | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in report.results:
        w = r.workflows
        lines.append(
            f"| `{r.id}` | {'PASS' if r.passed else 'FAIL'} | {_fmt(r.detected_after_s)} | "
            f"{_fmt(r.recovered_after_s)} | {w.started}/{w.completed}/{w.lost}/{w.duplicated} | "
            f"{steps_ok(r)} | {r.placeholders} | {r.wall_s:.1f} |"
        )
    for r in report.results:
        lines += ["", f"## {r.id}: {r.title}", ""]
        lines.append(f"- expected alarms: {', '.join(r.expected_alarms) or 'none'}")
        lines.append(f"- fired alarms: {', '.join(r.fired_alarms) or 'none'}")
        lines.append(f"- alarm timing: {timing_line(r.alarm_timing)}")
        if r.unexpected_alarms:
            lines.append(f"- unexpected alarms: {', '.join(r.unexpected_alarms)}")
        for step in r.steps:
            lines.append(f"- {step.part}: `{step.command}` → {step_outcome(step)}")
        for failure in r.failures:
            lines.append(f"- **failed**: {failure}")
    return "\n".join(lines) + "\n"


def steps_ok(result: DrillResult) -> str:
    """``ok/run``: steps that exited as allowed and showed what they must, of those run."""
    ran = [s for s in result.steps if s.run]
    good = sum(1 for s in ran if s.ok and s.matched is not False)
    return f"{good}/{len(ran)}"


def step_outcome(step: StepResult) -> str:
    """How one step ended, in words: not run (why), its exit, and its expectation."""
    if not step.run:
        return (
            "not run (needs a value only a person can supply)"
            if step.placeholder
            else "not run (rollback)"
        )
    out = f"exit {step.exit_code}"
    if step.expect:
        shown = ", ".join(step.expect)
        out += f"; expect {shown}: " + ("shown" if step.matched else "NOT shown")
    return out


def _segments(result: DrillResult, alarm: str, end: float) -> list[tuple[float, float, str]]:
    changes = [t for t in result.timeline if t.alarm == alarm]
    start = min((t.at_s for t in result.timeline), default=0.0)
    out: list[tuple[float, float, str]] = []
    state, since = "INSUFFICIENT_DATA", start
    for change in changes:
        out.append((since, change.at_s, state))
        state, since = change.new_state, change.at_s
    out.append((since, end, state))
    return [s for s in out if s[1] > s[0]]


def _svg(result: DrillResult) -> str:
    transitions: list[Transition] = result.timeline
    every = {t.alarm for t in transitions}
    alarms = sorted(
        {t.alarm for t in transitions if t.new_state == "ALARM"}
        | (set(result.expected_alarms) & every)
    )
    quiet = len(every) - len(alarms)
    note = f"<p>{quiet} other alarm(s) never left OK / INSUFFICIENT_DATA.</p>" if quiet else ""
    if not alarms:
        return note or "<p>No alarm changed state.</p>"
    start = min(t.at_s for t in transitions)
    end = max(max(t.at_s for t in transitions), result.recovered_after_s or 0.0) + 60
    span = max(end - start, 1.0)

    def x(seconds: float) -> float:
        return LABEL_W + (seconds - start) / span * PLOT_W

    height = ROW_H * (len(alarms) + 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + PLOT_W + 90}" '
        f'height="{height}" role="img" aria-label="alarm timeline of {escape(result.id)}">'
    ]
    for row, alarm in enumerate(alarms):
        y = row * ROW_H
        expected = alarm in result.expected_alarms
        parts.append(
            f'<text x="4" y="{y + 15}" font-size="12" '
            f'font-weight="{"bold" if expected else "normal"}">{escape(alarm)}</text>'
        )
        for a, b, state in _segments(result, alarm, end):
            colour = STATE_COLOURS.get(state, "#607d8b")
            parts.append(
                f'<rect class="state-{state}" x="{x(a):.1f}" y="{y + 3}" '
                f'width="{max(x(b) - x(a), 1):.1f}" height="{ROW_H - 6}" fill="{colour}">'
                f"<title>{escape(alarm)}: {state} from {a:g} s to {b:g} s</title></rect>"
            )
    axis_y = len(alarms) * ROW_H + 15
    marks = [(0.0, "fault"), (result.budget_s, "budget")]
    if result.mitigated_at_s is not None:
        marks.append((result.mitigated_at_s, "runbook"))
    for at, label in marks:
        if start <= at <= end:
            parts.append(
                f'<line x1="{x(at):.1f}" y1="0" x2="{x(at):.1f}" y2="{axis_y - 12}" '
                'stroke="#000" stroke-dasharray="4 3"/>'
                f'<text x="{x(at) + 2:.1f}" y="{axis_y}" font-size="11">{label} {at:.0f} s</text>'
            )
    parts.append("</svg>")
    return "".join(parts) + note


def to_html(report: DrillReport) -> str:
    verdict = "PASS" if report.passed else "FAIL"
    body = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Drill report: {escape(report.system)} {escape(report.stage)}</title>",
        "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 8px}.PASS{color:#2e7d32}.FAIL{color:#c62828}"
        "</style></head><body>",
        f"<h1>Drill report: {escape(report.system)} ({escape(report.stage)})</h1>",
        f'<p id="verdict" class="{verdict}">{verdict}: '
        f"{sum(r.passed for r in report.results)}/{len(report.results)} drills passed. "
        "Times are simulated seconds since the fault was injected.</p>",
        "<table><tr><th>drill</th><th>result</th><th>detected</th><th>recovered</th>"
        "<th>started</th><th>completed</th><th>lost</th><th>duplicated</th></tr>",
    ]
    for r in report.results:
        w = r.workflows
        status = "PASS" if r.passed else "FAIL"
        body.append(
            f'<tr><td><a href="#{escape(r.id)}">{escape(r.id)}</a></td>'
            f'<td class="{status}">{status}</td><td>{_fmt(r.detected_after_s)}</td>'
            f"<td>{_fmt(r.recovered_after_s)}</td><td>{w.started}</td><td>{w.completed}</td>"
            f"<td>{w.lost}</td><td>{w.duplicated}</td></tr>"
        )
    body.append("</table>")
    for r in report.results:
        body.append(f'<section class="drill" id="{escape(r.id)}"><h2>{escape(r.title)}</h2>')
        body.append(f"<p>Expected: {escape(', '.join(r.expected_alarms) or 'none')}</p>")
        body.append(_svg(r))
        if r.steps:
            body.append("<ol>")
            for step in r.steps:
                body.append(
                    f'<li class="{escape(step.part)}">{escape(step.part)}: '
                    f"<code>{escape(step.command)}</code> → {escape(step_outcome(step))}</li>"
                )
            body.append("</ol>")
        for failure in r.failures:
            body.append(f'<p class="FAIL">{escape(failure)}</p>')
        body.append("</section>")
    body.append("</body></html>")
    return "\n".join(body) + "\n"


def write_report(report: DrillReport, path: Path) -> list[Path]:
    """``path`` gets the JSON; ``.md`` and ``.html`` siblings get the other two."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_json_bytes(report))
    markdown = path.with_suffix(".md")
    html = path.with_suffix(".html")
    markdown.write_text(to_markdown(report), encoding="utf-8")
    html.write_text(to_html(report), encoding="utf-8")
    return [path, markdown, html]
