"""How Logs Insights treats values: coercion, comparison, truth, natural sort order, display.

Semantics from https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html
and https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Sort.html:
- a missing field is not an error: it evaluates to ``None`` and every comparison with it is false;
- a string that holds a number compares as that number against a number;
- JSON booleans behave as 1 and 0;
- ``sort`` is a natural sort: non-number values first, digit runs compared by length then value.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import orjson

from insights_queries.timestamps import Millis, format_millis


def to_number(value: Any) -> int | float | None:
    """The number a value stands for, or ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def to_text(value: Any) -> str:
    """The string form of a value as Logs Insights shows it (``""`` for a missing one)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Millis):
        return format_millis(value)
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # past Python's 4,300 digits; results stay far below, inputs may not
            return "-inf" if value < 0 else "inf"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def is_true(value: Any) -> bool:
    """Whether a filter keeps an event for this condition value."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare(op: str, left: Any, right: Any) -> bool:
    """``left op right`` for = != < <= > >=; false whenever either side is missing."""
    if left is None or right is None:
        return False
    if _is_number(left) or _is_number(right) or isinstance(left, bool) or isinstance(right, bool):
        a, b = to_number(left), to_number(right)
        if a is None or b is None:  # a number against text that is not a number
            return op == "!="
    else:
        a, b = to_text(left), to_text(right)  # type: ignore[assignment]
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    if op == ">=":
        return a >= b  # type: ignore[operator]
    raise ValueError(f"not a comparison operator: {op}")


def equals(left: Any, right: Any) -> bool:
    return compare("=", left, right)


_CHUNKS = re.compile(r"\d+|\D+")
# longer digit strings sort as text (natural order): Python converts at most 4,300 digits
_MAX_INT_DIGITS = 4_000


def _compare_chunks(a: str, b: str) -> int:
    for x, y in zip(_CHUNKS.findall(a), _CHUNKS.findall(b), strict=False):
        if x == y:
            continue
        if x[0].isdigit() and y[0].isdigit():
            # digit runs compare by length, then digit by digit: their numeric order without
            # converting (a field may hold a run longer than Python converts to an int)
            kx, ky = (len(x), x), (len(y), y)
            return -1 if kx < ky else 1
        return -1 if x < y else 1
    return (len(a) > len(b)) - (len(a) < len(b))


@functools.total_ordering
class NaturalOrder:
    """Orders values as Logs Insights ``sort ... asc`` does (missing values kept apart)."""

    __slots__ = ("number", "text")

    def __init__(self, value: Any) -> None:
        number = value if _is_number(value) else None
        if (
            number is None
            and isinstance(value, str)
            and len(value) <= _MAX_INT_DIGITS
            and value.strip().lstrip("-").isdigit()
        ):
            number = int(value)
        self.number: int | float | None = number
        self.text = None if number is not None else to_text(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NaturalOrder) and (self.number, self.text) == (
            other.number,
            other.text,
        )

    def __lt__(self, other: NaturalOrder) -> bool:
        if self.number is not None or other.number is not None:
            if self.number is None:
                return True  # non-numbers come before numbers
            if other.number is None:
                return False
            return self.number < other.number
        assert self.text is not None and other.text is not None
        return _compare_chunks(self.text, other.text) < 0


def display(value: Any) -> str:
    """A value as a results cell."""
    return to_text(value)
