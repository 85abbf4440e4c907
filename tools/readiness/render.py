"""The readiness report as Markdown, JSON and a rich table.

``--report FILE`` writes both files: ``FILE.md`` and ``FILE.json``; when FILE ends in ``.md`` or
``.json`` that suffix is replaced (``--report out/ready.json`` writes ``out/ready.json`` and
``out/ready.md``). Both are deterministic: same inputs, same bytes.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from rich.markup import escape
from rich.table import Table

from tools.readiness.model import CHECKLISTS, FAIL, MANUAL, PASS, Report

STYLE = {PASS: "green", FAIL: "bold red", MANUAL: "yellow"}


def report_paths(target: Path) -> tuple[Path, Path]:
    """(markdown, json) paths for ``--report target``."""
    base = target.with_suffix("") if target.suffix in (".md", ".json") else target
    return base.with_name(base.name + ".md"), base.with_name(base.name + ".json")


def to_json(report: Report) -> bytes:
    return orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    counts = report.counts()
    verdict = "READY" if report.ready else "NOT READY"
    lines = [
        f"# Readiness: {report.system} ({report.stage}): {verdict}",
        "",
        f"{counts[PASS]} passed, {counts[FAIL]} failed, {counts[MANUAL]} for a person to confirm.",
        "",
    ]
    for key, heading in CHECKLISTS.items():
        items = [i for i in report.items if i.checklist == key]
        if not items:
            continue
        lines += [f"## {heading}", "", "| status | item | evidence | to do |", "|---|---|---|---|"]
        for i in items:
            evidence = "<br>".join(_md(e) for e in i.evidence) or "-"
            lines.append(
                f"| **{i.status}** | {_md(i.title)} (`{i.id}`) | {evidence} "
                f"| {_md(i.action or '-')} |"
            )
        lines.append("")
    if report.manual:
        lines += ["## A person must confirm", ""]
        lines += [f"- [ ] {_md(i.title)}: {_md(i.action or '')}" for i in report.manual]
        lines.append("")
    lines += [
        "## Inputs",
        "",
        "```json",
        orjson.dumps(report.inputs, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode(),
        "```",
        "",
    ]
    return "\n".join(lines)


def write_report(report: Report, target: Path) -> tuple[Path, Path]:
    md, js = report_paths(target)
    md.parent.mkdir(parents=True, exist_ok=True)
    md.write_text(to_markdown(report), encoding="utf-8", newline="\n")
    js.write_bytes(to_json(report))
    return md, js


def to_table(report: Report) -> Table:
    verdict = "[green]READY[/green]" if report.ready else "[bold red]NOT READY[/bold red]"
    table = Table(
        title=f"{escape(report.system)} ({escape(report.stage)}): {verdict}", title_justify="left"
    )
    table.add_column("checklist")
    table.add_column("status")
    table.add_column("item")
    table.add_column("evidence / to do", overflow="fold")
    for i in report.items:
        detail = "\n".join(escape(e) for e in i.evidence[:4])
        if i.action:
            detail += ("\n" if detail else "") + f"[bold]→ {escape(i.action)}[/bold]"
        table.add_row(
            CHECKLISTS[i.checklist], f"[{STYLE[i.status]}]{i.status}[/]", escape(i.title), detail
        )
    return table
