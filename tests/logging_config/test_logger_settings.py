"""configure(): arguments, environment variables that override them, clear errors."""

from __future__ import annotations

from typing import Any

import pytest

import logging_config
from logging_config.config import STATE
from logging_config.levels import DEBUG, WARNING


def test_arguments_apply() -> None:
    logging_config.configure("portfolio", "warning", strict=True, env={})
    assert logging_config.current_service() == "portfolio"
    assert (STATE.level, STATE.strict) == (WARNING, True)


@pytest.mark.parametrize(
    ("env", "attribute", "expected"),
    [
        ({"OBSKIT_SERVICE": "from-env"}, "service", "from-env"),
        ({"POWERTOOLS_SERVICE_NAME": "pt"}, "service", "pt"),
        ({"OBSKIT_SERVICE": "o", "POWERTOOLS_SERVICE_NAME": "pt"}, "service", "o"),
        ({"OBSKIT_LOG_LEVEL": "debug"}, "level", DEBUG),
        ({"POWERTOOLS_LOG_LEVEL": "WARNING"}, "level", WARNING),
        ({"OBSKIT_STRICT": "true"}, "strict", True),
        ({"OBSKIT_DEBUG_SAMPLE_RATE": "0.25"}, "debug_sample_rate", 0.25),
        ({"POWERTOOLS_LOGGER_SAMPLE_RATE": "0.5"}, "debug_sample_rate", 0.5),
        ({"OBSKIT_DEBUG_BUFFER_BYTES": "1024"}, "debug_buffer_bytes", 1024),
    ],
)
def test_environment_overrides_arguments(
    env: dict[str, str], attribute: str, expected: Any
) -> None:
    logging_config.configure("arg-service", "INFO", env=env)
    assert getattr(STATE, attribute) == expected


@pytest.mark.parametrize(
    ("kwargs", "env", "named"),
    [
        ({"level": "LOUD"}, {}, "level"),
        ({}, {"OBSKIT_LOG_LEVEL": "LOUD"}, "OBSKIT_LOG_LEVEL"),
        ({}, {"OBSKIT_STRICT": "maybe"}, "OBSKIT_STRICT"),
        ({"debug_sample_rate": 2.0}, {}, "debug_sample_rate"),
        ({}, {"OBSKIT_DEBUG_SAMPLE_RATE": "abc"}, "OBSKIT_DEBUG_SAMPLE_RATE"),
        ({"debug_buffer_bytes": -1}, {}, "debug_buffer_bytes"),
        ({"redact_keys": "password"}, {}, "redact_keys"),
    ],
)
def test_bad_values_name_what_is_wrong(
    kwargs: dict[str, Any], env: dict[str, str], named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        logging_config.configure("svc", env=env, **kwargs)


def test_real_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OBSKIT_SERVICE", "from-os-environ")
    logging_config.configure("arg")
    assert logging_config.current_service() == "from-os-environ"


def test_module_docstring_documents_every_variable() -> None:
    from logging_config import config

    for name in (
        "OBSKIT_SERVICE",
        "POWERTOOLS_SERVICE_NAME",
        "OBSKIT_LOG_LEVEL",
        "POWERTOOLS_LOG_LEVEL",
        "OBSKIT_STRICT",
        "OBSKIT_DEBUG_SAMPLE_RATE",
        "OBSKIT_REDACT_KEYS",
        "OBSKIT_DEBUG_BUFFER_BYTES",
    ):
        assert name in (config.__doc__ or "")
