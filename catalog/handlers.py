"""Check that every service's ``handler`` names a function that really exists.

The catalog says ``handler: services.portfolio:handler``; the sandbox and the drills import exactly
that, from the catalog's folder. A renamed module or function would otherwise be found out only when
a drill runs. Importing runs the modules' top-level code, so this check is opt-in
(``obskit catalog check --handlers``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from catalog.models import Catalog
from catalog.problems import Problem, format_path


@contextmanager
def _on_path(folder: Path) -> Iterator[None]:
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        if entry in sys.path:
            sys.path.remove(entry)


def handler_root(catalog: Catalog) -> Path | None:
    """The folder handlers are imported from: the catalog file's own folder."""
    source = Path(catalog.source_file)
    return source.parent if source.is_file() else None


def check_handlers(catalog: Catalog, root: Path | None = None) -> list[Problem]:
    """One problem per handler that cannot be imported or is not a callable."""
    folder = root if root is not None else handler_root(catalog)
    problems: list[Problem] = []

    def add(index: int, message: str) -> None:
        path = ("services", index, "handler")
        line = catalog.source_line(path)
        problems.append(Problem(catalog.source_file, line, format_path(path), message))

    if folder is None:
        return [Problem(catalog.source_file, None, "", "no catalog folder to import handlers from")]
    with _on_path(folder):
        for index, service in enumerate(catalog.services):
            if service.handler is None:
                continue
            module_name, _, function = service.handler.partition(":")
            try:
                module = importlib.import_module(module_name)
            except Exception as exc:  # any import-time failure is the finding
                add(index, f"cannot import '{module_name}': {type(exc).__name__}: {exc}")
                continue
            target = getattr(module, function, None)
            if target is None:
                add(index, f"module '{module_name}' has no '{function}'")
            elif not callable(target):
                add(index, f"'{service.handler}' is not callable")
    return problems
