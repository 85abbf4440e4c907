"""Which byte strings a log line must contain for a query to possibly match it.

The reader skips lines that contain none of them without decoding them, so a selective
``filter correlation_id = "…"`` runs at nearly the speed of ``grep -F``. The derivation is exact
(it may keep lines that will not match, never drop one that could):
- only the leading ``filter`` commands count (``fields`` with plain field names and ``parse``
  may come between); a ``stats``, ``limit``, ``dedup``, ``sort`` or computed field ends the search;
- ``field = "text"`` and ``field like "text"`` need ``text`` in the line, for any field read from
  the line (not the ``@log``/``@logStream``/``@timestamp`` the reader adds) - unless the text
  looks like a number (``"100"`` equals ``1e2``) or holds characters JSON would escape;
- ``field like /regex/`` and ``field =~ /regex/`` need one of the regex's required literals
  (:mod:`insights_queries.regex_literals`), searched ignoring ASCII case under ``(?i)``;
- ``ispresent(field)`` needs the key ``"field"`` (or, for ``a.b``, ``"a.b"`` or ``"b"``);
- a filter that is false whenever a field set by ``parse`` is missing needs the parse pattern's
  literal parts (the pattern matched) or the field's key (the line had the field already);
- ``a and b`` needs what either side needs (the more selective is used); ``a or b`` needs one of
  both sides' strings; ``x in ["a", "b"]`` one of the items; anything else needs nothing.

A ``like``/regex literal is compared with the field's *text*: for an object, a list or a number
that text is re-serialised (``{"a":1}`` for ``{"a": 1}``, ``100`` for ``1e2``), so such literals
are cut at JSON punctuation and pure number characters are never needed (``@message`` is the
line itself and is exempt). A JSON writer may also spell any character as ``\\uXXXX`` (or ``/``
as ``\\/``), so the ``ESCAPE`` needle (read by :mod:`insights_queries.sources` as "a backslash
followed by u or /") is always added: such lines are always decoded and checked.
"""

from __future__ import annotations

import re

from insights_queries.ast import (
    Binary,
    Call,
    Expr,
    Field,
    Fields,
    Filter,
    In,
    Number,
    Parse,
    Query,
    Regex,
    String,
)
from insights_queries.lexer import to_python_regex
from insights_queries.regex_literals import (
    Alternatives,
    Literal,
    SafePieces,
    best,
    required_literals,
)
from insights_queries.values import to_number

# fields whose value does not come from the line's text
_METADATA_FIELDS = frozenset({"@log", "@logStream", "@timestamp", "@ingestionTime"})
# stands for any JSON escape that could spell a needle differently (\uXXXX, \/)
ESCAPE = b"\\u"
MESSAGE = "@message"
# characters a re-serialised object/list/number may place differently from the line
_JSON_PUNCTUATION = re.compile(r'[\x00-\x1f"\\:,\[\]{}\x7f-\U0010ffff]+')
_NUMBER_CHARS = frozenset("0123456789.eE+-")
_CONTROL_OR_WIDE = re.compile(r"[\x00-\x1f\x7f-\U0010ffff]+")
_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">=", "like", "not like", "=~"})


class Folded(bytes):
    """A needle searched ignoring ASCII case (from a ``(?i)`` regex); its text is lower case."""


Needles = Alternatives
Parsed = dict[str, Needles | None]  # field set by parse -> what a line that set it holds


def required_needles(query: Query) -> list[bytes] | None:
    """Needles of which every line that may match ``query`` contains one, or ``None``."""
    found: Needles | None = None
    parsed: Parsed = {}
    for command in query.commands:
        if isinstance(command, Filter):
            found = best(found, _needles(command.condition, parsed))
            for name in _strict_names(command.condition) & parsed.keys():
                found = best(found, _union(parsed[name], _key_needles(name)))
        elif isinstance(command, Fields) and all(
            isinstance(p.expr, Field) and p.alias is None for p in command.items
        ):
            continue
        elif isinstance(command, Parse):
            needs = _parse_needs(command, parsed)
            names = command.as_fields or _regex_group_names(command.pattern)
            for name in names:
                parsed[name] = _union(parsed[name], needs) if name in parsed else needs
        else:
            break
    if not found:
        return None
    return sorted(_as_bytes(found) | {ESCAPE})


def _as_bytes(found: Needles) -> set[bytes]:
    """The needles as bytes; a text needed both as is and folded is searched folded."""
    folded = {x.text for x in found if x.folded}
    out: set[bytes] = {Folded(t.encode()) for t in folded}
    out |= {x.text.encode() for x in found if not x.folded and x.text not in folded}
    return out


def _union(a: Needles | None, b: Needles | None) -> Needles | None:
    return None if a is None or b is None else a | b


def _literal(text: str) -> Literal | None:
    """An exact value (``=``) as a needle, or ``None`` if the line may spell it otherwise."""
    if not text or to_number(text) is not None:
        return None
    if any(ch in '"\\' or ord(ch) < 0x20 for ch in text) or text[0] in "[{":
        return None  # escaped in the line, or an object/list's re-serialised text
    return Literal(text)


def message_pieces(text: str) -> list[str]:
    """Parts of a literal a byte search may look for in the line itself (``@message``)."""
    return [p for p in _CONTROL_OR_WIDE.split(text) if p]


def value_pieces(text: str) -> list[str]:
    """Parts of a literal that a field's text and its spelling in the line share, whatever its type."""
    return [
        p for p in _JSON_PUNCTUATION.split(text) if p and not all(ch in _NUMBER_CHARS for ch in p)
    ]


def _from_line(expr: Expr, parsed: Parsed) -> bool:
    return isinstance(expr, Field) and expr.name not in _METADATA_FIELDS and expr.name not in parsed


def _pieces_for(field: Field) -> SafePieces:
    return message_pieces if field.name == MESSAGE else value_pieces


def _contains(field: Field, text: str) -> Needles | None:
    """What a line holds when ``field``'s text contains ``text`` (``like "text"``)."""
    found: Needles | None = None
    for piece in _pieces_for(field)(text):
        found = best(found, frozenset({Literal(piece)}))
    return found


def _needles(expr: Expr, parsed: Parsed) -> Needles | None:
    if isinstance(expr, Binary):
        if expr.op == "and":
            return best(_needles(expr.left, parsed), _needles(expr.right, parsed))
        if expr.op == "or":
            return _union(_needles(expr.left, parsed), _needles(expr.right, parsed))
        if not _from_line(expr.left, parsed) and not (
            expr.op == "=" and _from_line(expr.right, parsed)
        ):
            return None
        if expr.op == "=" and isinstance(expr.right, String):
            literal = _literal(expr.right.value)
            return None if literal is None else frozenset({literal})
        if expr.op == "=" and isinstance(expr.left, String):
            literal = _literal(expr.left.value)
            return None if literal is None else frozenset({literal})
        if expr.op == "like" and isinstance(expr.right, String) and isinstance(expr.left, Field):
            return _contains(expr.left, expr.right.value)
        if expr.op in ("like", "=~") and isinstance(expr.right, Regex | String):
            if not isinstance(expr.left, Field):
                return None
            pattern = expr.right.pattern if isinstance(expr.right, Regex) else expr.right.value
            return required_literals(to_python_regex(pattern), _pieces_for(expr.left))
        return None
    if isinstance(expr, In) and not expr.negated and _from_line(expr.value, parsed) and expr.items:
        literals = [_literal(i.value) if isinstance(i, String) else None for i in expr.items]
        if any(x is None for x in literals):
            return None
        return frozenset(x for x in literals if x is not None)
    if isinstance(expr, Call) and expr.name == "ispresent" and len(expr.args) == 1:
        (arg,) = expr.args
        if isinstance(arg, Field) and arg.name not in parsed:
            return _key_needles(arg.name)
    return None


def _key_needles(name: str) -> Needles | None:
    """What a JSON line holds when it has field ``name``: its key, quoted.

    Names starting with ``@`` may come from a Lambda platform or runtime line's text
    (``@requestId``, ``@duration``), where no key is written.
    """
    if name.startswith("@") or message_pieces(name) != [name] or '"' in name or "\\" in name:
        return None
    if "." not in name:
        return frozenset({Literal(f'"{name}"')})
    last = name.rsplit(".", 1)[1]
    if not last or last.isdigit():
        return None
    return frozenset({Literal(f'"{name}"'), Literal(f'"{last}"')})


def _strict_names(expr: Expr) -> set[str]:
    """Fields without which ``expr`` is false (a comparison, match or ``in`` on them)."""
    if isinstance(expr, Binary):
        if expr.op == "and":
            return _strict_names(expr.left) | _strict_names(expr.right)
        if expr.op == "or":
            return _strict_names(expr.left) & _strict_names(expr.right)
        if expr.op in _COMPARISONS:
            names = set()
            if isinstance(expr.left, Field) and isinstance(expr.right, String | Regex | Number):
                names.add(expr.left.name)
            if expr.op == "=" and isinstance(expr.right, Field) and isinstance(expr.left, String):
                names.add(expr.right.name)
            return names
        return set()
    if isinstance(expr, In) and isinstance(expr.value, Field):
        return {expr.value.name}
    if isinstance(expr, Call) and expr.name == "ispresent" and len(expr.args) == 1:
        (arg,) = expr.args
        return {arg.name} if isinstance(arg, Field) else set()
    return set()


def _parse_needs(command: Parse, parsed: Parsed) -> Needles | None:
    """What a line holds when ``command``'s pattern matched its source field."""
    source = command.source
    if not isinstance(source, Field) or not _from_line(source, parsed):
        return None
    pieces = _pieces_for(source)
    if isinstance(command.pattern, Regex):
        return required_literals(to_python_regex(command.pattern.pattern), pieces)
    found: Needles | None = None
    for part in command.pattern.value.split("*"):
        for piece in pieces(part):
            found = best(found, frozenset({Literal(piece)}))
    return found


def _regex_group_names(pattern: String | Regex) -> tuple[str, ...]:
    if isinstance(pattern, String):
        return ()
    try:
        return tuple(re.compile(to_python_regex(pattern.pattern)).groupindex)
    except re.error:
        return ()
