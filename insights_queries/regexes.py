"""Logs Insights regular expressions translated to Python's ``re`` dialect.

Two spellings valid on AWS are errors in Python, so they are translated, never refused:
- named groups ``(?<name>...)``, whose names may start with ``@`` (``(?<@endpoint>...)`` names
  the field ``@endpoint``): Python wants ``(?P<identifier>...)``, so groups are renamed
  ``g0``, ``g1``... and the Logs Insights names are returned beside the pattern;
- inline flags anywhere, as in AWS's documented ``filter f1 =~ /^(?i)Exception$/``: Python 3.11
  accepts global flags only at the very start, so a ``(?flags)`` turns the rest of its group into
  a scoped ``(?flags:...)``, closed and reopened around each ``|`` of that group so alternatives
  keep their meaning.

Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Filter.html and
the named capture groups of https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Parse.html
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_NAMED_GROUP = re.compile(r"\(\?P?<(@?[A-Za-z_][A-Za-z0-9_.@-]*)>")
_INLINE_FLAGS = re.compile(r"\(\?([a-zA-Z]*(?:-[a-zA-Z]+)?)\)")


@dataclass(frozen=True)
class Translated:
    """A Python pattern and the Logs Insights names of its groups ``g0``, ``g1``... in order."""

    pattern: str
    names: tuple[str, ...]

    def group(self, index: int) -> str:
        """The Python group name of the ``index``-th named group."""
        return f"g{index}"


@functools.lru_cache(maxsize=256)
def translate(pattern: str) -> Translated:
    """``pattern`` in Python's dialect; raises ``re.error`` only for a truly invalid one."""
    out: list[str] = []
    names: list[str] = []
    # per open group: the scoped flag groups opened inside it, to close at its end or at a ``|``
    scopes: list[list[str]] = [[]]
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
        elif ch == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i:end])
            i = end
        elif ch == "(":
            named = _NAMED_GROUP.match(pattern, i)
            flags = _INLINE_FLAGS.match(pattern, i)
            if named:
                out.append(f"(?P<g{len(names)}>")
                names.append(named.group(1))
                scopes.append([])
                i = named.end()
            elif flags and flags.group(1):
                opening = f"(?{flags.group(1)}:"
                out.append(opening)
                scopes[-1].append(opening)
                i = flags.end()
            else:
                out.append(ch)
                scopes.append([])
                i += 1
        elif ch == ")":
            out.append(")" * len(scopes[-1]) + ch)
            if len(scopes) > 1:
                scopes.pop()
            else:  # an unbalanced ")": left for re to report
                scopes[-1] = []
            i += 1
        elif ch == "|" and scopes[-1]:
            out.append(")" * len(scopes[-1]) + "|" + "".join(scopes[-1]))
            i += 1
        else:
            out.append(ch)
            i += 1
    out.append(")" * len(scopes[-1]))
    return Translated("".join(out), tuple(names))


def _class_end(pattern: str, start: int) -> int:
    """The offset just past the character class opening at ``start`` (``]`` first is literal)."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i + 1
        i += 1
    return len(pattern)


@functools.lru_cache(maxsize=256)
def compile_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """The compiled Python regex for a Logs Insights pattern (cached: queries reuse patterns)."""
    return re.compile(translate(pattern).pattern, flags)
