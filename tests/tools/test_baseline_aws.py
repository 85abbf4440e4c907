"""`obskit baseline --aws` on moto_server: the metrics a sandbox run published, read back with
GetMetricData, agree with what the same run logged."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from catalog import load_catalog  # noqa: E402
from sandbox import Sandbox  # noqa: E402
from tools.cli import cli  # noqa: E402
from tools.readiness.baseline_logs import baseline_from_logs  # noqa: E402
from tools.readiness.sandbox_logs import write_log_records  # noqa: E402


def test_cloudwatch_baseline_matches_the_logged_run(aws_endpoint: str, tmp_path: Path) -> None:
    with Sandbox(load_catalog(), endpoint_url=aws_endpoint) as box:
        start_ms = int(box.clock.now() * 1000) - 60_000
        counts = box.run_workflows(3, spacing_s=120)
        box.advance(120)
        end_ms = int(box.clock.now() * 1000) + 60_000
        write_log_records(box.logs.records, tmp_path / "run.json")
    assert counts.completed == 3
    out = tmp_path / "baseline.json"
    result = CliRunner().invoke(
        cli,
        [
            "baseline", "--aws", "--endpoint-url", aws_endpoint,
            "--since", str(start_ms), "--until", str(end_ms), "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    logged = baseline_from_logs(load_catalog(), [tmp_path / "run.json"])

    assert data["source"]["kind"] == "cloudwatch"
    assert data["throughput"]["workflows"] == 3
    e2e = data["latency"]["end_to_end"]["trading"]
    assert e2e["count"] == 3
    assert 0 < e2e["p50"] <= e2e["p95"] <= e2e["p99"] <= e2e["max"]
    assert e2e["max"] <= load_catalog().workflows[0].sla_s
    services = data["latency"]["services"]
    assert {k: v["invocations"] for k, v in services.items()} == {
        k: v["invocations"] for k, v in logged["latency"]["services"].items()
    }
    for name, stats in services.items():
        assert stats["duration_ms"]["max"] > 0, name
    assert data["throughput"]["invocations"] == logged["throughput"]["invocations"]
    assert any("percentile" in n for n in data["notes"])  # moto computes no percentiles
    assert data["latency"]["hops"] == {}


def test_unreachable_cloudwatch_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "baseline", "--aws", "--endpoint-url", "http://127.0.0.1:9",
            "--since", "1h", "--out", str(tmp_path / "b.json"),
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "cannot read CloudWatch metrics" in result.output
    assert not (tmp_path / "b.json").exists()
