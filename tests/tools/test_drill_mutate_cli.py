"""`obskit drill mutate`: exit codes, report files and their shape, bad input named.

The drills themselves are replaced by a stand-in that judges mutants from their IDs, so these
tests run no sandbox (tests/runbooks/test_mutation_drills.py runs real ones)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import runbooks.mutation as mutation
from catalog.models import Catalog
from runbooks.mutation.harmless import Harmless
from runbooks.mutation.mutants import Mutant
from runbooks.mutation.report import MUTANT_KEYS, MutationReport, Outcome, Status
from runbooks.scenarios.model import Scenario
from tools.cli import cli

SCENARIO = "lambda-portfolio-failing"


def _judge_by_id(killed: set[str] | None) -> Any:
    """A run_mutants stand-in: a mutant whose ID is in ``killed`` (all when None) is killed."""

    def fake(
        catalog: Catalog,
        scenarios: Sequence[Scenario],
        mutants: Sequence[Mutant],
        *,
        harmless: Harmless | None = None,
        **_: Any,
    ) -> MutationReport:
        report = MutationReport("embedded example", catalog.system, catalog.stage)
        for m in mutants:
            dies = killed is None or m.id in killed
            status: Status = "killed" if dies else "survived"
            reason = "1 workflow(s) did not complete" if dies else "the drill still passes"
            note = None if dies or harmless is None else harmless.reason(m.id)
            report.outcomes.append(
                Outcome(
                    m.id, m.scenario_id, m.part, m.step, m.mutation, m.detail, status, reason, note
                )
            )
        return report

    return fake


def _mutate(tmp_path: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        cli,
        ["drill", "mutate", SCENARIO, "--report", str(tmp_path / "m.json"), "--quiet", *extra],
    )


def test_every_mutant_killed_exits_0_and_writes_three_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutation, "run_mutants", _judge_by_id(None))
    result = _mutate(tmp_path)
    assert result.exit_code == 0, result.output
    assert "overall mutation score 100.0%" in result.output.replace("\n", " ")
    document = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert set(document) == {"catalog", "system", "stage", "mutants", "scores", "overall"}
    assert document["mutants"] and all(set(m) == set(MUTANT_KEYS) for m in document["mutants"])
    first = document["mutants"][0]
    assert first["scenario"] == SCENARIO and first["killed"] is True and first["step"] >= 1
    assert document["scores"][SCENARIO]["score"] == 1.0
    assert document["overall"]["survived"] == 0
    assert (tmp_path / "m.md").read_text(encoding="utf-8").startswith("# Runbook mutation")
    assert "<table>" in (tmp_path / "m.html").read_text(encoding="utf-8")


def test_a_survivor_exits_1_unless_the_harmless_list_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    survivor = f"{SCENARIO}/diagnosis-1/drop"
    monkeypatch.setattr(mutation, "run_mutants", _judge_by_id(None))
    all_ids = {m["id"] for m in json.loads(_report(tmp_path))["mutants"]}
    monkeypatch.setattr(mutation, "run_mutants", _judge_by_id(all_ids - {survivor}))
    result = _mutate(tmp_path)
    assert result.exit_code == 1, result.output
    assert f"survived {survivor}" in result.output.replace("\n", " ")
    doc = tmp_path / "harmless.md"
    doc.write_text(
        "Intro.\n\n| mutant | reason |\n|---|---|\n"
        f"| `{SCENARIO}/diagnosis-*/drop` | a read-only query |\n",
        encoding="utf-8",
    )
    result = _mutate(tmp_path, "--harmless", str(doc))
    assert result.exit_code == 0, result.output
    entry = next(m for m in json.loads(_report(tmp_path))["mutants"] if m["id"] == survivor)
    assert entry["killed"] is False and entry["harmless"] == "a read-only query"


def test_a_harmless_row_that_names_only_killed_mutants_is_called_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reason kept for a mutant the drill now kills misleads the next reader: the run says
    which rows to remove. Rows about scenarios that did not run are not judged."""
    survivor = f"{SCENARIO}/diagnosis-1/drop"
    monkeypatch.setattr(mutation, "run_mutants", _judge_by_id(None))
    all_ids = {m["id"] for m in json.loads(_report(tmp_path))["mutants"]}
    monkeypatch.setattr(mutation, "run_mutants", _judge_by_id(all_ids - {survivor}))
    doc = tmp_path / "harmless.md"
    doc.write_text(
        "| mutant | reason |\n|---|---|\n"
        f"| `{SCENARIO}/diagnosis-*/drop` | a read-only query |\n"
        f"| `{SCENARIO}/diagnosis-1/wrong-region` | killed now |\n"
        "| `some-other-scenario/mitigation-1/drop` | not run here |\n",
        encoding="utf-8",
    )
    result = _mutate(tmp_path, "--harmless", str(doc))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"note: 1 harmless row(s) of {doc} name only killed mutants" in text
    assert f"`{SCENARIO}/diagnosis-1/wrong-region`" in text
    assert "some-other-scenario" not in text and f"`{SCENARIO}/diagnosis-*/drop`" not in text


def _report(tmp_path: Path) -> str:
    if not (tmp_path / "m.json").exists():
        assert _mutate(tmp_path).exit_code in (0, 1)
    return (tmp_path / "m.json").read_text(encoding="utf-8")


def test_the_same_results_give_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutation, "run_mutants", _judge_by_id(set()))
    _mutate(tmp_path)
    first = [(tmp_path / f"m.{s}").read_bytes() for s in ("json", "md", "html")]
    _mutate(tmp_path)
    assert [(tmp_path / f"m.{s}").read_bytes() for s in ("json", "md", "html")] == first


def test_an_unknown_id_exits_2_and_names_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["drill", "mutate", "no-such-drill", "--report", str(tmp_path / "m.json")]
    )
    assert result.exit_code == 2
    assert "unknown scenario id 'no-such-drill'" in result.output
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        [SCENARIO],  # no --report
        ["--report", "m.json"],  # neither ids nor --all
        [SCENARIO, "--all", "--report", "m.json"],
        [SCENARIO, "--report", "m.md"],
    ],
)
def test_bad_usage_exits_2(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["drill", "mutate", *args])
    assert result.exit_code == 2, result.output


def test_a_harmless_list_without_rows_is_bad_input(tmp_path: Path) -> None:
    doc = tmp_path / "empty.md"
    doc.write_text("# nothing here\n", encoding="utf-8")
    result = _mutate(tmp_path, "--harmless", str(doc))
    assert result.exit_code == 2
    assert f"{doc}: no harmless-mutant row" in result.output.replace("\n", "")


def test_orders_example_is_refused_before_anything_runs(tmp_path: Path) -> None:
    orders = Path(__file__).resolve().parents[2] / "examples" / "orders" / "catalog.yaml"
    result = CliRunner().invoke(
        cli,
        [
            "drill",
            "mutate",
            "--all",
            "--catalog",
            str(orders),
            "--report",
            str(tmp_path / "m.json"),
        ],
    )
    assert result.exit_code == 2
    assert "cannot run drills in the sandbox" in result.output.replace("\n", " ")
