"""``obskit query --query-name`` finds its query through a cache: same query, no catalog load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import load_catalog
from insights_queries.library import build_queries
from tools import saved_queries
from tools.saved_queries import CatalogUnavailable, named_queries
from tools.tracing import catalog_cache

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alchemiser" / "catalog.yaml"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def catalog_copy(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_cached_queries_equal_the_built_ones(
    catalog_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = named_queries(catalog_copy, None)
    calls: list[object] = []
    monkeypatch.setattr(saved_queries, "_build", lambda *a: calls.append(a) or [])
    second = named_queries(catalog_copy, None)
    assert calls == []  # served from the cache, not built again
    built = build_queries(load_catalog(catalog_copy))
    for got in (first, second):
        assert [(q.name, q.log_groups, q.text) for q in got] == [
            (b.name, b.log_groups, b.text) for b in built
        ]
        assert [q.query for q in got] == [b.query for b in built]


def test_an_edited_catalog_builds_its_queries_anew(catalog_copy: Path) -> None:
    named_queries(catalog_copy, None)
    text = catalog_copy.read_text(encoding="utf-8")
    catalog_copy.write_text(text.replace("system: alchemiser", "system: alchemist", 1), "utf-8")
    stat = catalog_copy.stat()
    os.utime(catalog_copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    names = [q.name for q in named_queries(catalog_copy, None)]
    assert names and all(n.startswith("alchemist/") for n in names)


def test_a_damaged_entry_is_rebuilt(catalog_copy: Path) -> None:
    named_queries(catalog_copy, None)
    for entry in catalog_cache.cache_dir().glob("saved-queries-*.marshal"):
        entry.write_bytes(b"\x00garbage")
    assert [q.name for q in named_queries(catalog_copy, None)]


def test_a_broken_catalog_is_reported_and_never_cached(tmp_path: Path) -> None:
    broken = tmp_path / "catalog.yaml"
    broken.write_text("system: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogUnavailable):
        named_queries(broken, None)
    with pytest.raises(CatalogUnavailable):
        named_queries(broken, None)


_PROBE = """
import sys
from tools.saved_queries import named_queries
from tools.tracing.catalog_cache import load_for_trace
named_queries(None, None)  # warm the caches
load_for_trace(None, None)
for name in [m for m in sys.modules if m.split(".")[0] in ("catalog", "pydantic", "yaml")]:
    del sys.modules[name]
sys.argv = ["obskit", *sys.argv[1:], "--since", "1h", "--region", "us-east-1"]
from tools.cli import main
try:
    main()
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"catalog", "pydantic", "yaml", "boto3"})
local = sorted({"insights_queries.local", "insights_queries.sources"} & set(sys.modules))
print("HEAVY=" + ",".join(heavy) + ";LOCAL=" + ",".join(local))
"""


@pytest.mark.parametrize(
    "words",
    [
        ("query", "--query-name", "errors/errors-by-service"),
        ("trace", "--last", "trading"),
    ],
)
def test_a_cloudwatch_command_loads_neither_the_catalog_nor_boto3_nor_file_readers(
    tmp_path: Path, words: tuple[str, ...]
) -> None:
    """What a drill's diagnosis runs, again and again, each time a new process."""
    env = {
        "PYTHONPATH": str(ROOT),
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *words],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    marker = [line for line in done.stdout.splitlines() if line.startswith("HEAVY=")]
    assert marker, done.stderr
    assert marker[-1] == "HEAVY=;LOCAL=", done.stderr
