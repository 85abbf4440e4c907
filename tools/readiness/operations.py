"""The seed document's Operational Readiness checklist, item by item, from the evidence.

Items: runbook written (a section per alarm) and reviewed; failure scenarios documented (what
``obskit runbook check`` checks); incident response tested (every alarm's drill passed in the
latest drill report); DLQ replay validated (the drills whose mitigation replays a DLQ passed);
alarm recipients configured (every alarm acts on the alerts topic, which has a subscription);
escalation defined; on-call rotation scheduled and operations team trained (people confirm).
"""

from __future__ import annotations

from pathlib import Path

from tools.readiness.drill_report import DrillReport
from tools.readiness.evidence import Evidence
from tools.readiness.model import Item, failed, manual, passed

C = "operations"
RUN_DRILLS = (
    "run `obskit drill run --all --report drills.json` and pass `--drill-report drills.json`"
)


def _runbook_path(ev: Evidence) -> Path | None:
    if ev.inputs.runbook is not None:
        return ev.inputs.runbook
    if ev.inputs.generated is not None and (ev.inputs.generated / "RUNBOOK.md").is_file():
        return ev.inputs.generated / "RUNBOOK.md"
    return None


def runbook(ev: Evidence) -> Item:
    title = "Operational runbook written (a section for every alarm)"
    path = _runbook_path(ev)
    folder = ev.inputs.generated or Path("generated")
    if path is None:
        return failed(
            C,
            "ops.runbook",
            title,
            f"run `obskit runbook --out {folder}` (RUNBOOK.md beside the generated files) or "
            "pass `--runbook RUNBOOK.md`",
            "no RUNBOOK.md given",
        )
    text = path.read_text(encoding="utf-8")
    alarms = ev.alarm_names()
    missing = [a for a in alarms if f'<a id="{a}"></a>' not in text or f"### {a}" not in text]
    if missing:
        return failed(
            C,
            "ops.runbook",
            title,
            f"run `obskit runbook --out {path.parent}` again",
            f"{path}: no section for {len(missing)} of {len(alarms)} alarms",
            *missing[:10],
        )
    return passed(
        C, "ops.runbook", title, f"{path}: a section for each of the {len(alarms)} alarms"
    )


def runbook_reviewed(ev: Evidence) -> Item:
    return manual(
        C,
        "ops.runbook-reviewed",
        "Operational runbook reviewed",
        "confirm the operations team reviewed RUNBOOK.md (a pull-request review is enough)",
    )


def scenarios(ev: Evidence) -> Item:
    title = "Common failure scenarios documented"
    monitoring = ev.monitoring
    if monitoring is None:
        return failed(C, "ops.scenarios", title, "fix the catalog: its monitoring is invalid")
    from runbooks.runbook_check import check_runbook
    from tools.runbook_obskit import parse_obskit

    found = ev.scenarios
    problems = check_runbook(ev.catalog, found, monitoring, ev.saved_queries, parse_obskit)
    kinds = sorted({s.kind for s in found})
    drilled = sum(1 for s in found if s.drill)
    evidence = f"{len(found)} scenarios ({', '.join(kinds)}), {drilled} with a drill"
    if problems:
        return failed(
            C,
            "ops.scenarios",
            title,
            "run `obskit runbook check` and fix what it lists",
            evidence,
            *[str(p) for p in problems][:10],
        )
    return passed(C, "ops.scenarios", title, evidence, "`obskit runbook check`: sound")


def _drills(ev: Evidence) -> DrillReport | None:
    return ev.drills


def incident_response(ev: Evidence) -> Item:
    title = "Incident response procedures tested (every alarm has a drill that passed)"
    report = _drills(ev)
    if report is None:
        return failed(C, "ops.incident-response", title, RUN_DRILLS, "no drill report given")
    by_id = report.by_id()
    problems: list[str] = []
    drilled = [s for s in ev.scenarios if s.drill is not None]
    for scenario in drilled:
        entry = by_id.get(scenario.id)
        if entry is None:
            problems.append(f"scenario {scenario.id}: not in {report.path}")
        elif not entry.passed:
            problems.append(f"scenario {scenario.id}: drill failed")
    passed_ids = {e.id for e in report.entries if e.passed}
    for alarm in ev.alarm_names():
        detecting = [s.id for s in ev.scenarios if alarm in s.alarms and s.drill is not None]
        if not detecting:
            problems.append(f"alarm {alarm}: no scenario with a drill detects it")
        elif not set(detecting) & passed_ids:
            problems.append(f"alarm {alarm}: none of its drills passed ({', '.join(detecting)})")
    summary = (
        f"{report.path}: {len(passed_ids)} of {len(report.entries)} drills passed; "
        f"{len(ev.alarm_names())} alarms"
    )
    if problems:
        return failed(C, "ops.incident-response", title, RUN_DRILLS, summary, *problems[:12])
    return passed(
        C, "ops.incident-response", title, summary, "every alarm fired in a drill that passed"
    )


def dlq_replay(ev: Evidence) -> Item:
    title = "DLQ replay process validated (its drill passed)"
    replaying = [
        s
        for s in ev.scenarios
        if any((st.command or "").startswith("obskit dlq replay") for st in s.mitigation)
    ]
    if not replaying:
        dlqs = sorted({q.dlq for q in ev.catalog.queues if q.dlq})
        if not dlqs:
            return passed(C, "ops.dlq-replay", title, "the catalog has no dead-letter queue")
        return failed(
            C,
            "ops.dlq-replay",
            title,
            "add a scenario whose mitigation runs `obskit dlq replay`",
            f"dead-letter queues {dlqs} but no scenario replays one",
        )
    report = _drills(ev)
    if report is None:
        return failed(C, "ops.dlq-replay", title, RUN_DRILLS, "no drill report given")
    by_id = report.by_id()
    problems: list[str] = []
    evidence: list[str] = []
    for scenario in replaying:
        entry = by_id.get(scenario.id)
        if entry is None:
            problems.append(f"scenario {scenario.id}: not in {report.path}")
            continue
        replays = [s for s in entry.steps if s.command.startswith("obskit dlq replay")]
        if not entry.passed:
            problems.append(f"scenario {scenario.id}: drill failed")
        elif not replays or not all(s.ok for s in replays):
            problems.append(f"scenario {scenario.id}: no `obskit dlq replay` step ran ok")
        else:
            w = entry.workflows
            evidence.append(
                f"{scenario.id}: replayed ({replays[-1].command}); workflows {w['completed']}/"
                f"{w['started']} completed, {w['lost']} lost, {w['duplicated']} duplicated"
            )
    if problems:
        return failed(C, "ops.dlq-replay", title, RUN_DRILLS, *evidence, *problems)
    return passed(C, "ops.dlq-replay", title, *evidence)


RUN_MUTATE = (
    "run `obskit drill mutate --all --report mutants.json --harmless docs/drills.md` and pass "
    "`--mutation-report mutants.json`"
)


def runbook_mutation(ev: Evidence) -> Item:
    """PASS when the drills kill every mutant of the runbook, or every survivor is documented
    as harmless; FAIL for an undocumented survivor, a harness error or a drilled scenario the
    report lacks; MANUAL without a report (a mutation run takes minutes, so readiness does not
    demand one; a person confirms the drills would notice a wrong runbook)."""
    title = "Runbook mutation tested (drills fail on a wrong runbook)"
    report = ev.mutations
    if report is None:
        return manual(C, "ops.runbook-mutation", title, RUN_MUTATE, "no mutation report given")
    score = report.score()
    shown = "-" if score is None else f"{100 * score:.1f}%"
    survivors = [m for m in report.mutants if m.status == "survived"]
    undocumented = [m for m in survivors if not m.harmless]
    summary = (
        f"{report.path}: mutation score {shown}: {report.count('killed')} killed, "
        f"{len(survivors)} survived ({len(survivors) - len(undocumented)} documented as "
        f"harmless), {report.count('error')} error(s)"
    )
    problems = [f"survived, not documented as harmless: {m.id} ({m.detail})" for m in undocumented]
    problems += [f"error: {m.id}" for m in report.mutants if m.status == "error"]
    covered = {m.scenario for m in report.mutants}
    problems += [
        f"scenario {s.id}: no mutant in {report.path}"
        for s in ev.scenarios
        if s.drill is not None and s.id not in covered
    ]
    if problems:
        return failed(C, "ops.runbook-mutation", title, RUN_MUTATE, summary, *problems[:12])
    return passed(C, "ops.runbook-mutation", title, summary)


def alarm_recipients(ev: Evidence) -> Item:
    title = "Alarm notification recipients configured"
    monitoring = ev.monitoring
    if monitoring is None:
        return failed(
            C, "ops.alarm-recipients", title, "fix the catalog: its monitoring is invalid"
        )
    topic_name = ev.catalog.notifications.alerts_topic
    topic = next((t for t in ev.catalog.topics if t.name == topic_name), None)
    suffix = f":{topic_name}"
    actions: list[tuple[str, bool, list[str]]] = [
        (a.name, a.actions_enabled, a.alarm_actions) for a in monitoring.alarms
    ] + [(c.name, c.actions_enabled, c.alarm_actions) for c in monitoring.composite_alarms]
    silent = [
        name
        for name, enabled, targets in actions
        if not enabled or not any(x.endswith(suffix) for x in targets)
    ]
    problems = [f"alarm {name}: no action on topic {topic_name}" for name in silent]
    if topic is None:
        problems.append(f"alerts topic {topic_name} is not among the catalog's topics")
    elif not topic.subscriptions:
        problems.append(f"alerts topic {topic_name} has no subscription")
    if problems:
        return failed(
            C,
            "ops.alarm-recipients",
            title,
            "give every alarm an action on notifications.alerts_topic (check alarm_overrides) "
            "and subscribe the on-call to it",
            *problems[:12],
        )
    assert topic is not None
    who = ", ".join(f"{s.protocol}:{s.endpoint}" for s in topic.subscriptions)
    total = len(monitoring.alarms) + len(monitoring.composite_alarms)
    return passed(
        C,
        "ops.alarm-recipients",
        title,
        f"all {total} alarms act on {topic_name}",
        f"{topic_name} subscriptions: {who}",
    )


def escalation(ev: Evidence) -> Item:
    title = "Escalation paths defined"
    steps = ev.catalog.notifications.escalation
    if not steps:
        return failed(
            C,
            "ops.escalation",
            title,
            "add notifications.escalation to the catalog",
            "no escalation step",
        )
    minutes = [s.after_minutes for s in steps]
    problems = []
    if minutes[0] != 0:
        problems.append(f"the first step starts after {minutes[0]} min, not at once (0)")
    if any(b <= a for a, b in zip(minutes, minutes[1:], strict=False)):
        problems.append(f"steps are not in increasing time order: {minutes}")
    path = " → ".join(f"{s.contact} (+{s.after_minutes} min)" for s in steps)
    if problems:
        return failed(C, "ops.escalation", title, "fix notifications.escalation", path, *problems)
    return passed(C, "ops.escalation", title, path)


def on_call(ev: Evidence) -> Item:
    title = "On-call rotation scheduled"
    rotation = ev.catalog.notifications.on_call
    if not rotation:
        return failed(
            C, "ops.on-call", title, "name the rotation in notifications.on_call", "no on-call"
        )
    return manual(
        C,
        "ops.on-call",
        title,
        f"confirm the rotation '{rotation}' is scheduled in the paging tool and covers every run "
        "of the workflows' schedules",
        f"catalog on_call: {rotation}",
    )


def trained(ev: Evidence) -> Item:
    return manual(
        C,
        "ops.trained",
        "Operations team trained on new system",
        "confirm the on-call engineers walked through RUNBOOK.md and each ran a drill "
        "(`obskit drill run ID`) and a trace (`obskit trace`)",
    )


CHECKS = (
    runbook,
    runbook_reviewed,
    scenarios,
    incident_response,
    dlq_replay,
    runbook_mutation,
    alarm_recipients,
    escalation,
    on_call,
    trained,
)
