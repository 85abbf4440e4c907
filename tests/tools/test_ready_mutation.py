"""`obskit ready`'s runbook-mutation item: PASS at 100 % or with every survivor documented as
harmless, FAIL for an undocumented survivor, an error or a scenario left out, MANUAL without a
report; a malformed report is bad input naming the file and the mutant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog import load_catalog
from runbooks.mutation.mutants import catalog_mutants
from runbooks.mutation.report import MutationReport, Outcome, Status, write_report
from runbooks.scenarios import build_scenarios
from tools.cli import cli
from tools.readiness import FAIL, MANUAL, PASS, Inputs, ReadinessInputError, operations
from tools.readiness.evidence import Evidence
from tools.readiness.model import Item


def _write(tmp_path: Path, survivors: dict[str, str | None], *, skip: str | None = None) -> Path:
    """A report of the example's real mutants: all killed but ``survivors`` (id: harmless
    reason or None); ``skip``: a scenario left out."""
    catalog = load_catalog()
    scenarios = [s for s in build_scenarios(catalog) if s.drill and s.id != skip]
    report = MutationReport("embedded example", catalog.system, catalog.stage)
    for m in catalog_mutants(catalog, scenarios):
        status: Status = "survived" if m.id in survivors else "killed"
        harmless = survivors.get(m.id)
        report.outcomes.append(
            Outcome(
                m.id, m.scenario_id, m.part, m.step, m.mutation, m.detail, status, "r", harmless
            )
        )
    path = tmp_path / "mutants.json"
    write_report(report, path)
    return path


def _item(path: Path | None) -> Item:
    return operations.runbook_mutation(Evidence(Inputs(load_catalog(), mutation_report=path)))


SURVIVOR = "dlq-event-dlq-not-empty/mitigation-2/drop"


def test_every_mutant_killed_passes_with_the_score(tmp_path: Path) -> None:
    item = _item(_write(tmp_path, {}))
    assert item.status == PASS
    assert "mutation score 100.0%" in item.evidence[0]


def test_a_documented_survivor_passes_an_undocumented_one_fails(tmp_path: Path) -> None:
    documented = _item(_write(tmp_path, {SURVIVOR: "dlq inspect only reads"}))
    assert documented.status == PASS
    assert "(1 documented as harmless)" in documented.evidence[0]
    item = _item(_write(tmp_path, {SURVIVOR: None}))
    assert item.status == FAIL
    assert any(SURVIVOR in line for line in item.evidence)
    assert "obskit drill mutate" in (item.action or "")


def test_a_drilled_scenario_missing_from_the_report_fails(tmp_path: Path) -> None:
    item = _item(_write(tmp_path, {}, skip="dlq-event-dlq-not-empty"))
    assert item.status == FAIL
    assert any("dlq-event-dlq-not-empty: no mutant" in e for e in item.evidence)


def test_no_report_asks_a_person(tmp_path: Path) -> None:
    item = _item(None)
    assert item.status == MANUAL


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"scenarios": []}, "not a mutation report"),
        ({"mutants": [{"id": "x"}]}, "mutant 0: expected exactly"),
    ],
)
def test_a_malformed_report_is_bad_input_naming_the_file(
    tmp_path: Path, document: object, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ReadinessInputError, match=message) as caught:
        _item(path)
    assert str(path) in str(caught.value)


def test_the_cli_option_reads_the_report_and_refuses_a_missing_file(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli, ["ready", "--mutation-report", str(tmp_path / "none.json")])
    assert missing.exit_code == 2
    assert "--mutation-report" in missing.output and "no such file" in missing.output
    path = _write(tmp_path, {SURVIVOR: None})
    result = CliRunner().invoke(cli, ["ready", "--mutation-report", str(path)])
    assert result.exit_code == 1  # nothing else given either, but this item is among the FAILs
    assert "Runbook mutation tested" in result.output
