"""``obskit query``: local files, generated queries by name, CloudWatch (moto_server), errors."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from tools.cli import cli


def invoke(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, ["query", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_local_query_on_the_capture_in_each_format(alchemiser_capture: Path) -> None:
    records = json.loads(alchemiser_capture.read_text())
    levels = Counter(r["level"] for r in records)
    code, out, err = invoke(
        "stats count(*) as n by level | sort n desc", str(alchemiser_capture), "--format", "json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["columns"] == ["level", "n"]
    assert [(r["level"], r["n"]) for r in document["rows"]] == levels.most_common()
    assert document["statistics"]["records_scanned"] == len(records)

    code, out, _ = invoke(
        "stats count(*) as n by level", str(alchemiser_capture), "--format", "csv"
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["level", "n"]
    assert {level: int(n) for level, n in rows[1:]} == dict(levels)

    code, out, err = invoke('filter level = "error" | display event', str(alchemiser_capture))
    assert code == 0
    assert "Portfolio analysis completed but no event was published" in out
    assert "2 row(s); records scanned 8,193" in err


def test_timestamps_are_shown_as_aws_shows_them(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"timestamp": "2025-12-17T20:38:58.084Z", "level": "INFO"}\n')
    code, out, _ = invoke("fields @timestamp, level", str(path), "--format", "json")
    assert json.loads(out)["rows"] == [{"@timestamp": "2025-12-17 20:38:58.084", "level": "INFO"}]


def test_syntax_error_shows_line_column_and_caret(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_text("x\n")
    code, out, err = invoke("fields @message\n| stats count(*) by level | limt 2", str(path))
    assert code == 2
    assert "line 2, column 29" in err
    assert "unknown command 'limt'" in err and "did you mean 'limit'" in err
    lines = err.splitlines()
    caret_line = lines[-1]
    source_line = lines[-2]
    assert source_line.strip() == "| stats count(*) by level | limt 2"
    assert caret_line.index("^") == source_line.index("limt")
    assert out == ""


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = invoke("fields @message", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert "log file(s) not found" in err and "nope.jsonl" in err


def test_generated_query_by_name_runs_on_files(
    example_catalog_path: Path, alchemiser_capture: Path
) -> None:
    from catalog import load_catalog
    from insights_queries.library import build_queries

    queries = build_queries(load_catalog(example_catalog_path))
    no_params = next(q for q in queries if not q.parameters)
    code, out, err = invoke(
        "--query-name",
        no_params.name,
        "--catalog",
        str(example_catalog_path),
        str(alchemiser_capture),
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["statistics"]["records_scanned"] == 8193


def test_unknown_query_name_suggests_the_closest(
    example_catalog_path: Path, tmp_path: Path
) -> None:
    from catalog import load_catalog
    from insights_queries.library import build_queries

    name = build_queries(load_catalog(example_catalog_path))[0].name
    typo = name[:-2] + name[-1] + name[-2]  # swap the last two letters
    code, _, err = invoke(
        "--query-name", typo, "--catalog", str(example_catalog_path), str(tmp_path)
    )
    assert code == 2
    assert f"no generated query named {typo!r}" in err
    assert f"did you mean {name!r}" in err


def test_missing_parameter_names_it(example_catalog_path: Path, alchemiser_capture: Path) -> None:
    from catalog import load_catalog
    from insights_queries.library import build_queries

    with_params = next(q for q in build_queries(load_catalog(example_catalog_path)) if q.parameters)
    (param, *_) = list(with_params.parameters)
    code, _, err = invoke(
        "--query-name",
        with_params.name,
        "--catalog",
        str(example_catalog_path),
        str(alchemiser_capture),
    )
    assert code == 2
    assert f"--param {param}=VALUE" in err
    code, out, err = invoke(
        "--query-name",
        with_params.name,
        "--catalog",
        str(example_catalog_path),
        "--param",
        f"{param}=workflow-2a4425f1-8c7e-4387-a8e1-2cf4a6512a3a",
        str(alchemiser_capture),
        "--format",
        "json",
    )
    assert code == 0, err


@pytest.mark.slow
def test_cloudwatch_insights_call_path_against_moto_server(aws_endpoint: str) -> None:
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    group = "/aws/lambda/orders"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s1",
        logEvents=[
            {"timestamp": now - 5000 - 1000 * i, "message": f"hello {i}"} for i in (2, 1, 0)
        ],
    )
    # moto's Insights reads only fields/sort/limit: the test proves the call path and display
    code, out, err = invoke(
        "fields @timestamp, @message | sort @timestamp desc | limit 2",
        "--log-group",
        group,
        "--since",
        "10m",
        "--endpoint-url",
        aws_endpoint,
        "--region",
        "us-east-1",
        "--format",
        "json",
    )
    assert code == 0, err
    document = json.loads(out)
    assert [r["@message"] for r in document["rows"]] == ["hello 0", "hello 1"]
    assert "@ptr" not in document["columns"]


@pytest.mark.slow
def test_cloudwatch_error_exits_3(aws_endpoint: str) -> None:
    code, _, err = invoke(
        "fields @message",
        "--log-group",
        "/aws/lambda/does-not-exist",
        "--endpoint-url",
        aws_endpoint,
        "--region",
        "us-east-1",
    )
    assert code == 3, err
    assert "CloudWatch Logs refused the query" in err


def test_bad_time_is_bad_input() -> None:
    code, _, err = invoke("fields @message", "--log-group", "g", "--since", "yesterday-ish")
    assert code == 2
    assert "cannot read the time 'yesterday-ish'" in err


def test_list_shows_every_generated_query(example_catalog_path: Path) -> None:
    from catalog import load_catalog
    from insights_queries.library import build_queries

    code, out, err = invoke("--list", "--catalog", str(example_catalog_path))
    assert code == 0, err
    names = [q.name for q in build_queries(load_catalog(example_catalog_path))]
    listed = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert listed == names


def test_no_query_at_all_is_bad_input() -> None:
    code, _, err = invoke()
    assert code == 2
    assert "give a QUERY" in err
