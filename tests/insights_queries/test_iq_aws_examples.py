"""AWS's documented example queries, run by the local engine on logs made for them.

Queries from the CloudWatch Logs Insights "Sample queries" page and the command pages; each
answer is computed independently from the same log lines in the test.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from insights_queries.engine import run
from insights_queries.local import query_files
from insights_queries.timestamps import format_millis

REPORT = (
    "REPORT RequestId: {rid}\tDuration: {d:.2f} ms\tBilled Duration: {b} ms\t"
    "Memory Size: 128 MB\tMax Memory Used: {m} MB{init}\t"
)


def lambda_log(tmp_path: Path) -> tuple[Path, list[dict[str, float]]]:
    rng = random.Random(5)
    reports = []
    lines = []
    for i in range(40):
        rid = f"00000000-0000-0000-0000-{i:012d}"
        d = rng.uniform(1, 500)
        m = rng.randint(50, 128)
        cold = i % 10 == 0
        lines.append(f"START RequestId: {rid} Version: $LATEST")
        lines.append(f"2025-12-17T20:{i:02d}:00.000Z\t{rid}\tINFO\tworking on {i}")
        lines.append(f"END RequestId: {rid}")
        lines.append(
            REPORT.format(
                rid=rid, d=d, b=math.ceil(d), m=m, init="\tInit Duration: 212.50 ms" if cold else ""
            )
        )
        reports.append(
            {"duration": round(d, 2), "billed": math.ceil(d), "memory": m * 1_000_000, "cold": cold}
        )
    path = tmp_path / "fn.log"
    path.write_text("\n".join(lines) + "\n")
    return path, reports


def test_lambda_duration_and_memory_reports(tmp_path: Path) -> None:
    path, reports = lambda_log(tmp_path)
    # "Determine the amount of overprovisioned memory"
    row = query_files(
        'filter @type = "REPORT"'
        " | stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB,"
        " min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB,"
        " avg(@maxMemoryUsed / 1000 / 1000) as avgMemoryUsedMB,"
        " max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB,"
        " provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB",
        [path],
    ).rows[0]
    used = [r["memory"] / 1e6 for r in reports]
    assert row["provisonedMemoryMB"] == 128
    assert row["smallestMemoryRequestMB"] == min(used)
    assert row["avgMemoryUsedMB"] == sum(used) / len(used)
    assert row["overProvisionedMB"] == 128 - max(used)
    # "the top 100 highest billed invocations"
    top = query_files(
        'filter @type = "REPORT" | fields @requestId, @billedDuration | sort @billedDuration desc | limit 3',
        [path],
    )
    assert top.column("@billedDuration") == sorted((r["billed"] for r in reports), reverse=True)[:3]
    # "percentage of cold starts", as the Lambda operator guide writes it
    cold = query_files(
        'filter @type = "REPORT" | stats sum(strcontains(@message, "Init Duration")) / count(*) * 100'
        " as coldStartPct, avg(@duration)",
        [path],
    ).rows[0]
    assert cold["coldStartPct"] == 100 * sum(r["cold"] for r in reports) / len(reports)
    assert cold["avg(@duration)"] == sum(r["duration"] for r in reports) / len(reports)
    # "latency statistics in 5-minute intervals"
    binned = query_files(
        'filter @type = "REPORT" | stats avg(@duration), max(@duration), min(@duration), pct(@duration, 90) by bin(5m)',
        [path],
    )
    assert binned.columns == [
        "bin(5m)",
        "avg(@duration)",
        "max(@duration)",
        "min(@duration)",
        "pct(@duration, 90)",
    ]


def test_text_lines_bin_by_their_own_time(tmp_path: Path) -> None:
    path, _ = lambda_log(tmp_path)
    rows = query_files(
        "filter @message like /working on/ | stats count(*) as n by bin(10m) | sort n desc", [path]
    ).rows
    assert sorted((format_millis(r["bin(10m)"]), r["n"]) for r in rows) == [
        ("2025-12-17 20:00:00.000", 10),
        ("2025-12-17 20:10:00.000", 10),
        ("2025-12-17 20:20:00.000", 10),
        ("2025-12-17 20:30:00.000", 10),
    ]


def test_parse_documented_glob_and_regex_examples() -> None:
    events = [
        {"@message": f"user=u{i % 3}, method:{'GET' if i % 2 else 'PUT'}, latency := {10 * i}"}
        for i in range(12)
    ]
    glob = run(
        'parse @message "user=*, method:*, latency := *" as @user, @method, @latency'
        " | stats avg(@latency) by @method, @user",
        events,
    )
    regex = run(
        "parse @message /user=(?<user2>.*?), method:(?<method2>.*?), latency := (?<latency2>.*?)$/"
        " | stats avg(latency2) by method2, user2",
        events,
    )
    expected: dict[tuple[str, str], list[int]] = {}
    for i in range(12):
        expected.setdefault(("GET" if i % 2 else "PUT", f"u{i % 3}"), []).append(10 * i)
    assert {(r["@method"], r["@user"]): r["avg(@latency)"] for r in glob.rows} == {
        k: sum(v) / len(v) for k, v in expected.items()
    }
    assert {(r["method2"], r["user2"]): r["avg(latency2)"] for r in regex.rows} == {
        k: sum(v) / len(v) for k, v in expected.items()
    }


def test_count_by_log_stream_and_count_distinct() -> None:
    events = [
        {"@logStream": f"s{i % 4}", "@message": str(i), "@requestId": f"r{i % 7}"}
        for i in range(50)
    ]
    by_stream = run("stats count(*) by @logStream | limit 100", events)
    assert {r["@logStream"]: r["count(*)"] for r in by_stream.rows} == {
        f"s{k}": sum(1 for i in range(50) if i % 4 == k) for k in range(4)
    }
    assert run("stats count_distinct(@requestId)", events).rows == [
        {"count_distinct(@requestId)": 7}
    ]


# ------------------------------------------------------------------ filter against an oracle

_value = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["a", "b", "2", ""]))
_events = st.lists(st.fixed_dictionaries({"x": _value, "y": _value}), max_size=20)


def _present(event: dict[str, object], key: str) -> bool:
    return event.get(key) is not None


def _num(value: object) -> float | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _gt(event: dict[str, object], key: str, n: int) -> bool:
    v = _num(event.get(key))
    return v is not None and v > n


@settings(max_examples=80, deadline=None)
@given(events=_events, n=st.integers(-2, 2), negate=st.booleans())
def test_filter_composition_matches_an_oracle(
    events: list[dict[str, object]], n: int, negate: bool
) -> None:
    clean = [{k: v for k, v in e.items() if v is not None} for e in events]
    query = f'filter (x > {n} or y = "a") and ispresent(x)'
    if negate:
        query = f'filter not ((x > {n} or y = "a") and ispresent(x))'
    got = run(query + " | display x, y", clean).rows
    kept = [
        e for e in clean if ((_gt(e, "x", n) or e.get("y") == "a") and _present(e, "x")) != negate
    ]
    assert got == [{"x": e.get("x"), "y": e.get("y")} for e in kept]
