"""A call's fields as they appear on the line: names made safe, values redacted, for both paths.

Both the general path (:func:`~logging_config.record.build_record`) and the fast path
(:func:`~logging_config.fast_path.fast_line`) turn the merged fields of a call (``bind()``'s, then
the call's own, a call field replacing a bound one of the same name in its place) into the line's
tail with the same two steps, so they write the same bytes:

* the *plan* of a key set (:func:`field_plan`, cached per key tuple): each key's name on the line
  — a key named like a reserved key (:data:`RESERVED_KEYS`) is kept under ``field_<name>``
  (``field_field_<name>`` when that is taken by another field) — and whether its value is
  redacted whole (a sensitive key name);
* each value: scalars as they are, strings scanned for secrets, containers and objects redacted by
  :func:`~logging_config.redaction.redact_tree` — on the fast path only when
  :func:`~logging_config.redaction.is_clean_tree`, a check that builds nothing, finds something
  to redact, which a logged order or payload seldom holds::

    from logging_config.field_values import field_plan

    field_plan(("qty", "level", "password")).entries
    # (('qty', False), ('field_level', False), ('password', True))
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from orjson import dumps

from logging_config.redaction import (
    MIN_SECRET_LENGTH,
    REDACTED,
    SCALARS,
    is_clean_tree,
    is_sensitive_key,
    redact_text,
    redact_tree,
)
from logging_config.render import DUMPS_OPTIONS
from logging_config.sanitize import _key_text, json_default

RESERVED_KEYS = frozenset(
    {
        "timestamp",
        "level",
        "message",
        "service",
        "logger",
        "location",
        "correlation_id",
        "causation_id",
        "event_id",
        "event_type",
        "correlation_generated",
        "function_name",
        "function_request_id",
        "cold_start",
        "xray_trace_id",
        "exception",
        "exception_name",
        "stack_trace",
        "truncated",
        "truncated_keys",
        "logging_error",
    }
)
RENAMED_PREFIX = "field_"


def _name_of(key: Any) -> str:
    """A key as a plain ``str``: a ``str`` subclass without calling its overrides, anything else
    as its text."""
    if type(key) is str:
        return key
    if isinstance(key, str):
        return str.__str__(key)
    return _key_text(key)


class Plan:
    """How one key set appears on the line: ``entries`` (name, sensitive) per key, in order;
    ``names`` alone; whether any key is ``renamed`` or ``sensitive`` (the fast path's shortcuts)."""

    __slots__ = ("entries", "names", "renamed", "sensitive", "moves")

    def __init__(self, keys: tuple[Any, ...]) -> None:
        names = [_name_of(key) for key in keys]
        taken = set(names)
        entries = []
        for name in names:
            if name in RESERVED_KEYS:
                free = RENAMED_PREFIX + name
                while free in taken or free in RESERVED_KEYS:
                    free = RENAMED_PREFIX + free
                taken.add(free)
                name = free
            entries.append((name, is_sensitive_key(name)))
        self.entries: tuple[tuple[str, bool], ...] = tuple(entries)
        self.names = tuple(name for name, _ in entries)
        # Any key not exactly a str is renamed to one (its own __eq__ is never asked).
        self.renamed = any(type(key) is not str for key in keys) or self.names != keys
        self.sensitive = any(sensitive for _, sensitive in entries)
        # Renaming by moving keys in a copy keeps the order when every key from the first renamed
        # one on is popped and put back: cheaper than a new dict when those are few (a reserved
        # name is usually passed last); None when a new dict is cheaper or the keys are not str.
        self.moves: tuple[tuple[str, str], ...] | None = None
        if self.renamed and all(type(key) is str for key in keys):
            first = next(i for i, name in enumerate(self.names) if name != keys[i])
            if len(keys) - first <= _MAX_MOVES:
                self.moves = tuple(zip(keys[first:], self.names[first:], strict=True))

    def __repr__(self) -> str:
        return f"Plan({self.entries!r})"


_MAX_MOVES = 3
_plans: dict[tuple[Any, ...], Plan] = {}
_MAX_PLANS = 4096


def field_plan(keys: tuple[Any, ...]) -> Plan:
    """Each key's name on the line and whether its value is redacted whole (cached per key set).

    Never raises: a key that is not a plain string is written as its text.
    """
    try:
        found = _plans.get(keys)
    except Exception:  # a key whose hash raises: plan it without caching
        return Plan(keys)
    if found is None:
        found = Plan(keys)
        if len(_plans) >= _MAX_PLANS:
            _plans.clear()
        with contextlib.suppress(Exception):  # a key whose equality raises on a collision
            _plans[keys] = found
    return found


def clear_plans() -> None:
    """Forget the cached plans (the sensitive key names changed)."""
    _plans.clear()


def add_fields(record: dict[str, Any], fields: Mapping[str, Any]) -> None:
    """Append the merged fields to ``record`` (general path): renamed, redacted, never raising."""
    entries = field_plan(tuple(fields)).entries
    for (name, sensitive), value in zip(entries, fields.values(), strict=True):
        if sensitive:
            record[name] = REDACTED
            continue
        kind = type(value)
        if kind is str:
            if len(value) >= MIN_SECRET_LENGTH:
                value = redact_text(value)
        elif kind is not int and kind is not float and kind is not bool and value is not None:
            value = redact_tree(value)
        record[name] = value


def prepared(value: Any) -> Any:
    """A non-scalar ``value`` ready for the line: itself when
    :func:`~logging_config.redaction.is_clean_tree` finds nothing to redact (no copy, no walk
    building containers), else :func:`~logging_config.redaction.redact_tree`'s copy."""
    try:
        if is_clean_tree(value):
            return value
    except Exception:
        pass
    return redact_tree(value)


def fast_tail(fields: Mapping[str, Any]) -> bytes:
    """The fields' part of a line, ``{"k":v,…}`` (fast path); raises when orjson refuses it.

    When no key is sensitive and every value is clean (scalars, strings without a secret, nested
    values that :func:`~logging_config.redaction.is_clean_tree` accepts), the fields are
    serialized as they are, renamed if need be: a plain call costs one loop and one ``dumps``, a
    rich one the tree check on top. Otherwise each value is prepared on its own, as the general
    path does.
    """
    keys = tuple(fields)
    plan = _plans.get(keys) or field_plan(keys)  # the cache read inline: this is every line
    if not plan.sensitive:
        scalars = SCALARS
        for value in fields.values():
            kind = type(value)
            if kind is str:
                if len(value) >= MIN_SECRET_LENGTH and redact_text(value) is not value:
                    break
            elif kind not in scalars and not is_clean_tree(value):
                break
        else:
            # Plain JSON types only (is_clean_tree refuses objects): no default hook needed.
            if not plan.renamed:
                return dumps(fields)
            moves = plan.moves
            if moves is None:  # (zip's strict check costs a third of this dict: lengths match)
                return dumps(dict(zip(plan.names, fields.values(), strict=False)))
            renamed = dict(fields)  # a dict on the fast path: the cost of copy()
            for key, name in moves:
                renamed[name] = renamed.pop(key)
            return dumps(renamed)
    out: dict[str, Any] = {}
    for (name, sensitive), value in zip(plan.entries, fields.values(), strict=True):
        if sensitive:
            out[name] = REDACTED
            continue
        kind = type(value)
        if kind is str:
            if len(value) >= MIN_SECRET_LENGTH:
                value = redact_text(value)
        elif kind not in SCALARS:
            value = prepared(value)
        out[name] = value
    return dumps(out, default=json_default, option=DUMPS_OPTIONS)
