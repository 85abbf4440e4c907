"""Render RUNBOOK.md: an alarm index whose anchors match the alarms' links, then every scenario.

Each generated alarm's description ends with ``<runbook_url>#<alarm-name>``; the page gives every
alarm an explicit ``<a id="<alarm-name>">`` so that link lands on the alarm's entry on any Markdown
renderer (GitHub's own heading slugs would lowercase names). Output is a pure function of the
catalog: no timestamps, sets are sorted, scenarios keep catalog order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from catalog.models import Catalog
from dashboards.build import Monitoring, build_monitoring
from runbooks.scenarios import CatalogArgs, Scenario, build_scenarios, scenarios_by_alarm
from runbooks.scenarios.context import ScenarioContext
from runbooks.scenarios.model import SEVERITY_ORDER

RUNBOOK_FILE = "RUNBOOK.md"


@dataclass(frozen=True)
class AlarmEntry:
    name: str
    description: str
    severity: str
    scenarios: tuple[Scenario, ...]


@dataclass(frozen=True)
class _ScenarioView:
    """A scenario with its step parts as (name, steps) pairs, for the template."""

    scenario: Scenario

    def __getattr__(self, name: str) -> object:
        return getattr(self.scenario, name)

    @property
    def parts(self) -> list[tuple[str, tuple[object, ...]]]:
        s = self.scenario
        return [
            ("diagnosis", s.diagnosis),
            ("mitigation", s.mitigation),
            ("verification", s.verification),
            ("rollback", s.rollback),
        ]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("runbooks", "templates"),
        autoescape=False,  # Markdown, not HTML; values are names from the catalog
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = _cell
    return env


def alarm_index(monitoring: Monitoring, scenarios: Sequence[Scenario]) -> list[AlarmEntry]:
    """Every generated alarm (metric and composite), sorted by name, with its scenarios."""
    by_alarm = scenarios_by_alarm(scenarios)
    described = [(a.name, a.description) for a in monitoring.alarms] + [
        (c.name, c.description) for c in monitoring.composite_alarms
    ]
    entries = []
    for name, description in sorted(described):
        found = tuple(by_alarm.get(name, ()))
        severity = min((s.severity for s in found), key=SEVERITY_ORDER.__getitem__, default="-")
        entries.append(AlarmEntry(name, description, severity, found))
    return entries


def render_runbook(
    catalog: Catalog,
    args: CatalogArgs | None = None,
    *,
    scenarios: Sequence[Scenario] | None = None,
    monitoring: Monitoring | None = None,
) -> str:
    """The RUNBOOK.md text for ``catalog``."""
    found = list(scenarios) if scenarios is not None else build_scenarios(catalog, args)
    built = monitoring or build_monitoring(catalog)
    ctx = ScenarioContext(catalog, args or CatalogArgs())
    template = _environment().get_template("runbook.md.j2")
    return template.render(
        system=catalog.system,
        stage=catalog.stage,
        region=catalog.region,
        description=catalog.description.strip() or f"The {catalog.system} system.",
        runbook_url=catalog.runbook_url.split("#", 1)[0],
        escalation=ctx.escalation(),
        alarm_index=alarm_index(built, found),
        scenarios=[_ScenarioView(s) for s in found],
    )


def write_runbook(catalog: Catalog, out_dir: Path, args: CatalogArgs | None = None) -> Path:
    """Write ``out_dir/RUNBOOK.md``; returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RUNBOOK_FILE
    path.write_text(render_runbook(catalog, args), encoding="utf-8", newline="\n")
    return path
