"""Everything the checklists look at, computed once and only when an item asks for it.

The checks are small functions over this object; building the monitoring, the saved queries, the
scenarios, the logs report or a trace is expensive, so each is a cached property. Evidence that
cannot be built (an invalid catalog override, an unreadable log file) is kept as the error, for the
item that needs it to report; input files that are missing fail early with their path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from catalog.models import Catalog
from dashboards.build import Monitoring
from dashboards.output_files import GeneratedOutput, render_output
from insights_queries.library import SavedQuery, build_queries
from runbooks.scenarios import CatalogArgs, Scenario, build_scenarios
from tools.readiness.drill_report import DrillReport, load_drill_report
from tools.readiness.log_facts import LogFacts, log_facts
from tools.readiness.model import ReadinessInputError
from tools.readiness.mutation_report import MutationEntries, load_mutation_report


@dataclass(frozen=True)
class AwsTarget:
    """Where ``--aws`` looks: the ordinary credential chain, optionally another endpoint."""

    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None


@dataclass
class Inputs:
    """What the operator gave ``obskit ready``; paths are checked to exist on construction."""

    catalog: Catalog
    catalog_args: CatalogArgs = field(default_factory=CatalogArgs)
    generated: Path | None = None
    logs: tuple[Path, ...] = ()
    drill_report: Path | None = None
    baseline: Path | None = None
    runbook: Path | None = None
    aws: AwsTarget | None = None
    mutation_report: Path | None = None

    def __post_init__(self) -> None:
        for option, path in [
            ("--drill-report", self.drill_report),
            ("--baseline", self.baseline),
            ("--mutation-report", self.mutation_report),
        ]:
            if path is not None and not path.is_file():
                raise ReadinessInputError(f"{option} {path}: no such file")
        if self.runbook is not None and not self.runbook.is_file():
            raise ReadinessInputError(f"--runbook {self.runbook}: no such file")
        for path in self.logs:
            if not path.is_file():
                raise ReadinessInputError(f"--logs {path}: no such file")
        if self.generated is not None and not self.generated.is_dir():
            raise ReadinessInputError(f"--generated {self.generated}: no such folder")

    def describe(self) -> dict[str, Any]:
        """The inputs as the report records them (paths as given, never resolved)."""
        return {
            "catalog": self.catalog_args.catalog or DEFAULT_CATALOG,
            "stage": self.catalog.stage,
            "generated": str(self.generated) if self.generated else None,
            "logs": [str(p) for p in self.logs],
            "drill_report": str(self.drill_report) if self.drill_report else None,
            "mutation_report": str(self.mutation_report) if self.mutation_report else None,
            "baseline": str(self.baseline) if self.baseline else None,
            "runbook": str(self.runbook) if self.runbook else None,
            "aws": None
            if self.aws is None
            else {"endpoint_url": self.aws.endpoint_url, "region": self.aws.region},
        }


DEFAULT_CATALOG = "(default: $OBSKIT_CATALOG or the embedded example)"


class Evidence:
    """Lazily built evidence over one :class:`Inputs`."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.catalog = inputs.catalog

    # ------------------------------------------------------------------ generated monitoring

    @cached_property
    def generated_or_error(self) -> GeneratedOutput | Exception:
        try:
            return render_output(self.catalog)
        except ValueError as exc:  # MonitoringValidationError, OverrideError are ValueErrors
            return exc

    @property
    def monitoring(self) -> Monitoring | None:
        out = self.generated_or_error
        return out.monitoring if isinstance(out, GeneratedOutput) else None

    @cached_property
    def saved_queries(self) -> list[SavedQuery]:
        return build_queries(self.catalog)

    @cached_property
    def scenarios(self) -> list[Scenario]:
        return build_scenarios(self.catalog, self.inputs.catalog_args)

    def alarm_names(self) -> list[str]:
        """Every generated metric and composite alarm, sorted."""
        m = self.monitoring
        if m is None:
            return []
        return sorted([a.name for a in m.alarms] + [c.name for c in m.composite_alarms])

    # ------------------------------------------------------------------ runbook

    @cached_property
    def runbook_text(self) -> str | None:
        """RUNBOOK.md as given by ``--runbook``, else as ``obskit runbook`` would render it."""
        if self.inputs.runbook is not None:
            return self.inputs.runbook.read_text(encoding="utf-8")
        if self.monitoring is None:
            return None
        from runbooks.render.runbook_md import render_runbook

        return render_runbook(
            self.catalog,
            self.inputs.catalog_args,
            scenarios=self.scenarios,
            monitoring=self.monitoring,
        )

    # ------------------------------------------------------------------ drills and baseline

    @cached_property
    def drills(self) -> DrillReport | None:
        path = self.inputs.drill_report
        return None if path is None else load_drill_report(path)

    @cached_property
    def mutations(self) -> MutationEntries | None:
        path = self.inputs.mutation_report
        return None if path is None else load_mutation_report(path)

    @cached_property
    def baseline(self) -> dict[str, Any] | None:
        from tools.readiness.baseline_model import load_baseline

        path = self.inputs.baseline
        return None if path is None else load_baseline(path)

    # ------------------------------------------------------------------ logs

    @cached_property
    def log_report(self) -> dict[str, Any] | None:
        """``obskit logs report`` of ``--logs`` (None without logs)."""
        if not self.inputs.logs:
            return None
        from tools.logreport import analyse_files

        return dict(analyse_files(list(self.inputs.logs), catalog=self.catalog))

    @cached_property
    def log_records(self) -> list[dict[str, Any]]:
        """Every event of ``--logs`` as the query engine reads it (JSON fields at top level)."""
        from insights_queries.sources import LogFiles

        if not self.inputs.logs:
            return []
        return [dict(e) for e in LogFiles(list(self.inputs.logs))]

    @cached_property
    def log_facts(self) -> LogFacts:
        return log_facts(self.catalog, self.log_records)
