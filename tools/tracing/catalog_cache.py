"""The catalog for ``obskit trace``, from a cache of its compiled form: no YAML, no pydantic.

Loading a catalog parses YAML, validates it with pydantic and fills defaults: most of a short
trace's run, every run, for a file that rarely changes. The first load stores the loaded catalog
as plain values (``marshal``: dicts, lists, strings, numbers; nothing that runs code when read)
in the user's cache directory (``$XDG_CACHE_HOME/obskit``, else ``~/.cache/obskit``); later runs
read it back as :class:`CatalogView` objects with the catalog's fields and the lookups trace
uses (``workflow``, ``producers_of``, ``consumers_of``, ``log_groups``).

The entry is keyed by the catalog file's resolved path, size and modification time, the stage,
and the size and modification time of the catalog package's modules (a new obskit version, or a
changed model, makes a new key): an edited catalog is loaded anew, never served stale.
``OBSKIT_NO_CACHE=1`` turns the cache off; a cache that cannot be read or written is skipped
silently (the catalog is then loaded as without it).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalog import Catalog

FORMAT = 1  # bump when the stored shape changes
_MODEL = "\x00model"  # the key naming a model's class in a stored dict
_PACKAGE = Path(__file__).resolve().parent.parent.parent / "catalog"


def cache_dir() -> Path:
    """Where cached catalogs live: ``$XDG_CACHE_HOME/obskit``, else ``~/.cache/obskit``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "obskit"


def catalog_file(path: Path | None) -> Path:
    """The catalog file ``load_catalog(path)`` reads (its default, without importing it)."""
    if path is not None:
        return Path(path)
    env = os.environ.get("OBSKIT_CATALOG")
    if env:
        return Path(env)
    return _PACKAGE.parent / "examples" / "alchemiser" / "catalog.yaml"


def load_for_trace(path: Path | None, stage: str | None) -> Catalog:
    """The catalog at ``path`` (None: the default), from the cache when it is current.

    Errors are those of ``catalog.load_catalog`` (``CatalogError``, ``OSError``,
    ``ValueError``): a file that fails to load is never cached.
    """
    if os.environ.get("OBSKIT_NO_CACHE", "") not in ("", "0"):
        return _load(path, stage)
    entry = entry_for(catalog_file(path), stage)
    if entry is not None:
        stored = read_entry(entry)
        if isinstance(stored, dict) and stored.get(_MODEL) == "Catalog":
            view: Catalog = _view(stored)  # a CatalogView: the fields and lookups trace reads
            return view
    catalog = _load(path, stage)
    if entry is not None:
        _store(entry, catalog)
    return catalog


def _load(path: Path | None, stage: str | None) -> Catalog:
    from catalog import load_catalog

    return load_catalog(path, stage=stage)


def entry_for(
    file: Path, stage: str | None, kind: str = "catalog", packages: tuple[Path, ...] = ()
) -> Path | None:
    """The cache file for ``file`` as it is now, or ``None`` when it cannot be stated.

    ``kind`` names what is stored (the catalog, or something built from it); ``packages`` are
    further source folders whose code shapes the stored value (they join the key, like the
    catalog package always does).
    """
    try:
        resolved = file.resolve()
        stat = resolved.stat()
        code = sorted(
            (str(p.parent.name), p.name, p.stat().st_size, p.stat().st_mtime_ns)
            for package in (_PACKAGE, *packages)
            for p in package.glob("*.py")
        )
    except OSError:
        return None
    key = repr((FORMAT, kind, str(resolved), stat.st_size, stat.st_mtime_ns, stage, code))
    return cache_dir() / f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:32]}.marshal"


def read_entry(entry: Path) -> Any:
    """The plain value stored at ``entry``, or ``None`` when it is missing or damaged."""
    try:
        return marshal.loads(entry.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _store(entry: Path, catalog: Catalog) -> None:
    """Store the loaded catalog as plain values."""
    store_plain(entry, _plain(catalog))


def store_plain(entry: Path, value: Any) -> None:
    """Write the entry atomically (a concurrent run reads the old file or the new, never half)."""
    try:
        data = marshal.dumps(value)
        entry.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".cache-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, entry)
    except (OSError, ValueError):
        return


def _plain(value: Any) -> Any:
    """A loaded model as marshal-able values; a model is a dict naming its class."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        out = {name: _plain(getattr(value, name)) for name in fields}
        out[_MODEL] = type(value).__name__
        return out
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _view(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get(_MODEL)
        items = {k: _view(v) for k, v in value.items() if k != _MODEL}
        if kind is None:
            return items
        return (CatalogView if kind == "Catalog" else ModelView)(kind, items)
    if isinstance(value, list):
        return [_view(v) for v in value]
    return value


class ModelView:
    """A cached model: its fields as attributes (read only)."""

    def __init__(self, kind: str, fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)
        self._kind = kind

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "_kind":
            raise AttributeError(f"a cached {self._kind} is read only")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        name = self.__dict__.get("name")
        return f"<cached {self._kind} {name!r}>" if name else f"<cached {self._kind}>"


class CatalogView(ModelView):
    """A cached catalog: the lookups of ``catalog.models.Catalog`` that trace uses."""

    services: list[Any]
    workflows: list[Any]

    def workflow(self, name: str) -> Any:
        """The workflow called ``name``; KeyError (with the catalog's did-you-mean) otherwise."""
        for workflow in self.workflows:
            if workflow.name == name:
                return workflow
        from catalog.models import unknown_name_message  # the rare miss pays for the import

        raise KeyError(unknown_name_message("workflow", name, [w.name for w in self.workflows]))

    def producers_of(self, event: str) -> list[Any]:
        """Services that emit ``event``, in catalog order."""
        return [s for s in self.services if event in s.emits]

    def consumers_of(self, event: str) -> list[Any]:
        """Services that consume ``event``, in catalog order."""
        return [s for s in self.services if event in s.consumes]

    def log_groups(self) -> list[str]:
        """Every service's log group, in catalog order."""
        return [s.log_group for s in self.services if s.log_group is not None]
