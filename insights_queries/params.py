"""Query parameters: find the ``Param`` holes in a query and fill them with literals.

Saved queries take values at run time (a correlation ID, a service name); binding replaces each
``Param(name)`` with a ``String`` or ``Number`` so the result is a plain Logs Insights query.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from insights_queries.ast import Expr, Number, Param, Query, String, Unary

T = TypeVar("T")


class UnboundParameterError(ValueError):
    """A query still has parameters without a value."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        names = ", ".join(missing)
        super().__init__(f"query parameter(s) without a value: {names}")


def transform(node: T, fn: Callable[[Any], Any]) -> T:
    """Rebuild ``node`` bottom-up, replacing every sub-node ``n`` by ``fn(n)``."""
    if isinstance(node, tuple):
        return tuple(transform(item, fn) for item in node)  # type: ignore[return-value]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: transform(getattr(node, f.name), fn) for f in dataclasses.fields(node)}
        rebuilt = dataclasses.replace(node, **changes)
        return fn(rebuilt)
    return node


def walk(node: object) -> list[object]:
    """Every node of the tree under ``node`` (itself included), depth first."""
    found: list[object] = []

    def visit(n: object) -> None:
        if isinstance(n, tuple):
            for item in n:
                visit(item)
        elif dataclasses.is_dataclass(n) and not isinstance(n, type):
            found.append(n)
            for f in dataclasses.fields(n):
                visit(getattr(n, f.name))

    visit(node)
    return found


def parameters(query: Query) -> list[str]:
    """The distinct parameter names in ``query``, in order of first appearance."""
    names: list[str] = []
    for node in walk(query):
        if isinstance(node, Param) and node.name not in names:
            names.append(node.name)
    return names


def literal(value: str | int | float) -> Expr:
    """The literal expression for a parameter value (negative numbers become ``-n``)."""
    if isinstance(value, bool):
        raise TypeError(f"a query parameter cannot be a boolean: {value!r}")
    if isinstance(value, int | float):
        return Unary("-", Number(-value)) if value < 0 else Number(value)
    if isinstance(value, str):
        return String(value)
    raise TypeError(f"a query parameter must be a string or a number, got {type(value).__name__}")


def bind(query: Query, params: Mapping[str, str | int | float]) -> Query:
    """``query`` with each ``Param`` replaced by its value from ``params``.

    Raises :class:`UnboundParameterError` naming every parameter without a value. Values for
    names the query does not use are ignored, so one set of values can serve several queries.
    """
    missing = [name for name in parameters(query) if name not in params]
    if missing:
        raise UnboundParameterError(missing)

    def fill(node: Any) -> Any:
        if isinstance(node, Param):
            return literal(params[node.name])
        return node

    return transform(query, fill)
