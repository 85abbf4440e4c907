"""``obskit trace`` reads the catalog from a compiled cache: current, invalidated, optional."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog import load_catalog
from tools.tracing import catalog_cache
from tools.tracing.catalog_cache import CatalogView, load_for_trace

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alchemiser" / "catalog.yaml"


@pytest.fixture()
def catalog_copy(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_the_second_load_comes_from_the_cache_with_the_same_fields(catalog_copy: Path) -> None:
    first = load_for_trace(catalog_copy, None)
    assert not isinstance(first, CatalogView)  # loaded, then stored
    second = load_for_trace(catalog_copy, None)
    assert isinstance(second, CatalogView)
    loaded = load_catalog(catalog_copy)
    assert second.region == loaded.region and second.system == loaded.system
    assert [s.name for s in second.services] == [s.name for s in loaded.services]
    assert second.log_groups() == loaded.log_groups()
    for workflow in loaded.workflows:
        cached = second.workflow(workflow.name)
        assert (cached.start_event, cached.steps, cached.sla_s) == (
            workflow.start_event,
            workflow.steps,
            workflow.sla_s,
        )
        assert [s.name for s in second.consumers_of(workflow.start_event)] == [
            s.name for s in loaded.consumers_of(workflow.start_event)
        ]
        assert [s.name for s in second.producers_of(workflow.success_event)] == [
            s.name for s in loaded.producers_of(workflow.success_event)
        ]
    assert second.log_conventions.duplicate_message == loaded.log_conventions.duplicate_message
    with pytest.raises(KeyError, match="unknown workflow 'nope'"):
        second.workflow("nope")


def test_an_edited_catalog_is_loaded_anew(catalog_copy: Path) -> None:
    load_for_trace(catalog_copy, None)
    text = catalog_copy.read_text(encoding="utf-8")
    catalog_copy.write_text(text.replace("region: ", "region:  ", 1), encoding="utf-8")
    stat = catalog_copy.stat()
    os.utime(catalog_copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert not isinstance(load_for_trace(catalog_copy, None), CatalogView)
    assert isinstance(load_for_trace(catalog_copy, None), CatalogView)
    assert not isinstance(load_for_trace(catalog_copy, "prod"), CatalogView)  # a stage: its own


def test_the_cache_can_be_turned_off(catalog_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSKIT_NO_CACHE", "1")
    load_for_trace(catalog_copy, None)
    assert not isinstance(load_for_trace(catalog_copy, None), CatalogView)
    assert not catalog_cache.cache_dir().exists()


def test_a_damaged_cache_entry_is_ignored(catalog_copy: Path) -> None:
    load_for_trace(catalog_copy, None)
    (entry,) = catalog_cache.cache_dir().glob("catalog-*")
    entry.write_bytes(b"\x00garbage")
    assert not isinstance(load_for_trace(catalog_copy, None), CatalogView)
    assert isinstance(load_for_trace(catalog_copy, None), CatalogView)


def test_a_bad_catalog_is_never_cached(tmp_path: Path) -> None:
    from catalog import CatalogError

    bad = tmp_path / "bad.yaml"
    bad.write_text("system: [\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CatalogError):
            load_for_trace(bad, None)
    assert not list(catalog_cache.cache_dir().glob("catalog-*"))


def test_a_cached_trace_imports_neither_pydantic_nor_yaml(tmp_path: Path) -> None:
    """The start-up the cache exists for: the second ``obskit trace`` of a file."""
    log = tmp_path / "a.jsonl"
    log.write_text(
        '{"timestamp": "2025-01-01T00:00:00.000Z", "level": "INFO", "service": "x", '
        '"message": "m", "correlation_id": "wf-1"}\n',
        encoding="utf-8",
    )
    code = f"""
import sys
from tools.cli import main
sys.argv = ["obskit", "trace", "wf-1", {str(log)!r}, "--format", "json"]
try:
    main()
except SystemExit:
    pass
print(sorted(m for m in ("pydantic", "yaml", "catalog") if m in sys.modules))
"""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    root = Path(__file__).resolve().parents[2]
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root
        )
        for _ in range(2)
    ]
    assert runs[0].stdout.strip().splitlines()[-1] == "['catalog', 'pydantic', 'yaml']"
    assert runs[1].stdout.strip().splitlines()[-1] == "[]", runs[1].stderr
    assert runs[0].stdout.splitlines()[:-1] == runs[1].stdout.splitlines()[:-1]  # same trace
