"""The seed document's Observability checklist, item by item, from the evidence.

Items: dashboard created and validated; log samples from a real deployment; correlation-ID
tracing across services; verbosity within the catalog's budget; Insights queries saved and
proven; business metrics defined as EMF; log cost estimated and acceptable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dashboards.emf_names import NAMESPACE, WORKFLOW_DURATION, workflow_dimensions
from dashboards.output_files import GeneratedOutput, check_output
from tools.readiness.evidence import Evidence
from tools.readiness.model import Item, failed, manual, passed
from tools.readiness.query_proof import SavedText, prove, saved_from_folder

C = "observability"
NEED_LOGS = (
    "give the logs of a run: `obskit demo --json > run.jsonl` (or a sandbox run, or an export "
    "from CloudWatch) and `obskit ready --logs run.jsonl`"
)


def _generate_action(ev: Evidence) -> str:
    folder = ev.inputs.generated or Path("generated")
    return f"run `obskit generate --out {folder}` and pass `--generated {folder}`"


def dashboards(ev: Evidence) -> Item:
    title = "CloudWatch dashboard created and validated"
    out = ev.generated_or_error
    if not isinstance(out, GeneratedOutput):
        lines = str(out).splitlines()[:5]
        return failed(C, "obs.dashboard", title, "fix the catalog or its alarm_overrides", *lines)
    m = out.monitoring
    widgets = sum(len(d.body().get("widgets", [])) for d in m.dashboards)
    valid = f"{len(m.dashboards)} dashboard(s), {widgets} widgets: every AWS limit checked"
    folder = ev.inputs.generated
    if folder is None:
        return failed(
            C, "obs.dashboard", title, _generate_action(ev), valid, "no --generated folder"
        )
    diff = check_output(folder, out.files)
    if not diff.clean:
        return failed(C, "obs.dashboard", title, _generate_action(ev), valid, *diff.lines()[:10])
    return passed(C, "obs.dashboard", title, valid, f"{folder}: {len(out.files)} files up to date")


def real_logs(ev: Evidence) -> Item:
    title = "Log samples collected from real AWS deployment"
    if ev.inputs.aws is not None:
        from tools.readiness.deployed import log_samples

        return log_samples(ev, C, "obs.real-logs", title)
    if ev.inputs.logs:
        n = len(ev.log_records)
        return manual(
            C,
            "obs.real-logs",
            title,
            "confirm these logs come from a real AWS deployment, or run `obskit ready --aws` "
            "against the staging account",
            f"{n} lines from {len(ev.log_facts.services)} service(s) in "
            + ", ".join(str(p) for p in ev.inputs.logs),
        )
    return failed(C, "obs.real-logs", title, "deploy to staging and run `obskit ready --aws`")


def tracing(ev: Evidence) -> Item:
    title = "Correlation ID tracing tested across services"
    if not ev.inputs.logs:
        return failed(C, "obs.tracing", title, NEED_LOGS, "no logs given")
    latest = ev.log_facts.latest_finished()
    if latest is None:
        return failed(
            C, "obs.tracing", title, NEED_LOGS, "no workflow in the logs reached its end event"
        )
    workflow, cid = latest
    from tools.tracing.analysis import analyse
    from tools.tracing.sources import read_files

    trace = analyse(read_files(cid, list(ev.inputs.logs), ev.catalog), ev.catalog, workflow)
    services = sorted({s.name for s in trace.services})
    evidence = [
        f"`obskit trace {cid}`: {trace.status}, {len(trace.events)} events, "
        f"{len(services)} services ({', '.join(services)})"
    ]
    problems = [f"missing {m.expected_event_type}: {m.reason}" for m in trace.missing]
    silent = sorted(_workflow_services(ev, workflow) - set(services))
    if silent:
        problems.append(f"no line from {', '.join(silent)}, which the workflow goes through")
    if trace.orphans:
        problems.append(
            f"{len(trace.orphans)} event(s) whose cause is not in the trace (the causation "
            "chain is broken)"
        )
    if trace.status != "completed" or problems or len(services) < 2:
        return failed(
            C,
            "obs.tracing",
            title,
            f"run `obskit trace {cid} <logs>` and fix what it shows",
            *evidence,
            *problems[:5],
        )
    return passed(C, "obs.tracing", title, *evidence)


def _workflow_services(ev: Evidence, workflow_name: str) -> set[str]:
    """Services that consume or emit an event of the workflow: each must write a line."""
    workflow = next(w for w in ev.catalog.workflows if w.name == workflow_name)
    events = {workflow.start_event, *workflow.steps, workflow.success_event}
    return {
        s.name for s in ev.catalog.services if events & set(s.consumes) or events & set(s.emits)
    }


def _budget_item(ev: Evidence, id_: str, title: str, report: dict[str, Any]) -> Item | None:
    budget = ev.catalog.budgets.log_bytes_per_workflow
    if budget is None:
        return failed(
            C, id_, title, "set budgets.log_bytes_per_workflow in the catalog", "no log budget"
        )
    per = report["totals"].get("bytes_per_workflow")
    if per is None:
        return failed(C, id_, title, NEED_LOGS, "the logs hold no workflow")
    if per > budget:
        advice = [a["text"] for a in report.get("advice", [])][:3]
        return failed(
            C,
            id_,
            title,
            "turn down the call sites below (`obskit logs report` shows the savings)",
            f"{per:,.0f} bytes per workflow > budget {budget:,}",
            *advice,
        )
    return None


def verbosity(ev: Evidence) -> Item:
    title = "Log verbosity tuned (not too noisy, not too quiet)"
    report = ev.log_report
    if report is None:
        return failed(C, "obs.verbosity", title, NEED_LOGS, "no logs given")
    over = _budget_item(ev, "obs.verbosity", title, report)
    if over is not None:
        return over
    levels = ", ".join(f"{r['level']} {r['share_lines']:.0%}" for r in report["by_level"])
    budget = ev.catalog.budgets.log_bytes_per_workflow or 0
    return passed(
        C,
        "obs.verbosity",
        title,
        f"{report['totals']['bytes_per_workflow']:,.0f} bytes per workflow <= budget {budget:,}",
        f"lines by level: {levels}",
    )


def _saved(ev: Evidence) -> tuple[list[SavedText], str]:
    folder = ev.inputs.generated
    if folder is not None and (folder / "queries").is_dir():
        return saved_from_folder(folder), f"{folder}/queries"
    texts = [SavedText(q.name, q.text, tuple(q.parameters), q.name) for q in ev.saved_queries]
    return texts, "the catalog's query library"


def queries(ev: Evidence) -> Item:
    title = "CloudWatch Insights queries saved and documented"
    saved, where = _saved(ev)
    if not saved:
        return failed(C, "obs.queries", title, _generate_action(ev), f"no saved query in {where}")
    folder = ev.inputs.generated
    documented = folder is not None and (folder / "queries.md").is_file()
    if not ev.inputs.logs:
        return failed(
            C, "obs.queries", title, NEED_LOGS, f"{len(saved)} queries in {where}, none proven"
        )
    facts = ev.log_facts
    latest = facts.latest_finished()
    params = {"correlation_id": latest[1]} if latest else {}
    proofs = prove(
        saved,
        ev.inputs.logs,
        params,
        has_cold_starts=facts.has_cold_starts,
        has_event_age=facts.has_event_age,
    )
    bad = [p for p in proofs if not p.ok]
    found = sum(1 for p in proofs if p.rows)
    summary = (
        f"{len(proofs)} queries from {where} run by the local engine on the logs: "
        f"{found} found rows, {sum(1 for p in proofs if p.expects_rows)} had to"
    )
    if bad:
        return failed(
            C,
            "obs.queries",
            title,
            "fix the queries below (`obskit query --query-name NAME FILES`)",
            summary,
            *[f"{p.name}: {p.problem}" for p in bad][:10],
        )
    if not documented:
        return failed(
            C, "obs.queries", title, _generate_action(ev), summary, "queries.md not in --generated"
        )
    return passed(C, "obs.queries", title, summary, f"documented in {folder}/queries.md")


def _emf_problems(ev: Evidence) -> tuple[list[str], list[str]]:
    """(evidence, problems) about each workflow's EMF metrics in the logs."""
    evidence: list[str] = []
    problems: list[str] = []
    for workflow in ev.catalog.workflows:
        dims = workflow_dimensions(ev.catalog, workflow)
        seen = False
        for record in ev.log_facts.emf:
            for directive in record["_aws"].get("CloudWatchMetrics") or []:
                if directive.get("Namespace") != NAMESPACE:
                    continue
                if sorted(dims) not in [sorted(d) for d in directive.get("Dimensions") or []]:
                    continue
                names = [m.get("Name") for m in directive.get("Metrics") or []]
                if WORKFLOW_DURATION not in names:
                    continue
                if any(record.get(k) not in (None, v) for k, v in dims.items()):
                    continue  # another series: another workflow's line, same dimension names
                absent = [n for n in [*names, *dims] if n not in record]
                if absent:
                    problems.append(
                        f"workflow {workflow.name}: EMF line lacks {absent} at its root"
                    )
                    continue
                seen = True
        if seen:
            evidence.append(
                f"workflow {workflow.name}: {WORKFLOW_DURATION} and outcome counts as EMF in "
                f"namespace {NAMESPACE}, dimensions {sorted(dims)}"
            )
        else:
            problems.append(
                f"workflow {workflow.name}: no EMF line with {WORKFLOW_DURATION} in namespace "
                f"{NAMESPACE} and dimensions {sorted(dims)}"
            )
    return evidence, problems


def business_metrics(ev: Evidence) -> Item:
    title = "Custom metrics defined for business events"
    if not ev.catalog.workflows:
        return failed(C, "obs.business-metrics", title, "describe the workflows in the catalog")
    if not ev.inputs.logs:
        return failed(C, "obs.business-metrics", title, NEED_LOGS, "no logs given")
    evidence, problems = _emf_problems(ev)
    if problems:
        return failed(
            C,
            "obs.business-metrics",
            title,
            "emit the workflow metrics with logging_config.metrics (see dashboards/emf_names.py)",
            *evidence,
            *problems,
        )
    return passed(C, "obs.business-metrics", title, *evidence)


def log_cost(ev: Evidence) -> Item:
    title = "Log costs estimated and acceptable"
    report = ev.log_report
    if report is None:
        return failed(C, "obs.log-cost", title, NEED_LOGS, "no logs given")
    cost = report["cost"]
    per_day = ev.catalog.budgets.workflows_per_day
    estimate = (
        f"${cost['per_workflow']['total']:.6f} per workflow, ${cost['per_month']['total']:.4f} "
        f"per month at {per_day} workflow(s)/day ({cost['price_source']})"
    )
    over = _budget_item(ev, "obs.log-cost", title, report)
    if over is not None:
        return failed(C, "obs.log-cost", title, over.action or "", estimate, *over.evidence)
    return passed(C, "obs.log-cost", title, estimate, "within the catalog's log budget")


CHECKS = (dashboards, real_logs, tracing, verbosity, queries, business_metrics, log_cost)
