"""Which byte strings a log line must contain for a query to possibly match it.

The reader skips lines that contain none of them without decoding them, so a selective
``filter correlation_id = "…"`` runs at nearly the speed of ``grep -F``. The derivation is exact
(it may keep lines that will not match, never drop one that could):
- only the leading ``filter`` commands count (``fields`` with plain field names may come between);
  a ``parse``, ``stats``, ``limit``, ``dedup`` or computed field ends the search;
- ``field = "text"`` and ``field like "text"`` need ``text`` in the line, for any field read from
  the line (not the ``@log``/``@logStream``/``@timestamp`` the reader adds) - unless the text
  looks like a number (``"100"`` equals ``1e2``) or holds characters JSON would escape;
- ``a and b`` needs what either side needs (the more selective is used); ``a or b`` needs one of
  both sides' strings; ``x in ["a", "b"]`` one of the items; anything else needs nothing.
A JSON writer may also spell any character as ``\\uXXXX`` (or ``/`` as ``\\/``), so the
``ESCAPE`` needle (read by :mod:`insights_queries.sources` as "a backslash followed by u or /")
is always added: such lines are always decoded and checked.
"""

from __future__ import annotations

from insights_queries.ast import Binary, Expr, Field, Fields, Filter, In, Query, String, Unary
from insights_queries.values import to_number

# fields whose value does not come from the line's text
_METADATA_FIELDS = frozenset({"@log", "@logStream", "@timestamp", "@ingestionTime"})
# stands for any JSON escape that could spell a needle differently (\uXXXX, \/)
ESCAPE = b"\\u"

Needles = frozenset[bytes]


def required_needles(query: Query) -> list[bytes] | None:
    """Needles of which every line that may match ``query`` contains one, or ``None``."""
    best: Needles | None = None
    for command in query.commands:
        if isinstance(command, Filter):
            found = _needles(command.condition)
            best = _more_selective(best, found)
        elif isinstance(command, Fields) and all(
            isinstance(p.expr, Field) and p.alias is None for p in command.items
        ):
            continue
        else:
            break
    if not best:
        return None
    return sorted(best | {ESCAPE})


def _more_selective(a: Needles | None, b: Needles | None) -> Needles | None:
    """Of two sufficient requirements, the one likely to skip more lines."""
    if a is None:
        return b
    if b is None:
        return a
    # fewer alternatives, then longer strings, are rarer in a line
    return min(a, b, key=lambda n: (len(n), -min(len(x) for x in n)))


def _literal(text: str) -> bytes | None:
    if not text or to_number(text) is not None:
        return None
    if any(ch in '"\\' or ord(ch) < 0x20 for ch in text):
        return None
    return text.encode()


def _from_line(expr: Expr) -> bool:
    return isinstance(expr, Field) and expr.name not in _METADATA_FIELDS


def _needles(expr: Expr) -> Needles | None:
    if isinstance(expr, Binary):
        if expr.op == "and":
            return _more_selective(_needles(expr.left), _needles(expr.right))
        if expr.op == "or":
            left, right = _needles(expr.left), _needles(expr.right)
            return None if left is None or right is None else left | right
        if expr.op in ("=", "like") and isinstance(expr.right, String) and _from_line(expr.left):
            literal = _literal(expr.right.value)
            return None if literal is None else frozenset({literal})
        if expr.op == "=" and isinstance(expr.left, String) and _from_line(expr.right):
            literal = _literal(expr.left.value)
            return None if literal is None else frozenset({literal})
        return None
    if isinstance(expr, In) and not expr.negated and _from_line(expr.value) and expr.items:
        literals = [_literal(i.value) if isinstance(i, String) else None for i in expr.items]
        if any(x is None for x in literals):
            return None
        return frozenset(x for x in literals if x is not None)
    if isinstance(expr, Unary):
        return None
    return None
