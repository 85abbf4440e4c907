"""Which literal texts a regular expression cannot match without: the regex half of the prefilter.

``filter message like /timeout after \\d+ ms/`` can only keep a line whose text holds
``timeout after `` or `` ms``; knowing that lets the reader skip every other line unread, as it
does for ``like "timeout"``. The regex is parsed by Python's own regex parser (the engine runs
it with :mod:`re`, so both read it the same way) and walked conservatively:

- consecutive literal characters form a run; the longest run of a sequence is required;
- a group, or a repeat of at least once, requires what its body requires; an alternation
  requires one of what each branch requires (nothing, if one branch requires nothing);
- anything else (classes, ``.``, optional parts, look-arounds, back-references) ends a run.

Under ``(?i)`` a run is *folded*: searched ASCII-case-insensitively. Python matches ``i``, ``k``
and ``s`` case-insensitively against non-ASCII letters too (``İ``, ``ı``, ``K`` Kelvin sign, ``ſ``
long s) that an ASCII search cannot see, so folded runs are cut at those letters.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Python's regex parser (the module behind re.compile); its tree is stable across 3.11-3.13
_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

# ASCII letters that (?i) also matches to non-ASCII characters (checked by a test)
UNICODE_FOLDING_LETTERS = frozenset("iIkKsS")


@dataclass(frozen=True)
class Literal:
    """A text a match must contain; ``folded``: compared ignoring ASCII case."""

    text: str
    folded: bool = False


Alternatives = frozenset[Literal]
SafePieces = Callable[[str], list[str]]


def required_literals(pattern: str, safe_pieces: SafePieces) -> Alternatives | None:
    """Literals of which every text ``pattern`` matches holds one, or ``None`` if unknown.

    ``safe_pieces`` cuts a literal run into the parts a byte search may look for (the caller
    knows which characters a log line may spell differently from the decoded value).
    """
    try:
        tree = _parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    folded = bool(tree.state.flags & _c.SRE_FLAG_IGNORECASE)
    return _sequence(list(tree), folded, safe_pieces, 0)


def best(a: Alternatives | None, b: Alternatives | None) -> Alternatives | None:
    """Of two sufficient requirements, the one likely to skip more lines."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b, key=rank)


def rank(alternatives: Alternatives) -> tuple[int, int, int]:
    """Fewer alternatives, then longer, then case-sensitive texts are rarer in a line."""
    shortest = min(len(x.text) for x in alternatives)
    folded = sum(x.folded for x in alternatives)
    return (len(alternatives), -shortest, folded)


def _sequence(
    items: list[tuple[Any, Any]], folded: bool, safe: SafePieces, depth: int
) -> Alternatives | None:
    if depth > 50:  # a pathologically nested regex: give up rather than recurse further
        return None
    found: Alternatives | None = None
    run: list[str] = []

    def flush() -> None:
        nonlocal found
        for piece in _pieces("".join(run), folded, safe):
            found = best(found, frozenset({piece}))
        run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        inner: Alternatives | None = None
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            inner_folded = folded
            if add_flags & _c.SRE_FLAG_IGNORECASE:
                inner_folded = True
            if del_flags & _c.SRE_FLAG_IGNORECASE:
                inner_folded = False
            inner = _sequence(list(body), inner_folded, safe, depth + 1)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, body = av
            if low >= 1:
                inner = _sequence(list(body), folded, safe, depth + 1)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            inner = _sequence(list(av), folded, safe, depth + 1)
        elif op is _c.BRANCH:
            inner = _branches(av[1], folded, safe, depth)
        found = best(found, inner)
    flush()
    return found


def _branches(
    branches: list[Any], folded: bool, safe: SafePieces, depth: int
) -> Alternatives | None:
    union: set[Literal] = set()
    for branch in branches:
        needed = _sequence(list(branch), folded, safe, depth + 1)
        if needed is None:
            return None
        union |= needed
    return frozenset(union) if union else None


def _pieces(run: str, folded: bool, safe: SafePieces) -> list[Literal]:
    if not run:
        return []
    if not folded:
        return [Literal(p) for p in safe(run)]
    cut = "".join("\x00" if ch in UNICODE_FOLDING_LETTERS else ch for ch in run)
    return [
        Literal(p.lower(), folded=any(ch.isalpha() for ch in p))
        for part in cut.split("\x00")
        for p in safe(part)
    ]
