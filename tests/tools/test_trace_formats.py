"""The trace reads what the query engine reads, and its answer does not depend on the shape of
the input: the same workflow as JSON lines, as ``aws logs filter-log-events`` output per log
group, gzipped, or shuffled gives the same JSON document (a property checked with hypothesis on
generated causation trees)."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import load_catalog
from insights_queries.timestamps import parse_timestamp
from tools.demo_cli import local_demo as demo
from tools.trace_cli import trace
from tools.tracing.analysis import analyse
from tools.tracing.model import Found, iso
from tools.tracing.render_json import to_dict
from tools.tracing.sources import read_files


def traced(cid: str, *paths: Path) -> dict[str, Any]:
    out = CliRunner().invoke(trace, [cid, *map(str, paths), "--format", "json"])
    assert out.exit_code in (0, 1), out.output
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def test_json_lines_cli_output_per_group_and_gzip_give_the_same_trace(tmp_path: Path) -> None:
    raw = CliRunner().invoke(demo, ["--json", "--fault", "execution=fail"]).stdout
    lines = [json.loads(x) for x in raw.splitlines()]
    cid = lines[0]["correlation_id"]
    plain = tmp_path / "all.jsonl"
    plain.write_text(raw)
    expected = traced(cid, plain)

    catalog = load_catalog()
    per_group: dict[str, list[dict[str, Any]]] = {}
    for line in lines:  # what `aws logs filter-log-events --log-group-name G` prints
        group = catalog.service(line["service"]).log_group
        assert group is not None
        per_group.setdefault(group, []).append(
            {
                "logStreamName": "2026/01/01/[$LATEST]abc",
                "timestamp": int(parse_timestamp(line["timestamp"]) or 0),
                "message": json.dumps(line) + "\n",
                "ingestionTime": int(parse_timestamp(line["timestamp"]) or 0) + 100,
                "eventId": str(len(per_group.get(group, []))),
            }
        )
    files = []
    for i, events in enumerate(per_group.values()):
        path = tmp_path / f"group-{i}.json"
        path.write_text(json.dumps({"events": events, "searchedLogStreams": []}, indent=2))
        files.append(path)
    assert traced(cid, *files) == expected

    packed = tmp_path / "all.jsonl.gz"
    packed.write_bytes(gzip.compress(raw.encode()))
    assert traced(cid, packed) == expected


@st.composite
def workflows(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A random causation tree (fan-out and depth vary) as the lines its handlers would write."""
    cid = "workflow-" + draw(st.uuids()).hex
    services = [s.name for s in load_catalog().services]
    lines = [{"service": services[0], "causation_id": cid, "event_id": None, "event_type": None}]
    frontier = [cid]
    counter = 0
    for _depth in range(draw(st.integers(1, 4))):
        nxt = []
        for parent in frontier:
            for _ in range(draw(st.integers(1, 3))):
                counter += 1
                event_id = f"evt-{counter:04d}"
                service = draw(st.sampled_from(services))
                for _ in range(draw(st.integers(1, 3))):
                    lines.append({"service": service, "causation_id": parent,
                                  "event_id": event_id, "event_type": f"Step{_depth}"})  # fmt: skip
                nxt.append(event_id)
        frontier = nxt
    base = 1_766_003_938_000
    for i, line in enumerate(lines):
        line.update(
            timestamp=iso(base + 7 * i), level="INFO", message=f"line {i}", correlation_id=cid
        )
    return lines


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=workflows(), seed=st.integers(0, 2**16))
def test_any_tree_is_rebuilt_whatever_the_line_order(
    tmp_path: Path, lines: list[dict[str, Any]], seed: int
) -> None:
    cid = lines[0]["correlation_id"]
    catalog = load_catalog()
    shuffled = lines[:]
    random.Random(seed).shuffle(shuffled)
    docs = []
    for name, order in (("ordered", lines), ("shuffled", shuffled)):
        path = tmp_path / f"{name}-{seed}.jsonl"
        path.write_text("".join(json.dumps(ln) + "\n" for ln in order))
        found: Found = read_files(cid, [path], catalog)
        result = analyse(found, catalog)
        found.searched = ""
        docs.append(to_dict(result))
        parents = {ln["event_id"]: ln["causation_id"] for ln in lines if ln["event_id"]}
        assert {e.event_id: e.causation_id for e in result.events} == parents
        assert not result.orphans and not result.cycles
        reached = set()
        todo = [cid]
        while todo:
            node = todo.pop()
            for child in result.children(node):
                reached.add(child.event_id)
                todo.append(child.event_id)
        assert reached == set(parents)  # every event hangs under the workflow
    assert docs[0] == docs[1]
