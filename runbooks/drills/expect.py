"""Does a step's output show what the operator must see? (``Step.expect``)

A runbook step is only as good as the conclusion it leads to: a trace that stops at the wrong
service, or an error query that names another function, sends the operator to the wrong fix
even though the command exited 0. Each item of ``expect`` must be found in the output: a literal
substring, or, written ``re:PATTERN``, a regular expression searched line by line (``re.M``);
an item written ``not:ITEM`` (ITEM literal or ``re:``) must *not* be found (an alarm still in
ALARM, an error line after the fix).
Literal is the default because most expectations are names (a function, a queue, an alarm) whose
dots and brackets must not be read as pattern syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

REGEX_PREFIX = "re:"
NOT_PREFIX = "not:"
TAIL_CHARS = 400
"""How much of a mismatching step's output the failure message quotes."""


class ExpectError(ValueError):
    """An ``expect`` item that cannot be used (an invalid regular expression)."""


def compile_item(item: str) -> re.Pattern[str] | None:
    """The item's regex, None for a literal; ExpectError naming the item if it does not compile."""
    if not item.startswith(REGEX_PREFIX):
        return None
    try:
        return re.compile(item[len(REGEX_PREFIX) :], re.MULTILINE)
    except re.error as error:
        raise ExpectError(
            f"expect item {item!r} is not a valid regular expression: {error}"
        ) from None


def item_found(item: str, output: str) -> bool:
    """Whether ``output`` satisfies ``item`` (for ``not:X``: X is absent)."""
    if item.startswith(NOT_PREFIX):
        return not item_found(item[len(NOT_PREFIX) :], output)
    pattern = compile_item(item)
    if pattern is None:
        return item in output
    return pattern.search(output) is not None


def missing(expect: Sequence[str], output: str) -> list[str]:
    """The items of ``expect`` ``output`` does not satisfy (empty: the step showed what it
    must)."""
    return [item for item in expect if not item_found(item, output)]


def tail(output: str, chars: int = TAIL_CHARS) -> str:
    """The end of ``output`` on one line, for a failure message."""
    flat = " | ".join(line.strip() for line in output.strip().splitlines() if line.strip())
    return flat if len(flat) <= chars else "…" + flat[-chars:]
