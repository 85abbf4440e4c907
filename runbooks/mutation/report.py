"""The mutation report: every mutant and its fate, the score per scenario and overall.

The score is killed / (killed + survived): a mutant whose run failed in the harness itself
(``error``) says nothing about the runbook and counts in neither. The JSON is
``{"catalog", "system", "stage", "mutants": [...], "scores": {scenario: ...}, "overall": ...}``,
each mutant ``{"id", "scenario", "part", "step", "mutation", "detail", "status", "killed",
"reason", "harmless"}`` (``killed`` is null for an error; ``harmless`` the documented reason a
survivor does no harm, else null). No wall time goes in, so the same results give the same bytes
(JSON, Markdown and HTML alike).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson

Status = Literal["killed", "survived", "error"]
MUTANT_KEYS = (
    "id",
    "scenario",
    "part",
    "step",
    "mutation",
    "detail",
    "status",
    "killed",
    "reason",
    "harmless",
)


@dataclass(frozen=True)
class Outcome:
    """What happened to one mutant."""

    id: str
    scenario: str
    part: str
    step: int
    mutation: str
    detail: str
    status: Status
    reason: str
    """Killed: why the drill failed. Survived: that it passed (or could not see the change).
    Error: what broke in the harness."""
    harmless: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "part": self.part,
            "step": self.step,
            "mutation": self.mutation,
            "detail": self.detail,
            "status": self.status,
            "killed": None if self.status == "error" else self.status == "killed",
            "reason": self.reason,
            "harmless": self.harmless,
        }


@dataclass(frozen=True)
class Score:
    killed: int
    survived: int
    errors: int

    @property
    def score(self) -> float | None:
        """killed / (killed + survived); None when no mutant was judged."""
        judged = self.killed + self.survived
        return None if judged == 0 else self.killed / judged

    def to_json(self) -> dict[str, Any]:
        score = self.score
        return {
            "killed": self.killed,
            "survived": self.survived,
            "errors": self.errors,
            "score": None if score is None else round(score, 4),
        }

    def percent(self) -> str:
        score = self.score
        return "-" if score is None else f"{100 * score:.1f}%"


def _score(outcomes: list[Outcome]) -> Score:
    return Score(
        sum(o.status == "killed" for o in outcomes),
        sum(o.status == "survived" for o in outcomes),
        sum(o.status == "error" for o in outcomes),
    )


@dataclass
class MutationReport:
    catalog: str
    system: str
    stage: str
    outcomes: list[Outcome] = field(default_factory=list)

    def scenarios(self) -> list[str]:
        """Scenario ids in the order their mutants are listed."""
        return list(dict.fromkeys(o.scenario for o in self.outcomes))

    def scores(self) -> dict[str, Score]:
        return {s: _score([o for o in self.outcomes if o.scenario == s]) for s in self.scenarios()}

    def overall(self) -> Score:
        return _score(self.outcomes)

    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "survived"]

    @property
    def clean(self) -> bool:
        """No error, and every survivor documented as harmless."""
        return all(
            o.status == "killed" or (o.status == "survived" and o.harmless) for o in self.outcomes
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "catalog": self.catalog,
            "system": self.system,
            "stage": self.stage,
            "mutants": [o.to_json() for o in self.outcomes],
            "scores": {s: score.to_json() for s, score in self.scores().items()},
            "overall": self.overall().to_json(),
        }


def to_markdown(report: MutationReport) -> str:
    overall = report.overall()
    lines = [
        f"# Runbook mutation testing: {report.system} ({report.stage})",
        "",
        f"Catalog: {report.catalog}. Overall score **{overall.percent()}**: {overall.killed} "
        f"killed, {overall.survived} survived, {overall.errors} error(s).",
        "",
        "| scenario | killed | survived | errors | score |",
        "|---|---:|---:|---:|---:|",
    ]
    for scenario, score in report.scores().items():
        lines.append(
            f"| {scenario} | {score.killed} | {score.survived} | {score.errors} | "
            f"{score.percent()} |"
        )
    lines += ["", "## Mutants", "", "| mutant | status | detail | reason |", "|---|---|---|---|"]
    for o in report.outcomes:
        status = o.status if not o.harmless else f"{o.status} (harmless: {o.harmless})"
        lines.append(f"| `{o.id}` | {_cell(status)} | {_cell(o.detail)} | {_cell(o.reason)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_STYLE = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
    ".killed{color:#1a7f37}.survived{color:#b35900}.error{color:#cf222e}code{font-size:90%}"
)


def to_html(report: MutationReport) -> str:
    e = html.escape
    overall = report.overall()
    rows = "".join(
        f"<tr><td>{e(s)}</td><td>{sc.killed}</td><td>{sc.survived}</td><td>{sc.errors}</td>"
        f"<td>{e(sc.percent())}</td></tr>"
        for s, sc in report.scores().items()
    )
    mutants = "".join(
        f'<tr><td><code>{e(o.id)}</code></td><td class="{o.status}">{e(o.status)}'
        f"{'' if not o.harmless else ' (harmless: ' + e(o.harmless) + ')'}</td>"
        f"<td>{e(o.detail)}</td><td>{e(o.reason)}</td></tr>"
        for o in report.outcomes
    )
    title = f"Runbook mutation testing: {report.system} ({report.stage})"
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{e(title)}</h1>"
        f"<p>Catalog: {e(report.catalog)}. Overall score <b>{e(overall.percent())}</b>: "
        f"{overall.killed} killed, {overall.survived} survived, {overall.errors} error(s).</p>"
        "<table><tr><th>scenario</th><th>killed</th><th>survived</th><th>errors</th>"
        f"<th>score</th></tr>{rows}</table><h2>Mutants</h2><table><tr><th>mutant</th>"
        f"<th>status</th><th>detail</th><th>reason</th></tr>{mutants}</table></body></html>\n"
    )


def write_report(report: MutationReport, path: Path) -> list[Path]:
    """``path`` (JSON) and, beside it, the Markdown and HTML (``mutants.json`` →
    ``mutants.md``, ``mutants.html``, as ``obskit drill run --report`` names them)."""
    md, page = path.with_suffix(".md"), path.with_suffix(".html")
    if path in (md, page):
        raise ValueError(f"{path}: the JSON report cannot end in .md or .html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    md.write_text(to_markdown(report), encoding="utf-8")
    page.write_text(to_html(report), encoding="utf-8")
    return [path, md, page]
