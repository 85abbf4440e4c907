"""`obskit ready` on the command line: exit codes, the report files, bad input named."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from ready_helpers import full_inputs  # noqa: E402

from tools.cli import cli  # noqa: E402


def _args(tmp: Path) -> list[str]:
    inputs = full_inputs(tmp)
    args = ["--generated", str(inputs.generated), "--baseline", str(inputs.baseline)]
    args += ["--drill-report", str(inputs.drill_report)]
    for log in inputs.logs:
        args += ["--logs", str(log)]
    return args


def test_ready_exits_0_lists_manual_items_and_writes_both_reports(tmp_path: Path) -> None:
    args = _args(tmp_path / "in")
    result = CliRunner().invoke(cli, ["ready", *args, "--report", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    assert "READY: 19 passed, 0 failed, 5 manual" in result.output
    assert "MANUAL On-call rotation scheduled" in result.output
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert document["schema"] == "obskit.readiness/1" and document["ready"] is True
    assert document["counts"] == {"PASS": 19, "FAIL": 0, "MANUAL": 5}
    markdown = (tmp_path / "out.md").read_text(encoding="utf-8")
    for heading in ("## Observability", "## Operational readiness", "## Performance validation"):
        assert heading in markdown
    assert "- [ ] On-call rotation scheduled" in markdown


def test_a_failing_item_exits_1_and_says_what_to_run(tmp_path: Path) -> None:
    args = _args(tmp_path / "in")
    cut = args.index("--drill-report")
    del args[cut : cut + 2]
    result = CliRunner().invoke(cli, ["ready", *args, "--report", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "NOT READY" in result.output
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    failing = [i for i in document["items"] if i["status"] == "FAIL"]
    assert {i["id"] for i in failing} == {"ops.incident-response", "ops.dlq-replay"}
    assert all("obskit drill run --all --report" in i["action"] for i in failing)


def test_same_inputs_same_report_bytes(tmp_path: Path) -> None:
    args = _args(tmp_path / "in")
    for name in ("a", "b"):
        result = CliRunner().invoke(cli, ["ready", *args, "--report", str(tmp_path / name)])
        assert result.exit_code == 0
    for suffix in (".json", ".md"):
        first = (tmp_path / f"a{suffix}").read_text(encoding="utf-8")
        second = (tmp_path / f"b{suffix}").read_text(encoding="utf-8")
        assert first == second


def test_bad_input_exits_2_naming_it(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["ready", "--drill-report", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "--drill-report" in missing.output
    assert "none.json" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    unreadable = runner.invoke(cli, ["ready", "--baseline", str(broken)])
    assert (
        unreadable.exit_code == 2 and "broken.json: cannot read the baseline" in unreadable.output
    )
    catalog = runner.invoke(cli, ["ready", "--catalog", str(tmp_path / "c.yaml")])
    assert catalog.exit_code == 2 and "c.yaml" in catalog.output
