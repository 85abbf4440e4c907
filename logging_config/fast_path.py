"""The hot path: a line assembled from pre-serialized fragments, for the common call.

Most calls carry a string message and some fields. For those, the line is the concatenation of
fragments that change rarely and are serialized once — the IDs when a context is bound, the Lambda
keys per invocation, ``service``/``logger``/``location`` per call site, the message per distinct
text (redacted), the timestamp's date part per second — plus one ``orjson.dumps`` of the call's
fields (:func:`~logging_config.field_values.fast_tail`): their keys renamed or redacted by a plan
cached per key set, their nested values (dicts, lists) checked for anything to redact without
being copied, and walked by :func:`~logging_config.redaction.redact_tree` only when something is.
:func:`fast_line` returns ``None`` for the rest (a message that is not a string, an exception, a
value orjson refuses, an oversized line) and the caller takes the general path
(:func:`~logging_config.record.build_record` then :func:`~logging_config.render.render`), which
produces the same bytes; property tests check that::

    from logging_config.fast_path import fast_line

    fast_line(20, "hi", {"n": 1}, None, "app", "main:3")   # b'{"timestamp":…,"n":1}\n'
"""

from __future__ import annotations

from collections.abc import Mapping
from time import gmtime, strftime
from types import FrameType
from typing import Any

from orjson import dumps

from logging_config import timestamps
from logging_config.config import STATE
from logging_config.context import AGE_KEY, EVENT_IDS, LAMBDA_FIELDS, EventIds
from logging_config.field_values import clear_plans, fast_tail
from logging_config.levels import LEVEL_NAMES
from logging_config.redaction import MIN_SECRET_LENGTH, redact_text
from logging_config.truncate import MAX_LINE_BYTES

_NO_IDS_FRAGMENT = EventIds(None, None, None, None).fragment
#: ``Z","level":"INFO","message":`` — closes the timestamp and opens the message.
_LEVEL_FRAGMENTS = {
    number: b'Z","level":' + dumps(name) + b',"message":' for number, name in LEVEL_NAMES.items()
}
_MILLIS = tuple(f"{millis:03d}".encode() for millis in range(1000))
_MAX_CACHE = 4096
_MAX_CACHED_MESSAGE = 256

_sites: dict[tuple[Any, ...], bytes] = {}
_pinned: set[Any] = set()
_messages: dict[str, bytes | None] = {}
# (second, b'{"timestamp":"YYYY-MM-DDTHH:MM:SS.') in one tuple: threads read it atomically.
_second_state: tuple[int, bytes] = (-1, b"")


def logger_key_shown(service: str | None, logger_name: str | None) -> bool:
    """``logger`` is written only when it says something ``service`` does not."""
    return logger_name is not None and logger_name != service


def site_fragment(service: str | None, logger_name: str | None, location: str | None) -> bytes:
    """``,"service":…[,"logger":…],"location":…`` for one call site."""
    head = b',"service":' + dumps(service)
    if logger_key_shown(service, logger_name):
        head += b',"logger":' + dumps(logger_name)
    return head + b',"location":' + dumps(location)


def _site(
    service: str | None, logger_name: str | None, location: str | None, frame: FrameType | None
) -> bytes | None:
    if frame is not None:
        code = frame.f_code
        # id() is cheap to hash (a code object is not); _pinned keeps the id from being reused.
        key: tuple[Any, ...] = (service, logger_name, id(code), frame.f_lasti)
        found = _sites.get(key)
        if found is None:
            location = f"{code.co_name}:{frame.f_lineno}"
            _pinned.add(code)
    else:
        key = (service, logger_name, location)
        found = _sites.get(key)
    if found is None:
        if len(_sites) >= _MAX_CACHE:
            _sites.clear()
            _pinned.clear()
            if frame is not None:
                _pinned.add(frame.f_code)
        try:
            found = _sites[key] = site_fragment(service, logger_name, location)
        except Exception:  # a name that cannot be serialized: the general path sanitizes it
            return None
    return found


def _message(message: str) -> bytes | None:
    """The message's JSON, redacted, or ``None`` for a lone surrogate (the general path
    sanitizes it)."""
    try:
        encoded: bytes | None = dumps(
            redact_text(message) if len(message) >= MIN_SECRET_LENGTH else message
        )
    except Exception:
        return None
    if len(message) <= _MAX_CACHED_MESSAGE:
        if len(_messages) >= _MAX_CACHE:
            _messages.clear()
        _messages[message] = encoded
    return encoded


def _second_prefix_for(second: int) -> bytes | None:
    global _second_state
    try:
        text = strftime("%Y-%m-%dT%H:%M:%S.", gmtime(second))
    except (OverflowError, OSError, ValueError):
        return None
    prefix = b'{"timestamp":"' + text.encode()
    _second_state = (second, prefix)
    return prefix


def clear_caches() -> None:
    """Forget cached fragments and key verdicts (after the settings or redaction keys change)."""
    _sites.clear()
    _pinned.clear()
    _messages.clear()
    clear_plans()


def fast_line(
    levelno: int,
    message: Any,
    fields: Mapping[str, Any] | None,
    bound: Mapping[str, Any] | None,
    logger_name: str | None,
    location: str | None,
    now: float | None = None,
    frame: FrameType | None = None,
    service: str | None = None,
) -> bytes | None:
    """The line for a call, newline included, or ``None`` for the general path.

    ``frame`` (the caller's) may replace ``location``: the site fragment is then cached per
    instruction, without formatting the location on every call. ``service`` is the logger's own
    (``None``: the configured one). Never raises: every step that could (serializing a lone
    surrogate, an absurd clock) answers ``None`` instead.
    """
    if type(message) is not str:
        return None
    text = _messages.get(message)
    if text is None:
        text = _message(message)
        if text is None:
            return None
    tail = b"}\n"
    try:
        if bound:
            fields = {**bound, **fields} if fields else bound
        if fields:
            if type(fields) is not dict:
                return None
            encoded = fast_tail(fields)
            if len(encoded) > 2:
                tail = b"," + encoded[1:] + b"\n"
    except Exception:  # a key whose equality raises, a value orjson refuses: the general path
        return None
    level = _LEVEL_FRAGMENTS.get(levelno)
    if level is None:
        return None
    millis = int((timestamps._clock() if now is None else now) * 1000)
    second = millis // 1000
    state = _second_state
    prefix = state[1] if state[0] == second else _second_prefix_for(second)
    if prefix is None:
        return None
    if service is None:
        service = STATE.service
    site = _sites.get((service, logger_name, id(frame.f_code), frame.f_lasti)) if frame else None
    if site is None:
        site = _site(service, logger_name, location, frame)
        if site is None:
            return None
    ids = EVENT_IDS.get()
    lam = LAMBDA_FIELDS.get()
    if ids is None:
        id_part = _NO_IDS_FRAGMENT
        age = b""
    else:
        id_part = ids.fragment
        age = ids.age_fragment
        if age and fields and AGE_KEY in fields:  # a bound or call field of that name wins
            age = b""
    line = b"".join(
        (
            prefix,
            _MILLIS[millis - second * 1000],
            level,
            text,
            site,
            id_part,
            b"" if lam is None else lam.fragment,
            age,
            tail,
        )
    )
    if len(line) > MAX_LINE_BYTES + 1:
        return None
    return line
