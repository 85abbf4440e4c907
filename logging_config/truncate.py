"""Keep a line under CloudWatch's 256 KB event limit: cut the largest values, stay valid JSON.

A CloudWatch Logs event may be at most 256 KB (262,144 bytes); PutLogEvents counts 26 bytes of
overhead per event, so a line is capped at :data:`MAX_LINE_BYTES` = 262,118 bytes (without its
newline). An oversized record keeps every key: the values larger than a common cap (water-filling,
so only the largest values shrink) become their text cut at a UTF-8 boundary plus a marker, and the
line gets ``"truncated": true``. Only when that is not enough (a record of thousands of small keys)
are the last call keys dropped, counted in ``truncated_keys``::

    from logging_config.truncate import fit_record

    line = fit_record({"message": "x" * 300_000}, limit=1_000)
    len(line) <= 1_000   # True, and orjson.loads(line)["truncated"] is True
"""

from __future__ import annotations

from typing import Any

import orjson

MAX_LINE_BYTES = 262_144 - 26
MARKER = "…[truncated {} bytes]"
_MIN_CAP = 48


def _size(value: Any) -> int:
    return len(orjson.dumps(value))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode("utf-8")


def shrink(value: Any, target: int) -> str:
    """``value`` as a string whose JSON encoding takes at most ``target`` bytes (marker included)."""
    text = _text(value)
    raw = text.encode("utf-8")
    budget = max(target - 2 - len(MARKER) - 8, 0)
    for _ in range(8):
        cut = raw[:budget].decode("utf-8", "ignore")
        candidate = cut + MARKER.format(len(raw) - len(cut.encode("utf-8")))
        encoded = _size(candidate)
        if encoded <= target or budget == 0:
            return candidate
        budget = max(int(budget * target / encoded) - 8, 0)
    return MARKER.format(len(raw))


def _cap_for(sizes: list[int], excess: int) -> int:
    """The largest cap ``c`` with ``sum(max(0, s - c)) >= excess``."""
    ordered = sorted(sizes, reverse=True)
    removed = 0
    for index, size in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else 0
        # Lowering the cap from `size` to `following` removes (size - following) per value so far.
        step = (size - following) * (index + 1)
        if removed + step >= excess:
            return size - (excess - removed + index) // (index + 1)
        removed += step
    return 0


def fit_record(
    record: dict[str, Any], *, limit: int = MAX_LINE_BYTES, keep: frozenset[str] = frozenset()
) -> bytes:
    """Serialize the JSON-safe ``record`` in at most ``limit`` bytes, truncating when needed.

    ``keep`` names keys that are never dropped (they may still be shortened).
    """
    line = orjson.dumps(record)
    if len(line) <= limit:
        return line
    work = dict(record)
    work["truncated"] = True
    for _ in range(6):
        line = orjson.dumps(work)
        if len(line) <= limit:
            return line
        excess = len(line) - limit
        sizes = {key: _size(value) for key, value in work.items() if key != "truncated"}
        cap = _cap_for(list(sizes.values()), excess + 16)
        if cap < _MIN_CAP:
            break
        for key, size in sizes.items():
            if size > cap:
                work[key] = shrink(work[key], cap)
    droppable = [key for key in work if key not in keep and key not in ("truncated",)]
    dropped = 0
    while droppable:
        line = orjson.dumps(work)
        if len(line) <= limit:
            return line
        excess = len(line) - limit
        freed = 0
        while droppable and freed < excess + 32:
            key = droppable.pop()
            freed += _size(key) + _size(work.pop(key)) + 2
            dropped += 1
        work["truncated_keys"] = dropped
    line = orjson.dumps(work)
    if len(line) <= limit:
        return line
    share = max(limit // (2 * max(len(work), 1)), 16)
    tiny: dict[str, Any] = {key: shrink(value, share) for key, value in work.items() if key in keep}
    tiny["truncated"] = True
    line = orjson.dumps(tiny)
    return line if len(line) <= limit else b'{"truncated":true}'
