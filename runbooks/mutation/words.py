"""A runbook command as shell words, and back to text an operator can paste.

Operators edit commands word by word (``shlex``, as the drill runner splits them), so a value is
replaced whole and never inside another word by accident. Joining quotes only what a shell needs
quoted and keeps ``${VAR}`` expandable (double quotes) and ``<placeholder>`` readable, as the
scenario builders write them.
"""

from __future__ import annotations

import re
import shlex

_SAFE = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")
_PLACEHOLDER_WORD = re.compile(r"^<[a-z][a-z0-9-]*>$")


def split(command: str) -> list[str]:
    """The words a shell would pass (ValueError for unbalanced quotes)."""
    return shlex.split(command)


def quote(word: str) -> str:
    """``word`` as it should appear in a pasted command."""
    if _SAFE.match(word) or _PLACEHOLDER_WORD.match(word):
        return word
    if "${" in word and not any(c in word for c in '"\\`'):
        return f'"{word}"'
    return shlex.quote(word)


def join(words: list[str]) -> str:
    return " ".join(quote(w) for w in words)


def option_values(words: list[str]) -> list[tuple[int, str, str]]:
    """``(index of the value, option, value)`` for every ``--option value`` pair.

    A word after an option that starts with ``--`` is the next option, not a value (flags such
    as ``--dry-run``). Values of ``--option=value`` form are not edited (no runbook writes them).
    """
    out: list[tuple[int, str, str]] = []
    for i, word in enumerate(words[:-1]):
        value = words[i + 1]
        if word.startswith("--") and "=" not in word and not value.startswith("--"):
            out.append((i + 1, word, value))
    return out


def replaced(words: list[str], index: int, value: str) -> list[str]:
    return [*words[:index], value, *words[index + 1 :]]
