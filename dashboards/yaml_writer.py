"""A small, fast, deterministic YAML writer for CloudFormation templates.

PyYAML's pure-Python emitter spends seconds on a large template (3 MB for 300 services), and its
output can depend on whether libyaml is installed. Templates hold only mappings, sequences,
strings, numbers, booleans and null, so this writer emits block style with sorted keys: plain
scalars where unambiguous, double-quoted strings otherwise (JSON escapes, plus YAML's own escapes
for everything outside printable ASCII, so no Unicode line separator can fold a line).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./:-]*")
_RESERVED = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~"}
)


@functools.lru_cache(maxsize=65536)
def _string(value: str) -> str:
    if _PLAIN.fullmatch(value) and not value.endswith(":") and value.lower() not in _RESERVED:
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    if quoted.isascii() and "\x7f" not in quoted:
        return quoted
    return "".join(c if ord(c) < 0x7F else _escape(c) for c in quoted)


def _escape(char: str) -> str:
    """YAML escapes: ``\\uXXXX``, or ``\\UXXXXXXXX`` above U+FFFF (JSON's surrogate pairs are
    not YAML)."""
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _float(value: float) -> str:
    """``repr`` with a dot in the mantissa: YAML 1.1 reads ``1e-05`` as a string."""
    text = repr(value)
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot write {type(value).__name__} to YAML: {value!r}")


def _block(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key in sorted(value):
            item = value[key]
            if isinstance(item, (dict, list)) and item:
                out.append(f"{pad}{scalar(key)}:")
                _block(item, indent + 2, out)
            else:
                out.append(f"{pad}{scalar(key)}: {_inline(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                start = len(out)
                _block(item, indent + 2, out)
                out[start] = f"{pad}- {out[start][indent + 2 :]}"
            else:
                out.append(f"{pad}- {_inline(item)}")
    else:
        out.append(f"{pad}{_inline(value)}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def dump(document: Any) -> str:
    """``document`` as YAML text ending in a newline; same document, same bytes."""
    if not isinstance(document, (dict, list)) or not document:
        return _inline(document) + "\n"
    out: list[str] = []
    _block(document, 0, out)
    return "\n".join(out) + "\n"
