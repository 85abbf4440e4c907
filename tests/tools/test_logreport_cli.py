"""`obskit logs report` as a command: it is listed, its errors name what and where, its output
is deterministic, and each format writes where it is told."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tools.cli import cli


def test_listed_in_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "logs" in result.output
    sub = CliRunner().invoke(cli, ["logs", "--help"])
    assert "report" in sub.output


def test_bad_input_is_named(tmp_path: Path) -> None:
    runner = CliRunner()
    none = runner.invoke(cli, ["logs", "report"])
    assert none.exit_code == 2 and "give log FILES or --aws" in none.output
    missing = runner.invoke(cli, ["logs", "report", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "nope.jsonl" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text('[{"level": "INFO",', encoding="utf-8")
    bad_json = runner.invoke(cli, ["logs", "report", str(broken)])
    assert bad_json.exit_code == 2 and "broken.json is not valid JSON" in bad_json.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    nothing = runner.invoke(cli, ["logs", "report", str(empty)])
    assert nothing.exit_code == 2 and f"no log lines found in {empty}" in nothing.output
    catalog = runner.invoke(
        cli, ["logs", "report", str(empty), "--catalog", str(tmp_path / "none.yaml")]
    )
    assert catalog.exit_code == 2 and "none.yaml" in catalog.output
    rate = runner.invoke(cli, ["logs", "report", str(empty), "--debug-sample-rate", "2"])
    assert rate.exit_code == 2 and "--debug-sample-rate" in rate.output


def test_output_is_deterministic_and_formats_write_files(
    alchemiser_capture: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    args = ["logs", "report", str(alchemiser_capture)]
    first = runner.invoke(cli, [*args, "--format", "json"]).stdout
    second = runner.invoke(cli, [*args, "--format", "json"]).stdout
    assert first == second
    report = json.loads(first)
    assert list(report) == [
        "schema",
        "source",
        "totals",
        "by_service",
        "by_level",
        "by_service_level",
        "call_sites",
        "correlation",
        "workflows",
        "repeats",
        "debug_buffering",
        "cost",
        "budget",
        "advice",
    ]
    out = tmp_path / "report.txt"
    table = runner.invoke(cli, [*args, "--out", str(out)])
    assert table.exit_code == 0, table.output
    text = out.read_text(encoding="utf-8")
    assert "strategy-worker" in text and "dispatching_dsl_function" in text
    assert "98.8%" in text
    json_out = tmp_path / "report.json"
    runner.invoke(cli, [*args, "--format", "json", "--out", str(json_out)])
    assert json.loads(json_out.read_text(encoding="utf-8")) == report


def test_table_shows_bracketed_text_as_written(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    line = {"level": "WARNING", "message": "[workflow-1] [bold]rejected[/bold] order"}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    out = tmp_path / "table.txt"
    result = CliRunner().invoke(cli, ["logs", "report", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "[workflow-<n>] [bold]rejected[/bold] order" in out.read_text(encoding="utf-8")


def test_gzip_and_filter_log_events_output(tmp_path: Path) -> None:
    """Files in other formats the readers accept give the same counts."""
    import gzip

    lines = [
        json.dumps({"level": "INFO", "message": f"fetched {i} bars", "correlation_id": "wf"})
        for i in range(5)
    ]
    plain = tmp_path / "a.jsonl"
    plain.write_text("\n".join(lines) + "\n", encoding="utf-8")
    zipped = tmp_path / "a.jsonl.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    cli_output = tmp_path / "events.json"
    events = [
        {
            "timestamp": 1766003938084 + i,
            "message": line,
            "logStreamName": "s",
            "logGroupName": "/aws/lambda/app-dev-svc",
        }
        for i, line in enumerate(lines)
    ]
    cli_output.write_text(json.dumps({"events": events}), encoding="utf-8")
    reports = []
    for path in (plain, zipped, cli_output):
        result = CliRunner().invoke(cli, ["logs", "report", str(path), "--format", "json"])
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.stdout))
    for report in reports:
        assert report["totals"]["bytes"] == sum(len(line) for line in lines)
        assert [r["template"] for r in report["call_sites"]] == ["fetched <n> bars"]
    assert reports[2]["by_service"][0]["service"] == "app-dev-svc"
