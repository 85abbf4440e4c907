"""RUNBOOK.md: every alarm's runbook link lands on an anchor, every internal link resolves, and the
same catalog renders the same bytes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog import load_catalog
from dashboards.build import build_monitoring
from runbooks.render import render_runbook
from runbooks.scenarios import CatalogArgs, build_scenarios
from tools.runbook_cli import runbook

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders" / "catalog.yaml"
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
LINK = re.compile(r"\]\(#([^)]+)\)")


@pytest.mark.parametrize("path", [None, ORDERS], ids=["alchemiser", "orders"])
def test_every_alarm_link_resolves_to_an_anchor(path: Path | None) -> None:
    catalog = load_catalog(path)
    text = render_runbook(catalog)
    anchors = ANCHOR.findall(text)
    assert len(anchors) == len(set(anchors)), "duplicate anchors"
    monitoring = build_monitoring(catalog)
    described = [a.description for a in monitoring.alarms] + [
        c.description for c in monitoring.composite_alarms
    ]
    base = catalog.runbook_url
    for description in described:
        link = re.search(r"Runbook: (\S+)", description)
        assert link, description
        url, _, fragment = link[1].partition("#")
        assert url == base
        assert fragment in anchors
        # the anchor sits right above the alarm's own heading
        assert f'<a id="{fragment}"></a>\n\n### {fragment}\n' in text
    for target in LINK.findall(text):
        assert target in anchors, f"link to #{target} has no anchor"
    for scenario in build_scenarios(catalog):
        assert f"scenario-{scenario.id}" in anchors
        for _part, step in scenario.steps():
            if step.command:
                assert step.command in text


def test_same_catalog_same_bytes(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(runbook, ["--out", str(tmp_path / "a")])
    second = runner.invoke(runbook, ["--out", str(tmp_path / "b")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    a = (tmp_path / "a" / "RUNBOOK.md").read_bytes()
    assert a == (tmp_path / "b" / "RUNBOOK.md").read_bytes()
    assert a.startswith(b"# Runbook: alchemiser (dev)")
    assert b"\r" not in a


def test_commands_name_the_catalog_they_were_rendered_for() -> None:
    catalog = load_catalog(ORDERS)
    text = render_runbook(catalog, CatalogArgs(catalog="examples/orders/catalog.yaml"))
    assert (
        "obskit query --query-name errors/recent-errors --since <incident-start> --catalog "
        "examples/orders/catalog.yaml --region eu-west-1" in text
    )
    assert "--region eu-west-1" in text and "us-east-1" not in text
    # the embedded example needs no --catalog at all
    assert "--catalog" not in render_runbook(load_catalog()).split("## Alarms", 1)[1]


def test_runbook_without_out_explains_itself() -> None:
    result = CliRunner().invoke(runbook, [])
    assert result.exit_code == 2
    assert "--out" in result.output
