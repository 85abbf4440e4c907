"""``obskit runbook check``: the runbook is consistent with what is generated and what exists.

Rules, each reported with the scenario, part and step it concerns:
1. every generated alarm (metric and composite) is detected by at least one scenario, and every
   alarm a scenario or drill names is generated;
2. every scenario has a drill whose fault targets a resource of the catalog;
3. every query and dashboard a step names is generated;
4. every command parses against the real CLI: ``aws`` against botocore's service model
   (:mod:`runbooks.runbook_aws`), ``obskit`` against the real click commands (the parser is
   passed in by the tools layer, which owns the CLI); and the catalog names they pass (functions,
   queues, rules, buses, alarms, topics, workflows, saved queries) exist; every ``expect`` item
   is usable (a ``re:`` item compiles);
5. in a catalog with handlers (one meant to be drilled), every drill can run in the sandbox: the
   workflow it starts says how it starts, and a scheduled job's drill invokes a schedule whose
   target the schedule triggers. Said here, with the fix, rather than by ``drill run`` later.
6. every drill runs its runbook: at least one diagnosis command, at least one mitigation step
   unless the scenario says why nothing needs doing (``no_action``), and no fault that ends by
   itself unless the scenario says why (``Drill.transient``).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from catalog.models import Catalog
from dashboards.build import Monitoring
from insights_queries.library_model import SavedQuery
from runbooks.drills.expect import NOT_PREFIX, ExpectError, compile_item
from runbooks.runbook_aws import AwsCommandError, parse_aws_command
from runbooks.scenarios.context import ACCOUNT_VAR
from runbooks.scenarios.model import DRILL_FILLED, PLACEHOLDER, Scenario, Step
from sandbox.errors import SandboxError
from sandbox.workload import plan_runs

SERVICE_FAULTS = ("fail", "crash", "slow", "duplicate", "throttle")


@dataclass(frozen=True)
class ParsedObskit:
    """What the obskit parser found: the subcommand path and click's parameter values."""

    path: tuple[str, ...]
    params: Mapping[str, Any]


ObskitParser = Callable[[list[str]], ParsedObskit]
"""Parses the words after ``obskit``; raises ValueError with click's message when they do not."""


@dataclass(frozen=True)
class Problem:
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class _Names:
    alarms: frozenset[str]
    dashboards: frozenset[str]
    queries: tuple[SavedQuery, ...]
    functions: frozenset[str]
    queues: frozenset[str]
    rules: frozenset[str]
    buses: frozenset[str]
    topics: frozenset[str]
    workflows: frozenset[str]
    services: frozenset[str]

    def query_exists(self, name: str) -> bool:
        return any(q.name == name or q.name.split("/", 1)[-1] == name for q in self.queries)


def _names(catalog: Catalog, monitoring: Monitoring, queries: Sequence[SavedQuery]) -> _Names:
    return _Names(
        alarms=frozenset(
            [a.name for a in monitoring.alarms] + [c.name for c in monitoring.composite_alarms]
        ),
        dashboards=frozenset(d.name for d in monitoring.dashboards),
        queries=tuple(queries),
        functions=frozenset(
            s.function_name or f"{catalog.system}-{catalog.stage}-{s.name}"
            for s in catalog.services
        ),
        queues=frozenset(q.name for q in catalog.queues),
        rules=frozenset(r.name for _b, r in catalog.rules()),
        buses=frozenset(b.name for b in catalog.buses),
        topics=frozenset(t.name for t in catalog.topics),
        workflows=frozenset(w.name for w in catalog.workflows),
        services=frozenset(s.name for s in catalog.services),
    )


def check_runbook(
    catalog: Catalog,
    scenarios: Sequence[Scenario],
    monitoring: Monitoring,
    queries: Sequence[SavedQuery],
    obskit_parser: ObskitParser,
) -> list[Problem]:
    """Every problem, in scenario order then alarm order; empty when the runbook is sound."""
    names = _names(catalog, monitoring, queries)
    problems: list[Problem] = []
    seen: set[str] = set()
    for scenario in scenarios:
        if scenario.id in seen:
            problems.append(Problem(f"scenario {scenario.id}", "id used by two scenarios"))
        seen.add(scenario.id)
        problems.extend(_check_scenario(scenario, names, obskit_parser))
    problems.extend(_check_drillable(catalog, scenarios))
    covered = {alarm for s in scenarios for alarm in s.alarms}
    for alarm in sorted(names.alarms - covered):
        problems.append(Problem(f"alarm {alarm}", "no scenario is detected by this alarm"))
    return problems


def _check_drillable(catalog: Catalog, scenarios: Sequence[Scenario]) -> list[Problem]:
    """Rule 5: each drill the sandbox could not run, grouped by why (one line per cause)."""
    if not any(service.handler for service in catalog.services):
        return []  # written only to generate monitoring from: `drill run` names what it lacks
    causes: dict[str, list[str]] = {}
    for scenario in scenarios:
        drill = scenario.drill
        if drill is None:
            continue
        cause = _undrillable(catalog, drill.job, drill.workflow)
        if cause is not None:
            causes.setdefault(cause, []).append(scenario.id)
    return [
        Problem(f"drill {', '.join(ids)}", f"cannot run in the sandbox: {cause}")
        for cause, ids in causes.items()
    ]


def _undrillable(catalog: Catalog, job: str | None, workflow: str | None) -> str | None:
    if job is not None:
        try:
            schedule = catalog.schedule(job)
        except KeyError:
            return f"it invokes schedule '{job}', which the catalog does not have"
        target = next((s for s in catalog.services if s.name == schedule.target), None)
        if target is None or target.trigger != "schedule":
            return (
                f"schedule '{job}' invokes '{schedule.target}', whose trigger is not 'schedule': "
                "EventBridge Scheduler invokes its target asynchronously; give the service "
                "trigger: schedule"
            )
        return None
    try:
        plan_runs(catalog, 1, workflow)
    except SandboxError as error:
        return str(error).removeprefix(f"{catalog.source_file}: ")
    return None


def _check_scenario(scenario: Scenario, names: _Names, parse: ObskitParser) -> list[Problem]:
    out: list[Problem] = []
    where = f"scenario {scenario.id}"
    for alarm in scenario.alarms:
        if alarm not in names.alarms:
            out.append(Problem(where, f"names alarm '{alarm}', which is not generated"))
    drill = scenario.drill
    if drill is None:
        why = f": {scenario.no_drill}" if scenario.no_drill else ""
        out.append(Problem(where, f"has no drill{why}"))
    else:
        for alarm in (*drill.expected_alarms, *drill.may_fire):
            if alarm not in names.alarms:
                out.append(Problem(f"{where} drill", f"expects alarm '{alarm}', not generated"))
        fault = drill.fault
        known = {"service": names.services, "rule": names.rules, "topic": names.topics}
        if fault.name not in known[fault.target]:
            out.append(
                Problem(f"{where} drill", f"fault targets unknown {fault.target} '{fault.name}'")
            )
        if fault.target == "service" and fault.kind.partition(":")[0] not in SERVICE_FAULTS:
            out.append(Problem(f"{where} drill", f"unknown service fault kind '{fault.kind}'"))
        if drill.detection_budget_s <= 0 and drill.expected_alarms:
            out.append(Problem(f"{where} drill", "detection budget must be positive"))
        if drill.workflow is not None and drill.workflow not in names.workflows:
            out.append(Problem(f"{where} drill", f"unknown workflow '{drill.workflow}'"))
        out.extend(Problem(f"{where} drill", what) for what in _drill_runs_runbook(scenario))
    counters: dict[str, int] = {}
    for part, step in scenario.steps():
        counters[part] = counters.get(part, 0) + 1
        out.extend(_check_step(f"{where} {part} step {counters[part]}", step, names, parse))
    return out


def _drill_runs_runbook(scenario: Scenario) -> list[str]:
    """Rule 5: a drill proves the runbook, not only the alarms. It runs at least one diagnosis
    command; at least one mitigation step unless the scenario says why nothing needs doing
    (``no_action``); and its faults end by the runbook's action, unless the scenario says why
    one ends by itself (``Drill.transient``)."""
    drill = scenario.drill
    assert drill is not None
    out: list[str] = []
    if not any(runs_in_drill(step) for step in scenario.diagnosis):
        out.append(
            "runs no diagnosis step: give the diagnosis at least one command (with no "
            "placeholder but the incident window) so the drill proves it finds the cause"
        )
    if not scenario.mitigation and not scenario.no_action:
        out.append(
            "has no mitigation step and no reason why nothing needs doing (Scenario.no_action)"
        )
    ending = [f"the fault on {drill.fault.name}"] if drill.clear_after_s is not None else []
    ending += [
        f"the fault on {f.name}" for f in (drill.fault, *drill.extra_faults) if f.clear_after_s
    ]
    if ending and not drill.transient:
        out.append(
            f"{', '.join(ending)} ends by itself (clear_after_s) and the scenario does not say why "
            "(Drill.transient): a fault must end by the runbook's action"
        )
    return out


def runs_in_drill(step: Step) -> bool:
    """Whether a drill runs the step's command: it has one, and every placeholder in it is one
    the drill fills in as the operator would (the incident window)."""
    if step.command is None:
        return False
    return set(PLACEHOLDER.findall(step.command)) <= DRILL_FILLED


def _check_step(where: str, step: Step, names: _Names, parse: ObskitParser) -> list[Problem]:
    out: list[Problem] = []
    for item in step.expect:
        try:
            compile_item(item.removeprefix(NOT_PREFIX))
        except ExpectError as error:
            out.append(Problem(where, str(error)))
    if step.query is not None and not names.query_exists(step.query):
        out.append(Problem(where, f"names query '{step.query}', which is not generated"))
    if step.dashboard is not None and step.dashboard not in names.dashboards:
        out.append(Problem(where, f"names dashboard '{step.dashboard}', which is not generated"))
    if step.command is None:
        return out
    try:
        words = shlex.split(step.command)
    except ValueError as error:
        return [*out, Problem(where, f"command is not valid shell: {error}")]
    if not words:
        return [*out, Problem(where, "empty command")]
    if words[0] == "aws":
        out.extend(Problem(where, what) for what in _check_aws(step.command, names))
    elif words[0] == "obskit":
        out.extend(Problem(where, what) for what in _check_obskit(words[1:], names, parse))
    else:
        out.append(Problem(where, f"command must start with 'aws' or 'obskit', not {words[0]!r}"))
    return out


def _is_placeholder(value: str) -> bool:
    return value.startswith("<") and value.endswith(">")


def _check_aws(command: str, names: _Names) -> list[str]:
    try:
        parsed = parse_aws_command(command)
    except AwsCommandError as error:
        return [f"`{command}`: {error}"]
    found: list[str] = []
    lookups: dict[str, tuple[str, frozenset[str]]] = {
        "FunctionName": ("function", names.functions),
        "QueueName": ("queue", names.queues),
        "AlarmNames": ("alarm", names.alarms),
        "EventBusName": ("bus", names.buses),
    }
    if parsed.service == "events":
        lookups["Rule"] = ("rule", names.rules)
        if parsed.operation in {"DescribeRule", "DisableRule", "EnableRule"}:
            lookups["Name"] = ("rule", names.rules)
    for member, (kind, known) in lookups.items():
        for value in parsed.params.get(member, []):
            if not _is_placeholder(value) and value not in known:
                found.append(f"`{command}`: unknown {kind} '{value}'")
    for value in parsed.params.get("TopicArn", []):
        topic = value.rsplit(":", 1)[-1]
        if ACCOUNT_VAR not in value or topic not in names.topics:
            found.append(f"`{command}`: topic ARN '{value}' names no topic of the catalog")
    return found


def _check_obskit(words: list[str], names: _Names, parse: ObskitParser) -> list[str]:
    command = " ".join(["obskit", *words])
    try:
        parsed = parse(words)
    except ValueError as error:
        return [f"`{command}`: {error}"]
    found: list[str] = []
    params = parsed.params
    query_name = params.get("query_name")
    if (
        parsed.path == ("query",)
        and isinstance(query_name, str)
        and not names.query_exists(query_name)
    ):
        found.append(f"`{command}`: no generated query named '{query_name}'")
    if parsed.path == ("trace",):
        for key in ("last_workflow", "last", "workflow"):
            value = params.get(key)
            if isinstance(value, str) and value not in names.workflows:
                found.append(f"`{command}`: unknown workflow '{value}'")
    if parsed.path[:1] == ("dlq",):
        for key in ("queue", "park_poison"):
            value = params.get(key)
            known_queue = not isinstance(value, str) or _is_placeholder(value)
            if not known_queue and value not in names.queues:
                found.append(f"`{command}`: unknown queue '{value}'")
        function = params.get("lambda_function")
        if isinstance(function, str) and function not in names.functions:
            found.append(f"`{command}`: --lambda names unknown function '{function}'")
        target = params.get("to")
        if isinstance(target, str):
            kind, _, name = target.partition(":")
            known = {"sqs": names.queues, "events": names.buses, "lambda": names.functions}
            if kind in known and not _is_placeholder(name) and name not in known[kind]:
                found.append(f"`{command}`: --to names unknown {kind} target '{name}'")
    if parsed.path[:1] == ("replay",):
        bus = params.get("bus")
        if isinstance(bus, str) and bus not in names.buses:
            found.append(f"`{command}`: unknown bus '{bus}'")
        for rule in params.get("rules") or ():
            if rule not in names.rules:
                found.append(f"`{command}`: unknown rule '{rule}'")
    return found
