"""Process-wide settings: :func:`configure` once at start-up, environment variables win.

Example::

    import logging_config

    logging_config.configure("portfolio", level="INFO")
    logging_config.current_service()   # 'portfolio' (or $OBSKIT_SERVICE when set)

Environment variables (they override the arguments, so an operator can change a deployed function
without a code change):

============================  ==================================================================
``OBSKIT_SERVICE``            service name; falls back to ``POWERTOOLS_SERVICE_NAME``
``OBSKIT_LOG_LEVEL``          DEBUG, INFO, WARNING, ERROR, CRITICAL; falls back to
                              ``POWERTOOLS_LOG_LEVEL``
``OBSKIT_STRICT``             ``1``/``true``: logging outside a correlation context raises
                              :class:`~logging_config.MissingCorrelationError`
``OBSKIT_DEBUG_SAMPLE_RATE``  0.0–1.0: share of invocations whose DEBUG lines are all written;
                              falls back to ``POWERTOOLS_LOGGER_SAMPLE_RATE``
``OBSKIT_REDACT_KEYS``        comma-separated extra key names to redact (added to the defaults)
``OBSKIT_DEBUG_BUFFER_BYTES`` per-invocation bound of the DEBUG buffer (0 turns buffering off)
``OBSKIT_METRICS_NAMESPACE``  CloudWatch namespace of EMF metrics (over ``metrics_namespace=``);
                              falls back to ``POWERTOOLS_METRICS_NAMESPACE``
============================  ==================================================================
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import IO, Any

from logging_config import redaction, sink
from logging_config.levels import DEBUG, INFO, parse_level

DEFAULT_DEBUG_BUFFER_BYTES = 256 * 1024

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Settings:
    """The live settings; read on every logging call, so plain attributes only.

    ``debug_possible`` is True when a ``debug()`` call may produce anything (the level is DEBUG,
    or an invocation is open that buffers or samples DEBUG lines): the one flag a disabled
    ``debug()`` reads.
    """

    def __init__(self) -> None:
        self.service: str | None = None
        self.level = INFO
        self.strict = False
        self.debug_sample_rate = 0.0
        self.extra_redact_keys: frozenset[str] = frozenset()
        self.debug_buffer_bytes = DEFAULT_DEBUG_BUFFER_BYTES
        self.debug_possible = False
        self.active_invocations = 0

    def __repr__(self) -> str:
        return f"Settings({vars(self)!r})"

    def refresh_gates(self) -> None:
        """Recompute the cheap flags the hot path reads."""
        self.debug_possible = self.level <= DEBUG or (
            self.active_invocations > 0
            and (self.debug_buffer_bytes > 0 or self.debug_sample_rate > 0)
        )


STATE = Settings()


def _env_first(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    for name in names:
        value = env.get(name)
        if value is not None and value.strip() != "":
            return name, value.strip()
    return None


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{name}: expected true/false (1/0), got {value!r}")


def _parse_rate(name: str, value: str | float) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number between 0 and 1, got {value!r}") from None
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{name}: expected a number between 0 and 1, got {value!r}")
    return rate


def _parse_bytes(name: str, value: str | int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a whole number of bytes, got {value!r}") from None
    if number < 0:
        raise ValueError(f"{name}: expected a number of bytes >= 0, got {value!r}")
    return number


def configure(
    service: str | None = None,
    level: str | int = "INFO",
    *,
    strict: bool = False,
    stream: IO[Any] | None = None,
    debug_sample_rate: float = 0.0,
    redact_keys: Iterable[str] = (),
    debug_buffer_bytes: int = DEFAULT_DEBUG_BUFFER_BYTES,
    metrics_namespace: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Set the process-wide settings (call again to change them); environment variables win.

    ``stream``: where lines go (default: the current ``sys.stdout``). ``redact_keys``: key names
    redacted in addition to the built-in ones. ``metrics_namespace``: the CloudWatch namespace of
    EMF metrics (``OBSKIT_METRICS_NAMESPACE`` / ``POWERTOOLS_METRICS_NAMESPACE`` win; ``None``:
    those, else ``obskit``). ``env``: the environment to read (tests pass a dict). A bad value
    raises ``ValueError`` naming the argument or variable.
    """
    environ = os.environ if env is None else env
    found = _env_first(environ, "OBSKIT_SERVICE", "POWERTOOLS_SERVICE_NAME")
    resolved_service = found[1] if found else service
    found = _env_first(environ, "OBSKIT_LOG_LEVEL", "POWERTOOLS_LOG_LEVEL")
    resolved_level = parse_level(found[1], source=found[0]) if found else parse_level(level)
    found = _env_first(environ, "OBSKIT_STRICT")
    resolved_strict = _parse_bool(*found) if found else bool(strict)
    found = _env_first(environ, "OBSKIT_DEBUG_SAMPLE_RATE", "POWERTOOLS_LOGGER_SAMPLE_RATE")
    rate = _parse_rate(*found) if found else _parse_rate("debug_sample_rate", debug_sample_rate)
    if isinstance(redact_keys, str):
        raise ValueError("redact_keys: expected a list of key names, got one string")
    keys = {str(key).strip().lower() for key in redact_keys if str(key).strip()}
    found = _env_first(environ, "OBSKIT_REDACT_KEYS")
    if found:
        keys.update(part.strip().lower() for part in found[1].split(",") if part.strip())
    found = _env_first(environ, "OBSKIT_DEBUG_BUFFER_BYTES")
    buffer_bytes = (
        _parse_bytes(*found) if found else _parse_bytes("debug_buffer_bytes", debug_buffer_bytes)
    )
    from logging_config import metrics

    found = _env_first(environ, metrics.NAMESPACE_ENV, metrics.POWERTOOLS_NAMESPACE_ENV)
    namespace = found[1] if found else metrics_namespace
    if namespace is not None:
        metrics._check_namespace(namespace, found[0] if found else "metrics_namespace")

    STATE.service = resolved_service
    STATE.level = resolved_level
    STATE.strict = resolved_strict
    STATE.debug_sample_rate = rate
    STATE.extra_redact_keys = frozenset(keys)
    STATE.debug_buffer_bytes = buffer_bytes
    STATE.refresh_gates()
    sink.set_stream(stream)
    redaction.set_extra_keys(STATE.extra_redact_keys)
    metrics.set_namespace(namespace)
    from logging_config.fast_path import clear_caches

    clear_caches()
    return STATE


def current_service() -> str | None:
    """The configured service name (``None`` until configured or set in the environment)."""
    return STATE.service


def _init_from_environment() -> None:
    found = _env_first(os.environ, "OBSKIT_SERVICE", "POWERTOOLS_SERVICE_NAME")
    if found:
        STATE.service = found[1]
    found = _env_first(os.environ, "OBSKIT_LOG_LEVEL", "POWERTOOLS_LOG_LEVEL")
    if found:
        try:
            STATE.level = parse_level(found[1], source=found[0])
        except ValueError:
            STATE.level = INFO
    found = _env_first(os.environ, "OBSKIT_REDACT_KEYS")
    if found:
        STATE.extra_redact_keys = frozenset(
            part.strip().lower() for part in found[1].split(",") if part.strip()
        )
        redaction.set_extra_keys(STATE.extra_redact_keys)
    STATE.refresh_gates()


_init_from_environment()
