"""Benchmark ``obskit generate`` on a synthetic catalog of 300 services and 1,000 event types.

Measures: catalog load (from YAML text, with every cross-check), monitoring build (facades +
validators), rendering every output file (template YAML, JSON bodies and payloads, queries), the
output size, how many dashboards the AWS limits forced, and that the output validates. Target:
the whole generate under 2 s on this machine.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from catalog import catalog_from_data, load_catalog
from catalog.models import Catalog

REPEATS = 3


def synthetic_catalog_data(services: int = 300, event_types: int = 1000) -> dict[str, Any]:
    """A valid catalog: event i is emitted by service i mod N and consumed by the next service;
    every 10th service reads an SQS queue (with a DLQ); one rule per consumer; 10 workflows, half
    of them scheduled."""
    names = [f"svc-{i:03d}" for i in range(services)]
    events = [f"Event{i:04d}" for i in range(event_types)]
    emits: dict[int, list[str]] = {i: [] for i in range(services)}
    consumes: dict[int, list[str]] = {i: [] for i in range(services)}
    for i, event in enumerate(events):
        emits[i % services].append(event)
        consumes[(i + 1) % services].append(event)
    sqs = {i for i in range(services) if i % 10 == 5}
    svc_list: list[dict[str, Any]] = []
    queues: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        timeout = 30 + (i % 5) * 30
        service: dict[str, Any] = {
            "name": name,
            "timeout_s": timeout,
            "memory_mb": 256,
            "emits": emits[i],
            "consumes": consumes[i],
        }
        target: dict[str, Any] = {"service": name, "dlq": "{system}-{stage}-event-dlq"}
        if i in sqs:
            queue = f"{{system}}-{{stage}}-{name}"
            service.update(trigger="sqs", queue=queue)
            queues.append(
                {
                    "name": queue,
                    "visibility_timeout_s": timeout * 6,
                    "dlq": f"{queue}-dlq",
                    "max_receive_count": 3,
                }
            )
            queues.append({"name": f"{queue}-dlq", "retention_s": 1209600})
            target = {"queue": queue, "dlq": "{system}-{stage}-event-dlq"}
        svc_list.append(service)
        if consumes[i]:
            rules.append(
                {
                    "name": f"{{system}}-{{stage}}-to-{name}",
                    "event_types": consumes[i],
                    "targets": [target],
                }
            )
    queues.append({"name": "{system}-{stage}-event-dlq", "retention_s": 1209600})
    workflows: list[dict[str, Any]] = []
    schedules: list[dict[str, Any]] = []
    for k in range(10):
        start = events[k * (event_types // 10)]
        wf: dict[str, Any] = {
            "name": f"flow-{k}",
            "start_event": start,
            "success_event": events[k * (event_types // 10) + 50],
            "failure_events": [events[k * (event_types // 10) + 51]],
            "sla_s": 600,
        }
        if k % 2 == 0:
            schedule = f"{{system}}-{{stage}}-flow-{k}"
            producer = names[(k * (event_types // 10)) % services]
            schedules.append(
                {
                    "name": schedule,
                    "expression": "cron(0 6 * * ? *)",
                    "target": producer,
                    "workflow": wf["name"],
                }
            )
            wf["schedule"] = schedule
        workflows.append(wf)
    return {
        "system": "synth",
        "stage": "bench",
        "runbook_url": "https://runbooks.example.com/synth/RUNBOOK.md",
        "services": svc_list,
        "event_types": [{"name": e} for e in events],
        "buses": [{"name": "{system}-{stage}-bus", "rules": rules}],
        "queues": queues,
        "topics": [{"name": "{system}-{stage}-alerts", "purpose": "alerts"}],
        "schedules": schedules,
        "workflows": workflows,
        "notifications": {"alerts_topic": "{system}-{stage}-alerts"},
    }


def synthetic_catalog(services: int = 300, event_types: int = 1000) -> Catalog:
    return catalog_from_data(synthetic_catalog_data(services, event_types))


def _timed(step: str, samples: list[tuple[float, float]]) -> dict[str, Any]:
    """Best wall and CPU time of the samples: CPU time is what contention on a shared machine
    does not inflate."""
    return {
        "step": step,
        "seconds": min(s[0] for s in samples),
        "cpu s": min(s[1] for s in samples),
        "result": "",
    }


def run() -> dict[str, Any]:
    from dashboards.build import build_monitoring, validate_monitoring
    from dashboards.output_files import render_output

    load_s: list[tuple[float, float]] = []
    build_s: list[tuple[float, float]] = []
    render_s: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.yaml"
        path.write_text(yaml.safe_dump(synthetic_catalog_data(), sort_keys=False))
        for _ in range(REPEATS):
            t0, c0 = time.perf_counter(), time.process_time()
            catalog = load_catalog(path)  # what `obskit generate --catalog` does
            t1, c1 = time.perf_counter(), time.process_time()
            monitoring = build_monitoring(catalog)
            t2, c2 = time.perf_counter(), time.process_time()
            output = render_output(catalog)
            t3, c3 = time.perf_counter(), time.process_time()
            load_s.append((t1 - t0, c1 - c0))
            build_s.append((t2 - t1, c2 - c1))
            render_s.append((t3 - t2, c3 - c2))
    second = render_output(catalog)
    issues = validate_monitoring(
        monitoring.alarms, monitoring.composite_alarms, monitoring.dashboards
    )
    size = sum(len(b) for b in output.files.values())
    widgets = sum(len(d.widgets) for d in monitoring.dashboards)
    generate_s = min(a[0] + b[0] for a, b in zip(load_s, render_s, strict=True))
    generate_cpu = min(a[1] + b[1] for a, b in zip(load_s, render_s, strict=True))

    def met(seconds: float) -> str:
        return "met" if seconds < 2 else "NOT met"

    rows: list[dict[str, Any]] = [
        _timed("load catalog (YAML, models, checks)", load_s),
        _timed("build + validate monitoring", build_s),
        _timed("render every file (incl. build)", render_s),
        {
            "step": "generate = load + render",
            "seconds": generate_s,
            "cpu s": generate_cpu,
            "result": f"target 2 s: wall {met(generate_s)}, cpu {met(generate_cpu)}",
        },
        {
            "step": "output",
            "seconds": "",
            "result": f"{len(output.files)} files, {size / 1e6:.2f} MB, "
            f"{sum(1 for n in output.files if n.startswith('template'))} CloudFormation "
            "templates (500 resources / 1 MB each at most)",
        },
        {
            "step": "dashboards (split by AWS limits)",
            "seconds": "",
            "result": f"{len(monitoring.dashboards)} dashboards, {widgets} widgets",
        },
        {
            "step": "alarms",
            "seconds": "",
            "result": f"{len(monitoring.alarms)} alarms, "
            f"{len(monitoring.composite_alarms)} composite",
        },
        {
            "step": "validation",
            "seconds": "",
            "result": f"{len(issues)} issues; deterministic: {output.files == second.files}",
        },
    ]
    for row in rows:
        for key in ("seconds", "cpu s"):
            if isinstance(row.get(key), float):
                row[key] = round(row[key], 3)
        row.setdefault("cpu s", "")
    return {
        "title": f"obskit generate, synthetic catalog: {len(catalog.services)} services, "
        f"{len(catalog.event_types)} event types",
        "rows": rows,
        "notes": [
            "generate = catalog load + rendering every file (rendering includes build+validate);",
            f"times are the best of {REPEATS} runs; 'cpu s' is process CPU time, which a busy "
            "shared machine does not inflate (wall time there can be several times higher).",
            *output.notes,
        ],
    }
