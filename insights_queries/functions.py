"""The scalar functions of Logs Insights, on already-evaluated argument values.

Each takes the argument values (``None`` for a missing field) and returns a value or ``None``.
Behaviour per https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html
(general, string, numeric and datetime functions). ``bin``, ``datefloor`` and ``dateceil`` take
a time period literal and are compiled in :mod:`insights_queries.evaluate` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import orjson

from insights_queries.timestamps import Millis, millis, parse_timestamp
from insights_queries.values import to_number, to_text

ScalarFunction = Callable[..., Any]


def _text_fn(fn: Callable[[str], Any]) -> ScalarFunction:
    def apply(value: Any) -> Any:
        return None if value is None else fn(to_text(value))

    return apply


def _number_fn(fn: Callable[[float], Any]) -> ScalarFunction:
    def apply(value: Any) -> Any:
        number = to_number(value)
        return None if number is None else fn(number)

    return apply


def ispresent(value: Any) -> bool:
    """True when the field exists in the event."""
    return value is not None


def isempty(value: Any) -> bool:
    """True when the field is missing or an empty string."""
    return value is None or to_text(value) == ""


def isblank(value: Any) -> bool:
    """True when the field is missing, empty, or only white space."""
    return value is None or to_text(value).strip() == ""


def coalesce(*values: Any) -> Any:
    """The first argument that is present."""
    return next((v for v in values if v is not None), None)


def concat(*values: Any) -> str:
    """The arguments' text joined together (missing ones add nothing)."""
    return "".join(to_text(v) for v in values)


def substr(value: Any, start: Any, length: Any = None) -> str | None:
    """The substring from 0-based ``start``, of ``length`` characters when given."""
    if value is None:
        return None
    text = to_text(value)
    begin = to_number(start)
    if begin is None:
        return None
    b = max(int(begin), 0)
    if length is None:
        return text[b:]
    size = to_number(length)
    return None if size is None else text[b : b + max(int(size), 0)]


def replace(value: Any, search: Any, replacement: Any) -> str | None:
    """``value`` with every occurrence of ``search`` replaced."""
    if value is None:
        return None
    needle = to_text(search)
    if needle == "":
        return to_text(value)
    return to_text(value).replace(needle, to_text(replacement))


def strcontains(value: Any, search: Any) -> int:
    """1 when ``value`` contains ``search``, else 0."""
    if value is None or search is None:
        return 0
    return 1 if to_text(search) in to_text(value) else 0


def _integral(x: float) -> int | float:
    return int(x) if math.isfinite(x) else x


def greatest(*values: Any) -> int | float | None:
    """The largest of the numeric arguments."""
    numbers = [n for n in map(to_number, values) if n is not None]
    return max(numbers) if numbers else None


def least(*values: Any) -> int | float | None:
    """The smallest of the numeric arguments."""
    numbers = [n for n in map(to_number, values) if n is not None]
    return min(numbers) if numbers else None


def from_millis(value: Any) -> Millis | None:
    """A timestamp from milliseconds since the epoch (``None`` outside the years 1 to 9999)."""
    number = to_number(value)
    return None if number is None else millis(number)


def json_parse(value: Any) -> Any:
    """The JSON object or list a string holds, for dotted access and ``unnest``.

    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-operations-functions.html
    ("JSON functions", "Structure types"): ``jsonParse`` returns a MAP or a LIST; a value that is
    already one is returned as is, and text that is not JSON gives no value.
    """
    if value is None or isinstance(value, dict | list):
        return value
    try:
        return orjson.loads(to_text(value))
    except orjson.JSONDecodeError:
        return None


def to_millis(value: Any) -> int | None:
    """Milliseconds since the epoch of a timestamp."""
    moment = parse_timestamp(value)
    return None if moment is None else int(moment)


SCALAR_IMPLEMENTATIONS: dict[str, ScalarFunction] = {
    "ispresent": ispresent,
    "isempty": isempty,
    "isblank": isblank,
    "coalesce": coalesce,
    "strlen": _text_fn(len),
    "tolower": _text_fn(str.lower),
    "toupper": _text_fn(str.upper),
    "concat": concat,
    "substr": substr,
    "replace": replace,
    "strcontains": strcontains,
    "trim": _text_fn(str.strip),
    "ltrim": _text_fn(str.lstrip),
    "rtrim": _text_fn(str.rstrip),
    "abs": _number_fn(abs),
    "ceil": _number_fn(lambda x: _integral(math.ceil(x))),
    "floor": _number_fn(lambda x: _integral(math.floor(x))),
    "greatest": greatest,
    "least": least,
    "fromMillis": from_millis,
    "toMillis": to_millis,
    "jsonParse": json_parse,
}
