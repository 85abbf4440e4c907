"""Load a catalog file: YAML → placeholders resolved → typed models → defaults filled → checked.

Every failure on the way (YAML syntax, a wrong type or unknown key, a broken cross-reference) comes
out as one ``CatalogError`` whose problems name the file, the line and the YAML path.
"""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from catalog.models import Catalog, EventType, Queue, Service, unknown_name_message
from catalog.problems import CatalogError, Problem, format_path
from catalog.validate import validate
from catalog.yaml_source import YamlPath, read_yaml

DEFAULT_STAGE = "dev"
LineOf = Callable[[YamlPath], int | None]
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def default_catalog_path() -> Path:
    """The embedded default: ``$OBSKIT_CATALOG``, else the Alchemiser example beside the package."""
    env = os.environ.get("OBSKIT_CATALOG")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "examples" / "alchemiser" / "catalog.yaml"


def load_catalog(path: str | Path | None = None, *, stage: str | None = None) -> Catalog:
    """Load, resolve, fill and check the catalog at ``path`` (None: the embedded default).

    ``stage`` overrides the file's ``stage`` (default 'dev') before placeholders are resolved.
    Raises ``CatalogError`` when there is any error; warnings alone do not stop loading
    (``validate`` returns them).
    """
    file_path = Path(path) if path is not None else default_catalog_path()
    file = str(file_path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError([Problem(file, None, "", "catalog file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([Problem(file, None, "", f"cannot read catalog: {exc}")]) from None
    return catalog_from_yaml(text, file=file, stage=stage)


def catalog_from_yaml(text: str, *, file: str = "<catalog>", stage: str | None = None) -> Catalog:
    """Load a catalog from YAML text (``file`` names it in problems); see :func:`load_catalog`."""
    source = read_yaml(text, file)
    if source.problems:
        raise CatalogError(source.problems)
    return catalog_from_data(source.data, stage=stage, file=file, lines=source.lines)


def catalog_from_data(
    data: Any,
    *,
    stage: str | None = None,
    file: str = "<catalog>",
    lines: dict[YamlPath, int] | None = None,
) -> Catalog:
    """Build a checked catalog from already-parsed data (a dict shaped like the YAML file)."""
    line_map = lines or {}

    def line_of(path: YamlPath) -> int | None:
        key = path
        while key:
            if key in line_map:
                return line_map[key]
            key = key[:-1]
        return line_map.get(())

    if not isinstance(data, dict):
        got = type(data).__name__ if data is not None else "an empty file"
        raise CatalogError([Problem(file, line_of(()), "", f"expected a mapping, got {got}")])
    resolved, problems = _resolve_placeholders(data, stage, file, line_of)
    if problems:
        raise CatalogError(problems)
    try:
        parsed = Catalog.model_validate(resolved)
    except ValidationError as exc:
        raise CatalogError(_validation_problems(exc, file, line_of)) from None
    catalog = fill_defaults(parsed)
    catalog._source_file = file
    catalog._source_lines = dict(line_map)
    found = validate(catalog)
    if any(p.severity == "error" for p in found):
        raise CatalogError(found)
    return catalog


RUN_PLACEHOLDERS = frozenset({"uuid", "n", "now"})
"""Placeholders of a workflow's ``start.payload``, filled for every run (not at load time)."""


def _in_start_payload(path: YamlPath) -> bool:
    """``workflows[i].start.payload...``: where :data:`RUN_PLACEHOLDERS` are allowed."""
    return len(path) >= 4 and path[0] == "workflows" and path[2:4] == ("start", "payload")


def _resolve_placeholders(
    data: dict[str, Any], stage: str | None, file: str, line_of: LineOf
) -> tuple[dict[str, Any], list[Problem]]:
    """Replace ``{system}`` and ``{stage}`` in every string; any other ``{name}`` is an error.

    A string YAML could hold but UTF-8 cannot (a lone surrogate written as an escape, such as
    ``"\\ud800"``) is an error too: every generated file would fail to be written.
    """
    effective_stage = stage if stage is not None else data.get("stage", DEFAULT_STAGE)
    data = {**data, "stage": effective_stage}
    values = {"system": data.get("system"), "stage": effective_stage}
    problems: list[Problem] = []

    def resolve(value: Any, path: YamlPath) -> Any:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = value[exc.start : exc.end].encode("unicode_escape").decode()
                message = f"text contains '{bad}', a lone surrogate that no file can hold as UTF-8"
                problems.append(Problem(file, line_of(path), format_path(path), message))
                return value

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in RUN_PLACEHOLDERS and _in_start_payload(path):
                    return match.group(0)  # filled for every run, when the run starts
                known = values.get(name)
                if isinstance(known, str):
                    return known
                if name in values:
                    message = f"placeholder '{{{name}}}' has no value: set '{name}' to a string"
                else:
                    message = f"unknown placeholder '{{{name}}}' (known: {{system}}, {{stage}})"
                problems.append(Problem(file, line_of(path), format_path(path), message))
                return match.group(0)

            return _PLACEHOLDER.sub(substitute, value)
        if isinstance(value, dict):
            return {k: resolve(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v, (*path, i)) for i, v in enumerate(value)]
        return value

    out = {k: resolve(v, (str(k),)) if k not in ("system", "stage") else v for k, v in data.items()}
    return out, problems


def _validation_problems(exc: ValidationError, file: str, line_of: LineOf) -> list[Problem]:
    """Pydantic errors → problems on the YAML line of the offending key."""
    problems = []
    for error in exc.errors(include_url=False):
        loc: YamlPath = tuple(p for p in error["loc"] if isinstance(p, int | str))
        kind = error["type"]
        if kind == "extra_forbidden" and loc:
            message = unknown_name_message("key", str(loc[-1]), _keys_at(loc[:-1]))
        elif kind == "missing":
            message = f"missing required key '{loc[-1]}'" if loc else "missing required key"
        else:
            message = f"{error['msg']} (got {_shorten(repr(error['input']))})"
        problems.append(Problem(file, line_of(loc), format_path(loc), message))
    return problems


def _shorten(text: str, limit: int = 80) -> str:
    """A long input (a 400-digit number, a pasted document) cut so the problem stays one line."""
    return text if len(text) <= limit else f"{text[: limit - 5]}…({len(text):,} characters)"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``X``, ``list[X]``, ``X | None`` or ``dict[str, X]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _keys_at(path: YamlPath) -> list[str]:
    """The keys the model at ``path`` accepts (the candidates for a did-you-mean)."""
    model: type[BaseModel] | None = Catalog
    for part in path:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        model = _model_of(info.annotation) if info is not None else None
    return sorted(model.model_fields) if model is not None else []


def fill_defaults(catalog: Catalog) -> Catalog:
    """Fill what a catalog may leave out: function names, log groups, producers, consumers, readers.

    Explicit values are kept as written, so ``validate`` can tell when they disagree with the
    services' ``emits`` / ``consumes``.
    """
    services: list[Service] = []
    for service in catalog.services:
        function_name = service.function_name or f"{catalog.system}-{catalog.stage}-{service.name}"
        log_group = service.log_group or f"/aws/lambda/{function_name}"
        services.append(
            service.model_copy(update={"function_name": function_name, "log_group": log_group})
        )
    emitted_by: dict[str, list[str]] = {}
    consumed_by: dict[str, list[str]] = {}
    for service in services:
        for name in dict.fromkeys(service.emits):
            emitted_by.setdefault(name, []).append(service.name)
        for name in dict.fromkeys(service.consumes):
            consumed_by.setdefault(name, []).append(service.name)
    event_types: list[EventType] = []
    for event in catalog.event_types:
        update: dict[str, Any] = {}
        if event.producers is None:
            update["producers"] = emitted_by.get(event.name, [])
        if event.consumers is None:
            update["consumers"] = consumed_by.get(event.name, [])
        event_types.append(event.model_copy(update=update))
    queues: list[Queue] = []
    for queue in catalog.queues:
        if queue.consumer is None:
            readers = [s.name for s in services if s.queue == queue.name]
            queue = queue.model_copy(update={"consumer": readers[0] if readers else None})
        queues.append(queue)
    return catalog.model_copy(
        update={"services": services, "event_types": event_types, "queues": queues}
    )
