"""Redaction: secrets never reach a log line, by key name or by the look of the value.

Keys are matched case-insensitively and by substring on the name with ``-``/``_``/spaces removed
(``Authorization``, ``db_password``, ``X-Api-Key``, ``refresh_token`` …), at any depth; their
value becomes ``"[REDACTED]"``. String values are scanned for AWS access key IDs, AWS secret
access keys (after a ``secret…key`` label, or written right after their access key ID, the way a
credential pair leaks: ``AKIA… wJalr…``), bearer tokens, JWTs and PEM private-key blocks; only the
match is replaced. Exception messages, stack traces and bridged stdlib lines go through the same
scan::

    from logging_config.redaction import redact_text, is_sensitive_key

    is_sensitive_key("X-Api-Key")                   # True
    redact_text("auth: Bearer abcdefghijklmnop")    # 'auth: Bearer [REDACTED]'

An AWS access key ID is 20 upper-case letters and digits whose prefix says what it is —
``AKIA`` a long-term access key, ``ASIA`` a temporary (STS) one
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-prefixes)
— and it is always used with its 40-character secret access key, ``AKIAIOSFODNN7EXAMPLE`` /
``wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`` in AWS's own example
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html). A secret
within a few separator characters (space, tab, newline, ``:``, ``=``, ``,``, ``;``, ``|``, ``/``,
``\\``, quotes) after a key ID is redacted with it, label or not.

Cheap on the hot path: a key's verdict is cached, and strings shorter than the shortest secret are
never scanned. Extra key names come from ``configure(redact_keys=...)`` / ``$OBSKIT_REDACT_KEYS``.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

REDACTED = "[REDACTED]"

#: Built-in sensitive key fragments (compared to the key lowercased with - _ and spaces removed).
DEFAULT_SENSITIVE_FRAGMENTS: frozenset[str] = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "authorization",
        "cookie",
        "credential",
        "privatekey",
        "accesskey",
        "sessionkey",
        "signature",
        "ssn",
        "cardnumber",
        "cvv",
    }
)

# Shortest string any value pattern can match ("Bearer " + 8 token chars).
MIN_SECRET_LENGTH = 15

_VALUE_PATTERN = re.compile(
    r"(?P<pem>-----BEGIN[A-Z ]*PRIVATE KEY-----.*?(?:-----END[A-Z ]*PRIVATE KEY-----|\Z))"
    r"|(?P<jwt>\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)"
    r"|(?P<bearer>(?i:\bbearer)\s+)[A-Za-z0-9\-._~+/]{8,}=*"
    r"|(?P<keyid>\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{16}\b)"
    r"(?:(?P<pairsep>[\s:=,;|/\\\"'`]{1,8})[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=]))?"
    r"|(?P<secretlabel>(?i:secret[_\s-]?(?:access[_\s-]?)?key)[\"']?\s*[:=]\s*[\"']?)"
    r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
    re.DOTALL,
)

_fragments: frozenset[str] = DEFAULT_SENSITIVE_FRAGMENTS
#: Cache of key → sensitive?; read directly by the hot path.
KEY_VERDICTS: dict[Any, bool] = {}
_MAX_CACHED_KEYS = 8192
_TRANSLATE = str.maketrans("", "", "-_ .")


def set_extra_keys(keys: frozenset[str]) -> None:
    """Add key fragments to the defaults (called by :func:`logging_config.configure`)."""
    global _fragments
    _fragments = DEFAULT_SENSITIVE_FRAGMENTS | frozenset(k.translate(_TRANSLATE) for k in keys)
    KEY_VERDICTS.clear()
    _clean_key_sets.clear()


def _judge_key(key: Any) -> bool:
    try:
        text = key if type(key) is str else str(key)
        normalized = text.lower().translate(_TRANSLATE)
    except Exception:  # a key whose str() raises: its name says nothing, it is not a secret's
        return False
    return any(fragment in normalized for fragment in _fragments)


def key_verdict(key: Any) -> bool:
    """Like :func:`is_sensitive_key`, for callers that already missed :data:`KEY_VERDICTS`."""
    return is_sensitive_key(key)


def is_sensitive_key(key: Any) -> bool:
    """Whether a field named ``key`` holds a secret (cached per key)."""
    try:
        return KEY_VERDICTS[key]
    except KeyError:
        pass
    except Exception:  # unhashable key (or a hash that raises): judge without caching
        return _judge_key(key)
    verdict = _judge_key(key)
    if len(KEY_VERDICTS) >= _MAX_CACHED_KEYS:
        KEY_VERDICTS.clear()
    with contextlib.suppress(Exception):  # a key whose hash or equality raises on insertion
        KEY_VERDICTS[key] = verdict
    return verdict


def _replace(match: re.Match[str]) -> str:
    if match.group("bearer") is not None:
        return match.group("bearer") + REDACTED
    if match.group("secretlabel") is not None:
        return match.group("secretlabel") + REDACTED
    if match.group("pairsep") is not None:  # key ID and secret: both go, the separator stays
        return REDACTED + match.group("pairsep") + REDACTED
    return REDACTED


def redact_text(text: str) -> str:
    """``text`` with every secret-looking value replaced by ``[REDACTED]``."""
    if len(text) < MIN_SECRET_LENGTH:
        return text
    # Cheap substring checks first: every pattern contains one of these anchors.
    if not (
        "eyJ" in text
        or "IA" in text
        or "earer" in text
        or "EARER" in text
        or "PRIVATE KEY" in text
        or "ecret" in text
        or "ECRET" in text
    ):
        return text
    if _VALUE_PATTERN.search(text) is None:
        return text
    return _VALUE_PATTERN.sub(_replace, text)


MAX_DEPTH = 64
CIRCULAR = "[circular]"
TOO_DEEP = "[nested too deep]"


def unserializable(value: Any) -> str:
    """The marker that stands for a value the logger could not process (its processing raised).

    Only that value is replaced: its key and the rest of the line are kept.
    """
    return f"<unserializable: {type(value).__name__}>"


def redact_tree(value: Any, depth: int = 0, path: frozenset[int] = frozenset()) -> Any:
    """A copy of ``value`` with sensitive keys and secret-looking strings redacted; never raises.

    Dicts, lists and tuples are copied (so later mutation cannot change a buffered line); a
    container that contains itself becomes ``"[circular]"``, nesting deeper than
    :data:`MAX_DEPTH` becomes ``"[nested too deep]"``. Other objects are left for the serializer.
    A value whose inspection raises (an object whose attribute lookup raises, a key whose hash
    does) becomes :func:`unserializable`'s marker, alone: its siblings are kept.
    """
    try:
        return _redact_tree(value, depth, path)
    except Exception:
        return unserializable(value)


#: Cache of a dict's key tuple → no key is sensitive (and every key is a plain string).
_clean_key_sets: dict[tuple[Any, ...], bool] = {}


def _judge_keys(keys: tuple[Any, ...]) -> bool:
    verdict = all(type(key) is str and not is_sensitive_key(key) for key in keys)
    if len(_clean_key_sets) >= _MAX_CACHED_KEYS:
        _clean_key_sets.clear()
    _clean_key_sets[keys] = verdict
    return verdict


#: The scalar types a clean tree may hold besides ``str`` (``type(None)`` for ``None``).
SCALARS = frozenset({int, float, bool, type(None)})


def is_clean_tree(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is plain JSON (dicts with string keys, lists, tuples, str, int, float,
    bool, None) that :func:`redact_tree` would leave as it is.

    A check, not a copy: no container is built and a dict's keys are judged once per key tuple,
    so a nested value already clean (the usual case) costs a fraction of :func:`redact_tree`.
    ``False`` (the caller then walks the value with :func:`redact_tree`) for anything else: a
    sensitive key, a secret-looking string, an object, a subclass, nesting at
    :data:`MAX_DEPTH` (which also stops a cycle). May raise on a hostile value: callers guard.
    """
    kind = type(value)
    if kind is dict:
        if depth >= MAX_DEPTH:
            return False
        keys = tuple(value)
        verdict = _clean_key_sets.get(keys)
        if not (_judge_keys(keys) if verdict is None else verdict):
            return False
        items: Any = value.values()
    elif kind is list or kind is tuple:
        if depth >= MAX_DEPTH:
            return False
        items = value
    else:
        return False
    scalars = SCALARS
    for item in items:
        kind = type(item)
        if kind is str:
            if len(item) >= MIN_SECRET_LENGTH and redact_text(item) is not item:
                return False
        elif kind not in scalars and not is_clean_tree(item, depth + 1):
            return False
    return True


def _redact_tree(value: Any, depth: int, path: frozenset[int]) -> Any:
    kind = type(value)
    if kind is str or (kind is not dict and kind is not list and isinstance(value, str)):
        return redact_text(value) if len(value) >= MIN_SECRET_LENGTH else value
    if isinstance(value, dict):
        marker = id(value)
        if marker in path:
            return CIRCULAR
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        inner = path | {marker}
        return {
            key: (REDACTED if is_sensitive_key(key) else redact_tree(item, depth + 1, inner))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        marker = id(value)
        if marker in path:
            return CIRCULAR
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        inner = path | {marker}
        return [redact_tree(item, depth + 1, inner) for item in value]
    return value
