"""The CI workflow of docs/ci.md, run step by step on the embedded example.

The steps are read from the document itself, so the documented workflow and the tested one cannot
drift apart. Each `obskit` step runs as a subprocess of the real CLI in a scratch working
directory. A step whose subcommand tools/cli.py cannot resolve yet is left out (with the files it
would have written dropped from later steps) and the test ends skipped naming it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.cli import SUBCOMMANDS

REPO = Path(__file__).resolve().parents[2]
CI_DOC = REPO / "docs" / "ci.md"
EXPECTED_ORDER = ["generate", "runbook", "runbook", "drill", "baseline", "ready"]


def _workflow() -> dict[str, Any]:
    text = CI_DOC.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block, f"{CI_DOC}: no ```yaml block"
    document: dict[str, Any] = yaml.safe_load(block.group(1))
    return document


def _obskit_steps(workflow: dict[str, Any]) -> list[list[str]]:
    steps = workflow["jobs"]["readiness"]["steps"]
    runs = [" ".join(str(s["run"]).split()) for s in steps if "run" in s]
    return [shlex.split(r) for r in runs if r.startswith("obskit ")]


def _resolvable(command: str) -> bool:
    target = SUBCOMMANDS.get(command)
    return target is not None and importlib.util.find_spec(target[0]) is not None


def _outputs(words: list[str]) -> list[str]:
    """Files a step writes (values of --report, --out, --logs-out), as later steps name them."""
    found = []
    for flag in ("--report", "--out", "--logs-out"):
        if flag in words:
            found.append(words[words.index(flag) + 1])
    return found


def _without(words: list[str], dropped: set[str]) -> list[str]:
    """``words`` without the options whose value is a file a left-out step would have written."""
    out: list[str] = []
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word.startswith("--") and index + 1 < len(words) and words[index + 1] in dropped:
            skip = True
            continue
        out.append(word)
    return out


def _obskit(words: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.cli", *words[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_documented_workflow_has_the_steps_in_order() -> None:
    workflow = _workflow()
    steps = _obskit_steps(workflow)
    assert [w[1] for w in steps] == EXPECTED_ORDER
    assert steps[0][:3] == ["obskit", "generate", "--check"]
    assert steps[1][:3] == ["obskit", "runbook", "check"]
    assert steps[3][:4] == ["obskit", "drill", "run", "--all"]
    upload = workflow["jobs"]["readiness"]["steps"][-1]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "reports/"
    assert upload["if"] == "${{ always() }}"


@pytest.mark.slow
def test_the_documented_workflow_runs_on_the_embedded_example(
    tmp_path: Path, example_catalog_path: Path
) -> None:
    workflow = _workflow()
    env = {**os.environ, **workflow["jobs"]["readiness"]["env"]}
    env["OBSKIT_CATALOG"] = str(example_catalog_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["AWS_ACCESS_KEY_ID"] = env["AWS_SECRET_ACCESS_KEY"] = "testing"
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # what the service repository commits: the generated monitoring
    committed = _obskit(["obskit", "generate", "--out", "generated"], tmp_path, env)
    assert committed.returncode == 0, committed.stderr

    missing: list[str] = []
    dropped: set[str] = set()
    failed: list[str] = []
    for words in _obskit_steps(workflow):
        if not _resolvable(words[1]):
            missing.append(" ".join(words[:3]))
            dropped.update(_outputs(words))
            continue
        words = _without(words, dropped)
        # as in the workflow (`!cancelled()`), later steps run even when one failed
        result = _obskit(words, tmp_path, env)
        if result.returncode != 0:
            tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
            failed.append(f"{' '.join(words)} exited {result.returncode}:\n" + "\n".join(tail))

    ready = json.loads((tmp_path / "reports" / "ready.json").read_text(encoding="utf-8"))
    failing = sorted(i["id"] for i in ready["items"] if i["status"] == "FAIL")
    assert (tmp_path / "reports" / "ready.md").is_file()
    assert (tmp_path / "reports" / "RUNBOOK.md").is_file()
    baseline = json.loads((tmp_path / "reports" / "baseline.json").read_text(encoding="utf-8"))
    assert baseline["throughput"]["workflows"] == 3
    if dropped:
        # only the items whose evidence the left-out steps produce may fail
        assert set(failing) <= {"ops.incident-response", "ops.dlq-replay"}, failing
        failed = [f for f in failed if not f.startswith("obskit ready ")]
    else:
        assert failing == [], f"obskit ready failed items {failing}; steps:\n" + "\n".join(failed)
    assert failed == [], "\n\n".join(failed)
    if missing:
        pytest.skip(
            f"not in this obskit yet (tools/cli.py cannot resolve it): {', '.join(missing)}; "
            "every other step ran and passed"
        )
