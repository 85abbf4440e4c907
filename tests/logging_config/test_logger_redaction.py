"""Secrets never reach a line: by key name (nested, any case), by value pattern, in exceptions
and in bridged stdlib lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

import logging_config
from logging_config.redaction import REDACTED, is_sensitive_key, redact_text

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "db_password",
        "Secret",
        "client_secret",
        "token",
        "access_token",
        "api_key",
        "X-Api-Key",
        "apiKey",
        "Authorization",
        "cookie",
        "Set-Cookie",
        "private_key",
        "aws_secret_access_key",
        "credentials",
    ],
)
def test_sensitive_key_names(key: str) -> None:
    assert is_sensitive_key(key)


@pytest.mark.parametrize("key", ["symbol", "qty", "order_id", "event_type", "correlation_id", 3])
def test_ordinary_key_names(key: Any) -> None:
    assert not is_sensitive_key(key)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"key id {ACCESS_KEY_ID} used", "key id "),
        (f"aws_secret_access_key={SECRET_KEY}", "aws_secret_access_key="),
        ("Authorization: Bearer abcdef123456789.xyz", "Authorization: Bearer "),
        (f"jwt {JWT}", "jwt "),
        (f"key:\n{PEM}\nend", "key:\n"),
    ],
)
def test_secret_values_are_replaced_in_text(text: str, kept: str) -> None:
    redacted = redact_text(text)
    assert REDACTED in redacted
    assert redacted.startswith(kept)
    for secret in (ACCESS_KEY_ID, SECRET_KEY, "abcdef123456789", JWT, "MIIEowIBAAKCAQEA7"):
        assert secret not in redacted


@pytest.mark.parametrize(
    "text",
    [
        "a plain sentence about orders",
        "sha1 " + "0123456789abcdef" * 2 + "01234567",  # 40 hex chars: not a secret key
        "Portfolio analysis completed but no event was published",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact_text(text) == text


def test_fields_are_redacted_by_key_at_any_depth_and_by_value(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("x").info(
            "login",
            user="ann",
            Password="hunter2",
            headers={"Authorization": "Basic abc", "Accept": "json", "nested": [{"TOKEN": "t"}]},
            note=f"using {ACCESS_KEY_ID}",
            items=[f"Bearer {'z' * 20}"],
        )
    line = capture_logs[0]
    assert line["user"] == "ann"
    assert line["Password"] == REDACTED
    assert line["headers"]["Authorization"] == REDACTED
    assert line["headers"]["Accept"] == "json"
    assert line["headers"]["nested"][0]["TOKEN"] == REDACTED
    assert ACCESS_KEY_ID not in line["note"]
    assert line["items"] == [f"Bearer {REDACTED}"]
    assert "hunter2" not in str(capture_logs.raw[0])


def test_message_and_bound_fields_are_redacted(capture_logs: Any) -> None:
    log = logging_config.get_logger("x").bind(api_key="k-123", session=f"jwt={JWT}")
    with logging_config.start_workflow():
        log.info(f"calling with {ACCESS_KEY_ID}")
    line = capture_logs[0]
    assert ACCESS_KEY_ID not in line["message"]
    assert line["api_key"] == REDACTED
    assert JWT not in line["session"]


def test_exception_message_and_stack_trace_are_redacted(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        try:
            token = f"Bearer {'q' * 24}"
            raise PermissionError(f"rejected {token} for {ACCESS_KEY_ID}")
        except PermissionError:
            logging_config.get_logger("x").exception("auth failed")
    raw = capture_logs.raw[0].decode()
    assert "q" * 24 not in raw
    assert ACCESS_KEY_ID not in raw
    line = capture_logs[0]
    assert REDACTED in line["exception"]
    assert REDACTED in line["stack_trace"]["value"]
    statements = [frame["statement"] for frame in line["stack_trace"]["frames"]]
    assert any("PermissionError" in statement for statement in statements)


@pytest.fixture
def bridged() -> Iterator[logging.Logger]:
    from logging_config.stdlib_bridge import install, uninstall

    target = logging.getLogger("obskit.test.redaction")
    install(target, level=logging.DEBUG)
    target.propagate = False
    yield target
    uninstall(target)


def test_bridged_stdlib_lines_are_redacted(capture_logs: Any, bridged: logging.Logger) -> None:
    with logging_config.start_workflow():
        bridged.info("creds %s", SECRET_KEY and f"secret_key={SECRET_KEY}", extra={"cookie": "c"})
    line = capture_logs[0]
    assert SECRET_KEY not in line["message"]
    assert line["cookie"] == REDACTED


def test_extra_keys_from_configure_and_environment(capture_logs: Any) -> None:
    logging_config.configure(
        "svc", redact_keys=["account_number"], env={"OBSKIT_REDACT_KEYS": "iban, pin"}
    )
    with logging_config.start_workflow():
        logging_config.get_logger("x").info("m", Account_Number="1", IBAN="2", pin="3", plain="4")
    line = capture_logs[0]
    assert (line["Account_Number"], line["IBAN"], line["pin"]) == (REDACTED,) * 3
    assert line["plain"] == "4"


# --- a secret access key written next to its key ID, without a label (issue 16, item 12) -------

TEMP_KEY_ID = "ASIAY34FZKBOKMUTVV7A"


@pytest.mark.parametrize(
    "text",
    [
        f"creds {ACCESS_KEY_ID} {SECRET_KEY} in use",
        f"{ACCESS_KEY_ID}:{SECRET_KEY}",
        f"{ACCESS_KEY_ID},{SECRET_KEY}\n",
        f"pair={ACCESS_KEY_ID}/{SECRET_KEY};",
        f"'{ACCESS_KEY_ID}' '{SECRET_KEY}'",
        f"{TEMP_KEY_ID}\t{SECRET_KEY}",
        f"export {ACCESS_KEY_ID} | {SECRET_KEY} done",
    ],
)
def test_a_secret_key_right_after_its_key_id_is_redacted_without_a_label(text: str) -> None:
    redacted = redact_text(text)
    assert SECRET_KEY not in redacted
    assert ACCESS_KEY_ID not in redacted
    assert TEMP_KEY_ID not in redacted
    assert redacted.count(REDACTED) == 2


def test_the_pair_is_redacted_in_messages_fields_and_nested_values(capture_logs: Any) -> None:
    pair = f"{ACCESS_KEY_ID} {SECRET_KEY}"
    with logging_config.start_workflow():
        logging_config.get_logger("x").info(
            f"using {pair}", note=f"leaked {pair}", nested={"lines": [pair]}
        )
    text = repr(capture_logs[0])
    assert SECRET_KEY not in text
    assert ACCESS_KEY_ID not in text
    assert capture_logs[0]["note"] == f"leaked {REDACTED} {REDACTED}"


@pytest.mark.parametrize(
    "text",
    [
        f"checksum {SECRET_KEY} alone",  # 40 base64 characters with no key ID before them
        f"{ACCESS_KEY_ID} then many words before {SECRET_KEY}",  # not next to the key ID
        f"{ACCESS_KEY_ID} {SECRET_KEY}X",  # 41 characters: not a secret access key
    ],
)
def test_forty_characters_not_next_to_a_key_id_are_left_alone(text: str) -> None:
    assert SECRET_KEY in redact_text(text)
