"""``--format html``: one self-contained page with a waterfall of the services and events.

No external file, font or script: the trace is embedded as JSON and a small inline script draws
the waterfall as SVG (one bar per service from its first to its last line, a tick per event where
it was handled, a red mark per error), so the page works from an e-mail attachment or an incident
ticket. The tables below it say the same in text for search and for screen readers.
"""

from __future__ import annotations

from html import escape
from typing import Any

import orjson

from tools.tracing.model import Trace, iso
from tools.tracing.render_json import to_dict

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px} .meta{color:#5b6475;margin:0 0 16px}
.status{font-weight:700;padding:2px 8px;border-radius:4px;color:#fff}
.completed{background:#1f8a4c} .failed{background:#c62828} .incomplete{background:#b7791f}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
.bar{fill:#4a90d9} .bar.has-errors{fill:#e57373} .event-mark{fill:#1d2330}
.event-bar{fill:#7e57c2} .event-bar.repeated{fill:#f9a825} svg text.event-label{font-size:11px}
.error-mark{fill:#c62828;stroke:#fff;stroke-width:1} .axis{stroke:#c3c9d4}
table{border-collapse:collapse;margin:12px 0 20px} td,th{padding:3px 10px;text-align:left;
border-bottom:1px solid #e3e6ec;vertical-align:top} th{background:#f3f5f8}
td.num{text-align:right} td{white-space:nowrap} svg text.duration{fill:#5b6475} tr.error td{color:#c62828} tr.warning td{color:#9a6700}
"""

_SCRIPT = """
(function(){
const d=JSON.parse(document.getElementById('trace-data').textContent);
const NS='http://www.w3.org/2000/svg', MAX_EVENTS=300, W=1100, LEFT=190, ROW=28, TOP=30;
const span=Math.max(d.end_ms-d.start_ms,1), plot=W-LEFT-70;
const x=t=>LEFT+(t-d.start_ms)/span*plot;
const fmt=ms=>ms<1000?Math.round(ms)+' ms':(ms/1000).toFixed(1)+' s';
const row={}; d.services.forEach((s,i)=>row[s.name]=i);
const svg=document.createElementNS(NS,'svg');
const EROW=18, shown=d.events.slice(0,MAX_EVENTS), ETOP=TOP+d.services.length*ROW+16;
const H=ETOP+shown.length*EROW+20;
svg.setAttribute('width',W); svg.setAttribute('height',H); svg.setAttribute('id','waterfall');
function el(name,attrs,text){const e=document.createElementNS(NS,name);
  for(const k in attrs)e.setAttribute(k,attrs[k]); if(text!==undefined)e.textContent=text;
  svg.appendChild(e); return e;}
for(let i=0;i<=4;i++){const t=d.start_ms+span*i/4, px=x(t);
  el('line',{x1:px,x2:px,y1:TOP-6,y2:H-14,class:'axis'});
  el('text',{x:px-12,y:TOP-10},'+'+fmt(t-d.start_ms));}
d.services.forEach((s,i)=>{const y=TOP+i*ROW;
  el('text',{x:4,y:y+15},s.name+' ('+s.lines+')');
  const bar=el('rect',{x:x(s.first_ms),y:y+3,width:Math.max(x(s.last_ms)-x(s.first_ms),3),
    height:ROW-10,rx:3,class:'bar'+(s.errors?' has-errors':''),'data-service':s.name});
  el('text',{x:x(s.last_ms)+8,y:y+15,class:'duration'},fmt(s.last_ms-s.first_ms));});
d.events.forEach(e=>{if(!(e.service in row)||e.handled_ms===null)return;
  // a tick on the handling service's bar
  const y=TOP+row[e.service]*ROW, px=x(e.handled_ms);
  el('rect',{x:px-1,y:y,width:2,height:ROW-4,class:'event-mark','data-event':e.event_id});});
shown.forEach((e,i)=>{const y=ETOP+i*EROW, a=e.emitted_ms===null?e.handled_ms:e.emitted_ms;
  el('text',{x:4,y:y+12,class:'event-label'},e.event_type+' → '+e.service);
  el('rect',{x:x(a),y:y+3,width:Math.max(x(e.handled_ms)-x(a),3),height:EROW-6,rx:2,
    class:'event-bar'+(e.handled_count>1?' repeated':''),'data-event':e.event_id});
  el('text',{x:x(e.handled_ms)+6,y:y+12,class:'duration'},
    e.emitted_ms===null?'':'+'+fmt(e.handled_ms-e.emitted_ms));});
d.errors.forEach(e=>{if(!(e.service in row))return; const y=TOP+row[e.service]*ROW;
  el('circle',{cx:x(e.at_ms),cy:y+ROW/2-2,r:6,class:'error-mark','data-service':e.service});});
document.getElementById('chart').appendChild(svg);
})();
"""


def _page_data(trace: Trace) -> dict[str, Any]:
    """What the script draws: times in epoch milliseconds."""
    return {
        "start_ms": trace.started_at or 0,
        "end_ms": trace.ended_at or 0,
        "services": [
            {
                "name": s.name,
                "first_ms": s.first_at,
                "last_ms": s.last_at,
                "lines": s.lines,
                "errors": s.errors,
            }
            for s in trace.services
        ],
        "events": [
            {
                "event_id": e.event_id,
                "event_type": e.event_type or "?",
                "service": e.service,
                "emitted_ms": e.emitted_at,
                "handled_ms": e.handled_at,
                "handled_count": e.handled_count,
            }
            for e in trace.events
            if e.handled_at is not None
        ],
        "errors": [{"at_ms": ln.at, "service": ln.service} for ln in trace.errors],
    }


def _rows(rows: list[list[str]], classes: list[str] | None = None) -> str:
    out = []
    for i, row in enumerate(rows):
        css = f' class="{classes[i]}"' if classes else ""
        out.append(f"<tr{css}>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
    return "\n".join(out)


def _table(head: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><tr>{header}</tr>\n{_rows(rows, classes)}\n</table>"


def render_html(trace: Trace) -> str:
    """The page's HTML text."""
    doc = to_dict(trace)
    data = orjson.dumps(_page_data(trace)).decode().replace("</", "<\\/")
    total = len(trace.lines) or 1
    services = _table(
        ["service", "log group", "lines", "share", "errors", "first", "last"],
        [
            [
                s["name"],
                s["log_group"],
                f"{s['lines']:,}",
                f"{100 * s['lines'] / total:.1f}%",
                str(s["errors"]),
                s["first_at"],
                s["last_at"],
            ]
            for s in doc["services"]
        ],
    )
    problems = [*trace.errors, *trace.warnings]
    problems.sort(key=lambda ln: ln.at)
    messages = _table(
        ["at", "service", "level", "message"],
        [[iso(ln.at) or "", ln.service, ln.level, ln.message] for ln in problems],
        ["error" if ln.is_error else "warning" for ln in problems],
    )
    events = _table(
        ["event", "type", "caused by", "handled by", "emitted", "handled", "count"],
        [
            [
                e["event_id"],
                e["event_type"] or "",
                e["causation_id"] or "",
                e["service"] or "",
                e["emitted_at"] or "",
                e["handled_at"] or "",
                str(e["handled_count"]),
            ]
            for e in doc["events"]
        ],
    )
    missing = "".join(f"<li>{escape(m['reason'])}</li>" for m in doc["missing"])
    duration = "-" if trace.duration_ms is None else f"{trace.duration_ms / 1000:.3f} s"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Trace {escape(trace.correlation_id)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>Trace {escape(trace.correlation_id)}
 <span class="status {escape(trace.status)}" id="status">{escape(trace.status)}</span></h1>
<p class="meta">workflow {escape(trace.workflow or "-")} · {escape(doc["started_at"] or "")} →
 {escape(doc["ended_at"] or "")} ({duration}) · {len(trace.lines):,} lines ·
 {trace.malformed_lines} malformed · searched {escape(trace.searched)}</p>
<div id="chart"></div>
<h2>Services</h2>{services}
<h2>Errors and warnings</h2>{messages}
<h2>Where it stopped</h2><ul id="missing">{missing or "<li>nothing missing</li>"}</ul>
<h2>Events</h2>{events}
<script type="application/json" id="trace-data">{data}</script>
<script>{_SCRIPT}</script>
</body></html>"""
