"""The catalog's field reference, as Markdown, rendered from the models themselves.

``docs/catalog.md`` holds this text between two markers; a test renders it again and compares, so
the page can never list a field the loader does not know, miss one it does, or show a stale
default, bound or description. After changing a model, rewrite the block with
``python -m catalog.reference docs/catalog.md``.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from catalog.models import Catalog

BEGIN = "<!-- reference: generated from catalog/models.py, do not edit by hand -->"
END = "<!-- end of reference -->"

# Where each model sits in the YAML file, for the section titles.
_PLACES: dict[str, str] = {
    "Catalog": "the top level",
    "Service": "`services[]`",
    "EventType": "`event_types[]`",
    "Bus": "`buses[]`",
    "Rule": "`buses[].rules[]`",
    "RuleTarget": "`buses[].rules[].targets[]`",
    "RetryPolicy": "`buses[].rules[].targets[].retry_policy`",
    "Queue": "`queues[]`",
    "Topic": "`topics[]`",
    "Subscription": "`topics[].subscriptions[]`",
    "Schedule": "`schedules[]`",
    "Workflow": "`workflows[]`",
    "Notifications": "`notifications`",
    "EscalationStep": "`notifications.escalation[]`",
    "Budgets": "`budgets`",
    "LogConventions": "`log_conventions`",
}


def catalog_models(model: type[BaseModel], seen: list[type[BaseModel]]) -> list[type[BaseModel]]:
    """``model`` and every model its fields use, depth first in field order, each once."""
    if model in seen:
        return seen
    seen.append(model)
    for info in model.model_fields.values():
        for inner in _nested(info.annotation):
            catalog_models(inner, seen)
    return seen


def _nested(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _nested(arg)


def _type(annotation: Any) -> str:
    """A reader's name for a field type: ``list of Service``, ``'a' or 'b'``, ``int or none``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin is Literal:
        return " or ".join(f"`{a}`" for a in args)
    if origin in (UnionType, typing.Union):
        return " or ".join(_type(a) for a in args)
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"mapping of {_type(args[0])} to {_type(args[1])}"
    if annotation is NoneType:
        return "none"
    if annotation is Any:
        return "any value"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {str: "text", int: "whole number", float: "number", bool: "true/false"}.get(
        annotation, str(annotation)
    )


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "its defaults"
        return f"`{value!r}`"
    if info.default is PydanticUndefined or info.default is None:
        return "none"
    if isinstance(info.default, bool):
        return f"`{str(info.default).lower()}`"
    return f"`{info.default}`" if info.default != "" else '`""` (empty)'


def _limits(info: FieldInfo) -> str:
    """Bounds, lengths and patterns from the field's constraints (ranges as ``1 … 900``)."""
    parts = []
    for item in info.metadata:
        if isinstance(item, Ge):
            parts.append(f"≥ {item.ge:,}")
        elif isinstance(item, Gt):
            parts.append(f"> {item.gt:,}")
        elif isinstance(item, Le):
            parts.append(f"≤ {item.le:,}")
        elif isinstance(item, Lt):
            parts.append(f"< {item.lt:,}")
        elif isinstance(item, MinLen):
            parts.append(f"at least {item.min_length}")
        elif isinstance(item, MaxLen):
            parts.append(f"at most {item.max_length}")
        elif getattr(item, "pattern", None):
            parts.append(f"matches `{item.pattern}`")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_reference() -> str:
    """The reference block (markers included), one section and table per model."""
    lines = [BEGIN, ""]
    for model in catalog_models(Catalog, []):
        name = model.__name__
        lines += [f"### {name}", ""]
        doc = " ".join((model.__doc__ or "").split())
        lines += [f"At {_PLACES.get(name, 'a nested key')}. {doc}", ""]
        lines += ["| key | type | default | limits | description |", "|---|---|---|---|---|"]
        for field, info in model.model_fields.items():
            cells = [
                f"`{field}`",
                _type(info.annotation),
                _default(info),
                _limits(info),
                info.description or "",
            ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"


def replace_reference(page: str) -> str:
    """``page`` with the text between (and including) the markers replaced by a fresh render."""
    start, end = page.index(BEGIN), page.index(END) + len(END) + 1
    return page[:start] + render_reference() + page[end:]


def main(argv: list[str]) -> int:
    """``python -m catalog.reference PAGE``: rewrite PAGE's reference block in place."""
    if len(argv) != 1:
        print("usage: python -m catalog.reference docs/catalog.md", file=sys.stderr)
        return 2
    page = Path(argv[0])
    text = page.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        print(f"{page}: no reference markers ({BEGIN} … {END})", file=sys.stderr)
        return 1
    page.write_text(replace_reference(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
