"""Shared builders for the readiness tests: a real sandbox run's logs, generated files, variants.

The sandbox run is the expensive part (moto_server, the example services, three workflows): it
is run once per test session and its log file reused; every test copies what it will break.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import yaml
from click.testing import CliRunner

from catalog import load_catalog
from runbooks.scenarios import build_scenarios
from tools.cli import cli
from tools.readiness.sandbox_logs import write_log_records

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "alchemiser" / "catalog.yaml"
_CACHE: dict[str, Path] = {}


def _cache_dir() -> Path:
    if "dir" not in _CACHE:
        _CACHE["dir"] = Path(tempfile.mkdtemp(prefix="obskit-ready-"))
    return _CACHE["dir"]


def sandbox_logs(workflows: int = 3) -> Path:
    """Log file of a healthy sandbox run of the example (run once per session)."""
    key = f"logs-{workflows}"
    if key not in _CACHE:
        from sandbox import Sandbox
        from sandbox.moto_server import MotoServer

        path = _cache_dir() / f"sandbox-{workflows}.json"
        with MotoServer() as server, Sandbox.start(endpoint_url=server.endpoint_url) as box:
            counts = box.run_workflows(workflows, spacing_s=60)
            assert counts.completed == workflows, counts
            write_log_records(box.logs.records, path)
        _CACHE[key] = path
    return _CACHE[key]


def invoke(*args: str) -> Any:
    """``obskit ARGS`` through click's runner (the real CLI, in process)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def generated(target: Path, catalog: Path | None = None) -> Path:
    """``obskit generate --out`` and ``obskit runbook --out`` into ``target`` (a fresh copy)."""
    key = f"generated-{catalog}"
    if key not in _CACHE:
        out = _cache_dir() / f"generated-{len(_CACHE)}"
        extra = ["--catalog", str(catalog)] if catalog else []
        result = invoke("generate", "--out", str(out), *extra)
        assert result.exit_code == 0, result.output
        result = invoke("runbook", "--out", str(out), *extra)
        assert result.exit_code == 0, result.output
        _CACHE[key] = out
    shutil.copytree(_CACHE[key], target)
    return target


def catalog_variant(target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The example catalog with ``edit`` applied to its YAML document, written to ``target``."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    edit(document)
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


def drill_report(
    target: Path,
    catalog: Path | None = None,
    *,
    failed: Sequence[str] = (),
    broken_steps: Sequence[str] = (),
) -> Path:
    """A drill report in issue 7's contract for every drilled scenario of the catalog.

    Stands in for ``obskit drill run --all --report`` until that command exists: every scenario
    passed except those in ``failed``; ``broken_steps`` scenarios' mitigation steps exited 1.
    """
    entries = []
    for s in build_scenarios(load_catalog(catalog)):
        if s.drill is None:
            continue
        broken = s.id in broken_steps
        steps = [
            {
                "command": st.command,
                "exit_code": 1 if broken else 0,
                "ok": not broken,
                "part": "mitigation",
                "expect": list(st.expect),
                "matched": None if not st.expect else not broken,
                "run": True,
            }
            for st in s.mitigation
            if st.command and st.runnable
        ]
        ok = s.id not in failed and not broken
        n = s.drill.workflows
        entries.append(
            {
                "id": s.id,
                "passed": ok,
                "expected_alarms": list(s.drill.expected_alarms),
                "fired_alarms": list(s.drill.expected_alarms) if ok else [],
                "unexpected_alarms": [],
                "detected_after_s": 120.0 if ok else None,
                "recovered_after_s": 300.0 if ok else None,
                "workflows": {
                    "started": n,
                    "completed": n if ok else 0,
                    "lost": 0 if ok else n,
                    "duplicated": 0,
                },
                "steps": steps,
                "alarm_timing": {"evaluation": "sliding, every 60 s"},
                "placeholders": 0,
            }
        )
    target.write_bytes(orjson.dumps({"scenarios": entries}, option=orjson.OPT_INDENT_2))
    return target


def filtered_logs(source: Path, target: Path, keep: Callable[[dict[str, Any]], bool]) -> Path:
    """A copy of a sandbox log file with only the events ``keep`` accepts."""
    document = orjson.loads(source.read_bytes())
    document["events"] = [e for e in document["events"] if keep(e)]
    target.write_bytes(orjson.dumps(document))
    return target


def baseline_file(target: Path, logs: Sequence[Path], catalog: Path | None = None) -> Path:
    """``obskit baseline --from-logs LOGS --out target`` (the real command)."""
    extra = ["--catalog", str(catalog)] if catalog else []
    args = [a for p in logs for a in ("--from-logs", str(p))]
    result = invoke("baseline", *args, "--out", str(target), *extra)
    assert result.exit_code == 0, result.output
    return target


def full_inputs(tmp: Path, catalog: Path | None = None, **overrides: Any) -> Any:
    """Inputs with every piece of evidence for a healthy run; ``overrides`` replace fields."""
    from runbooks.scenarios import CatalogArgs
    from tools.readiness import Inputs

    tmp.mkdir(parents=True, exist_ok=True)
    logs = overrides.pop("logs", None) or (sandbox_logs(),)
    fields: dict[str, Any] = {
        "catalog": load_catalog(catalog),
        "catalog_args": CatalogArgs(catalog=str(catalog) if catalog else None),
        "logs": tuple(logs),
    }
    if "generated" not in overrides:
        fields["generated"] = generated(tmp / "generated", catalog)
    if "drill_report" not in overrides:
        fields["drill_report"] = drill_report(tmp / "drills.json", catalog)
    if "baseline" not in overrides:
        fields["baseline"] = baseline_file(tmp / "baseline.json", logs, catalog)
    fields.update(overrides)
    return Inputs(**fields)


def run(tmp: Path, catalog: Path | None = None, **overrides: Any) -> Any:
    """The readiness report of :func:`full_inputs`."""
    from tools.readiness import run_readiness

    return run_readiness(full_inputs(tmp, catalog, **overrides))
