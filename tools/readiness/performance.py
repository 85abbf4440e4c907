"""The seed document's Performance Validation checklist, item by item, from the evidence.

Items: baseline recorded (latency and throughput, within the SLAs); SLAs defined for every
workflow and hop; load tested at 2x the expected peak (from the baseline when it shows it,
otherwise a person confirms); cold starts measured and acceptable; cost projected from real usage;
a performance dashboard; alarms on SLA violations.
"""

from __future__ import annotations

from typing import Any

from dashboards.build import Monitoring
from dashboards.emf_names import WORKFLOW_DURATION, workflow_dimensions
from dashboards.facades.event_type import EVENT_TYPE_DIMENSION, HOP_LATENCY
from tools.readiness.evidence import Evidence
from tools.readiness.model import Item, failed, manual, passed
from tools.readiness.observability import NEED_LOGS

C = "performance"
TAKE_BASELINE = (
    "run `obskit baseline --from-logs run.json --out baseline.json` (or `--aws`) and pass "
    "`--baseline baseline.json`"
)


def _hop_slas(ev: Evidence) -> dict[str, float | None]:
    """Event type -> hop SLA for every event type a workflow goes through."""
    types = {e.name: e.hop_sla_s for e in ev.catalog.event_types}
    out: dict[str, float | None] = {}
    for w in ev.catalog.workflows:
        for name in [w.start_event, *w.steps, w.success_event, *w.failure_events]:
            out[name] = types.get(name)
    return out


def baseline(ev: Evidence) -> Item:
    title = "Baseline metrics collected (latency, throughput)"
    data = ev.baseline
    if data is None:
        return failed(C, "perf.baseline", title, TAKE_BASELINE, "no baseline given")
    where = str(ev.inputs.baseline)
    if data.get("system") != ev.catalog.system:
        return failed(
            C,
            "perf.baseline",
            title,
            TAKE_BASELINE,
            f"{where} is a baseline of {data.get('system')!r}, not {ev.catalog.system!r}",
        )
    e2e: dict[str, Any] = data["latency"].get("end_to_end") or {}
    t = data["throughput"]
    problems: list[str] = []
    evidence = [
        f"{where}: {t.get('workflows')} workflows ({t.get('workflows_per_hour')}/h), "
        f"{t.get('events')} events ({t.get('events_per_minute')}/min) over "
        f"{data['window'].get('seconds')} s"
    ]
    for w in ev.catalog.workflows:
        dist = e2e.get(w.name)
        if not dist or not dist.get("count"):
            problems.append(f"workflow {w.name}: no end-to-end latency in the baseline")
            continue
        evidence.append(
            f"{w.name} end to end p50 {dist['p50']} s, p99 {dist['p99']} s (SLA {w.sla_s:g} s)"
        )
        if dist["p99"] is not None and dist["p99"] > w.sla_s:
            problems.append(f"workflow {w.name}: p99 {dist['p99']} s > SLA {w.sla_s:g} s")
    hops: dict[str, Any] = data["latency"].get("hops") or {}
    for event_type, sla in sorted(_hop_slas(ev).items()):
        dist = hops.get(event_type)
        if sla is not None and dist and dist.get("p99") is not None and dist["p99"] > sla:
            problems.append(f"hop {event_type}: p99 {dist['p99']} s > hop SLA {sla:g} s")
    if not t.get("workflows"):
        problems.append("the baseline saw no workflow: no throughput")
    if problems:
        return failed(
            C, "perf.baseline", title, TAKE_BASELINE + " from a healthy run", *evidence, *problems
        )
    return passed(C, "perf.baseline", title, *evidence)


def slas(ev: Evidence) -> Item:
    title = "SLAs defined for critical paths (every workflow and hop)"
    if not ev.catalog.workflows:
        return failed(C, "perf.slas", title, "describe the workflows (with sla_s) in the catalog")
    hops = _hop_slas(ev)
    missing = sorted(k for k, v in hops.items() if v is None)
    evidence = [f"workflow {w.name}: {w.sla_s:g} s" for w in ev.catalog.workflows]
    evidence.append(", ".join(f"{k} {v:g} s" for k, v in sorted(hops.items()) if v is not None))
    if missing:
        return failed(
            C,
            "perf.slas",
            title,
            "set hop_sla_s on these event types in the catalog",
            *evidence,
            f"no hop SLA: {', '.join(missing)}",
        )
    return passed(C, "perf.slas", title, *evidence)


def load_test(ev: Evidence) -> Item:
    title = "Load testing completed (2x expected peak)"
    per_day = ev.catalog.budgets.workflows_per_day
    target = 2 * per_day
    confirm = (
        f"confirm a load test ran at least {target} workflows (2x the catalog's "
        f"{per_day}/day, all in one hour) with every workflow completed within its SLA"
    )
    data = ev.baseline
    if data is None:
        return manual(C, "perf.load-test", title, confirm, "no baseline to take it from")
    t = data["throughput"]
    workflows = int(t.get("workflows") or 0)
    rate = float(t.get("workflows_per_hour") or 0)
    evidence = f"baseline: {workflows} workflows at {rate}/h; 2x peak is {target} in an hour"
    if workflows >= target and rate >= target and ev.catalog.workflows:
        return passed(C, "perf.load-test", title, evidence)
    return manual(C, "perf.load-test", title, confirm, evidence)


def _consumed_sla(ev: Evidence, service_name: str) -> float | None:
    service = ev.catalog.service(service_name)
    slas = [e.hop_sla_s for e in ev.catalog.event_types if e.name in service.consumes]
    known = [s for s in slas if s is not None]
    return min(known) if known else None


def cold_starts(ev: Evidence) -> Item:
    title = "Cold start impact measured and acceptable"
    data = ev.baseline
    if data is None:
        return failed(C, "perf.cold-starts", title, TAKE_BASELINE, "no baseline given")
    services: dict[str, Any] = data["latency"].get("services") or {}
    measured = {k: v for k, v in services.items() if v.get("init_duration_ms")}
    if not measured:
        return failed(
            C,
            "perf.cold-starts",
            title,
            "take the baseline --from-logs of a run with Lambda REPORT lines (a sandbox run or "
            "a CloudWatch export)",
            "the baseline holds no cold start",
        )
    problems: list[str] = []
    evidence: list[str] = []
    for name, stats in sorted(measured.items()):
        init = stats["init_duration_ms"]["p99"]
        run = (stats.get("duration_ms") or {}).get("p99") or 0
        known = {s.name for s in ev.catalog.services}
        limit_s = _consumed_sla(ev, name) if name in known else None
        if limit_s is None and name in known:
            limit_s = float(ev.catalog.service(name).timeout_s)
        total_s = (init + run) / 1000
        evidence.append(f"{name}: init p99 {init} ms + run p99 {run} ms")
        if limit_s is not None and total_s > limit_s:
            problems.append(f"{name}: a cold invocation takes {total_s:.3f} s > {limit_s:g} s")
    if problems:
        return failed(
            C,
            "perf.cold-starts",
            title,
            "cut initialisation (imports, clients) or use provisioned concurrency",
            *evidence,
            *problems,
        )
    return passed(
        C, "perf.cold-starts", title, *evidence, "each cold invocation within its hop SLA"
    )


def cost_projection(ev: Evidence) -> Item:
    title = "Cost projection based on real usage data"
    report = ev.log_report
    if report is None:
        return failed(C, "perf.cost-projection", title, NEED_LOGS, "no logs given")
    cost = report["cost"]
    totals = report["totals"]
    return passed(
        C,
        "perf.cost-projection",
        title,
        f"logs: {totals['bytes_per_workflow']:,.0f} bytes per workflow measured over "
        f"{totals['workflows']} workflow(s)",
        f"projected ${cost['per_month']['total']:.4f} per month at "
        f"{ev.catalog.budgets.workflows_per_day} workflow(s)/day",
    )


def dashboard(ev: Evidence) -> Item:
    title = "Performance dashboard monitoring key metrics"
    monitoring = ev.monitoring
    if monitoring is None:
        return failed(C, "perf.dashboard", title, "fix the catalog: its monitoring is invalid")
    text = "\n".join(d.body_json() for d in monitoring.dashboards)
    missing = [f"{WORKFLOW_DURATION}" for _ in [0] if f'"{WORKFLOW_DURATION}"' not in text]
    missing += [
        f"Duration of {s.function_name}"
        for s in ev.catalog.services
        if s.function_name and f'"{s.function_name}"' not in text
    ]
    if missing or '"Duration"' not in text:
        return failed(
            C, "perf.dashboard", title, "check the dashboards' facades", f"not shown: {missing}"
        )
    names = ", ".join(d.name for d in monitoring.dashboards)
    return passed(
        C,
        "perf.dashboard",
        title,
        f"{names}: {WORKFLOW_DURATION} per workflow and Lambda Duration of every function",
    )


def _hop_alarm_problems(ev: Evidence, monitoring: Monitoring) -> tuple[list[str], list[str]]:
    """(evidence, problems) for the hop SLAs: each needs an alarm with actions on its HopLatency
    (threshold within the SLA) and a metric filter on each consumer's log group feeding it."""
    evidence: list[str] = []
    problems: list[str] = []
    watched: list[str] = []
    for event_type, sla in sorted(_hop_slas(ev).items()):
        if sla is None:
            continue  # perf.slas names it
        consumers = ev.catalog.consumers_of(event_type)
        if not consumers:
            evidence.append(f"hop {event_type}: no consumer, no hop to time")
            continue
        limit_ms = sla * 1000
        found = [
            a
            for a in monitoring.alarms
            if a.metric_name == HOP_LATENCY
            and a.dimensions == {EVENT_TYPE_DIMENSION: event_type}
            and a.comparison_operator.startswith("GreaterThan")
            and a.threshold <= limit_ms
            and a.actions_enabled
            and a.alarm_actions
        ]
        if not found:
            problems.append(
                f"hop {event_type}: no alarm with actions on {HOP_LATENCY} > {limit_ms:g} ms "
                f"(hop SLA {sla:g} s)"
            )
            continue
        fed = {
            f.log_group
            for f in monitoring.metric_filters
            if f.metric_name == HOP_LATENCY and f.metric_namespace == found[0].namespace
        }
        unfed = sorted({s.log_group or s.name for s in consumers} - fed)
        if unfed:
            problems.append(f"hop {event_type}: no {HOP_LATENCY} metric filter on {unfed}")
            continue
        watched.append(event_type)
    if watched:
        evidence.append(
            f"hop SLAs of {len(watched)} event types alarmed on {HOP_LATENCY} (metric filters on "
            "their consumers' log groups)"
        )
    return evidence, problems


def sla_alarms(ev: Evidence) -> Item:
    title = "Alerts configured for SLA violations"
    monitoring = ev.monitoring
    if monitoring is None:
        return failed(C, "perf.sla-alarms", title, "fix the catalog: its monitoring is invalid")
    problems: list[str] = []
    evidence: list[str] = []
    for w in ev.catalog.workflows:
        dims = workflow_dimensions(ev.catalog, w)
        found = [
            a
            for a in monitoring.alarms
            if a.metric_name == WORKFLOW_DURATION
            and a.dimensions == dims
            and a.comparison_operator.startswith("GreaterThan")
            and a.threshold <= w.sla_s
            and a.actions_enabled
            and a.alarm_actions
        ]
        if found:
            evidence.append(f"workflow {w.name}: {found[0].name} (> {found[0].threshold:g} s)")
        else:
            problems.append(
                f"workflow {w.name}: no alarm with actions on {WORKFLOW_DURATION} > {w.sla_s:g} s"
            )
    hop_evidence, hop_problems = _hop_alarm_problems(ev, monitoring)
    evidence += hop_evidence
    problems += hop_problems
    if problems:
        return failed(
            C,
            "perf.sla-alarms",
            title,
            "check alarm_overrides: the workflow SLA-breach and hop-latency alarms must keep "
            "their thresholds (within the SLA) and their actions",
            *evidence,
            *problems,
        )
    return passed(C, "perf.sla-alarms", title, *evidence)


CHECKS = (baseline, slas, load_test, cold_starts, cost_projection, dashboard, sla_alarms)
