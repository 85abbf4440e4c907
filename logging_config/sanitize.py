"""Turn anything into JSON-safe values: orjson's ``default`` hook and the slow sanitizing path.

The fast path is one ``orjson.dumps(record, default=json_default)``. When orjson still refuses
(ints beyond 64 bits, non-string dict keys, lone surrogates, nesting past its limit, a ``default``
that raised) the record goes through :func:`sanitize`, which rebuilds it from plain ``dict``,
``list``, ``str``, ``int`` (64-bit), ``float``, ``bool`` and ``None`` only::

    from logging_config.sanitize import sanitize

    sanitize({1: 2**70, "s": "\\ud800"})   # {'1': '1180591620717411303424', 's': '\\ufffd'}

Conversions (all redacted like any other value): objects with ``model_dump`` (pydantic models,
duck-typed, no pydantic import) → their JSON dump; dataclasses → dict of fields; set/frozenset →
sorted list; Decimal → string; bytes → UTF-8 text with ``\\xNN`` escapes for invalid bytes;
exceptions → ``"Type: message"``; anything else → ``str(obj)``, or ``repr``, or
``"<unrepresentable Type>"`` when both raise; a value whose conversion raises otherwise (an
attribute lookup that raises) → ``"<unserializable: Type>"``.
"""

from __future__ import annotations

import enum
import sys
from typing import Any

from logging_config.redaction import (
    CIRCULAR,
    MAX_DEPTH,
    REDACTED,
    TOO_DEEP,
    is_sensitive_key,
    redact_text,
    redact_tree,
    unserializable,
)

_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1


def _text_of(obj: Any) -> str:
    for convert in (str, repr):
        try:
            text = convert(obj)
        except Exception:
            continue
        if isinstance(text, str):
            return text
    try:
        name = type(obj).__name__
    except Exception:
        name = "object"
    return f"<unrepresentable {name}>"


def _sorted_items(items: Any) -> list[Any]:
    values = list(items)
    try:
        return sorted(values)
    except Exception:
        return sorted(values, key=_text_of)


def _instance_of(obj: Any, module: str, name: str) -> bool:
    """``isinstance(obj, module.name)`` without importing ``module`` (if it is not imported, no
    object of its types can exist): keeps ``import logging_config`` light."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(obj, getattr(loaded, name))


def convert_object(obj: Any) -> Any:
    """One step of conversion of a type orjson does not serialize (see the module docstring)."""
    dump = getattr(obj, "model_dump", None)
    if callable(dump) and not isinstance(obj, type):
        try:
            return dump(mode="json")
        except TypeError:
            return dump()
    fields = getattr(type(obj), "__dataclass_fields__", None)
    if isinstance(fields, dict) and not isinstance(obj, type):
        return {
            name: getattr(obj, name, None)
            for name, spec in fields.items()
            if repr(getattr(spec, "_field_type", "_FIELD")) in ("_FIELD", "'_FIELD'")
        }
    if isinstance(obj, set | frozenset):
        return _sorted_items(obj)
    if _instance_of(obj, "decimal", "Decimal"):
        return str(obj)
    if isinstance(obj, bytes | bytearray | memoryview):
        return bytes(obj).decode("utf-8", "backslashreplace")
    if isinstance(obj, BaseException):
        return f"{type(obj).__name__}: {_text_of(obj)}"
    return _text_of(obj)


def json_default(obj: Any) -> Any:
    """orjson's ``default=``: convert, then redact what the conversion produced."""
    return redact_tree(convert_object(obj))


def _clean_str(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return _clean_str(key)
    if isinstance(key, enum.Enum):
        key = key.value
    if _instance_of(key, "datetime", "date") or _instance_of(key, "datetime", "time"):
        return str(key.isoformat())
    return _clean_str(_text_of(key))


def sanitize(value: Any, depth: int = 0, path: frozenset[int] = frozenset()) -> Any:
    """A JSON-safe, redacted copy of ``value`` built from plain types only; never raises.

    A value whose conversion raises becomes the ``"<unserializable: Type>"`` marker, alone.
    """
    try:
        return _sanitize(value, depth, path)
    except Exception:
        return unserializable(value)


def _sanitize(value: Any, depth: int, path: frozenset[int]) -> Any:
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        text = _clean_str(str(value))
        return redact_text(text)
    if isinstance(value, int):
        number = int(value)
        return number if _INT_MIN <= number <= _INT_MAX else str(number)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        marker = id(value)
        if marker in path:
            return CIRCULAR
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        inner = path | {marker}
        result: dict[str, Any] = {}
        for key, item in list(value.items()):
            name = _key_text(key)
            while name in result:
                name = f"{name}_"
            result[name] = REDACTED if is_sensitive_key(name) else sanitize(item, depth + 1, inner)
        return result
    if isinstance(value, list | tuple):
        marker = id(value)
        if marker in path:
            return CIRCULAR
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        inner = path | {marker}
        return [sanitize(item, depth + 1, inner) for item in list(value)]
    if _instance_of(value, "datetime", "date") or _instance_of(value, "datetime", "time"):
        return str(value.isoformat())
    if _instance_of(value, "uuid", "UUID"):
        return str(value)
    if isinstance(value, enum.Enum):
        return sanitize(value.value, depth + 1, path)
    if depth >= MAX_DEPTH:
        return TOO_DEEP
    marker = id(value)
    if marker in path:
        return CIRCULAR
    return sanitize(convert_object(value), depth + 1, path | {marker})
