"""GetAccountSettings in the sandbox: the account's limit less every reservation, as on AWS."""

from __future__ import annotations

import json

import pytest

from sandbox.lambda_account import ACCOUNT_SETTINGS_PATH, CONCURRENCY_LIMIT, account_settings


def _moto(reserved: dict[str, int | None], page: int = 2) -> dict[str, tuple[int, bytes]]:
    """Answers of moto for ListFunctions (paged) and GetFunctionConcurrency."""
    names = sorted(reserved)
    answers: dict[str, tuple[int, bytes]] = {}
    for start in range(0, max(len(names), 1), page):
        chunk = names[start : start + page]
        body: dict[str, object] = {
            "Functions": [{"FunctionName": n, "CodeSize": 10} for n in chunk]
        }
        if start + page < len(names):
            body["NextMarker"] = names[start + page]
        key = "/2015-03-31/functions/" + (f"?Marker={names[start]}" if start else "")
        answers[key] = (200, json.dumps(body).encode())
    for name, value in reserved.items():
        concurrency = {} if value is None else {"ReservedConcurrentExecutions": value}
        answers[f"/2019-09-30/functions/{name}/concurrency"] = (
            200,
            json.dumps(concurrency).encode(),
        )
    return answers


def test_unreserved_is_the_limit_less_every_reservation_over_all_pages() -> None:
    answers = _moto({"a": 0, "b": 5, "c": None, "d": 20, "e": None})
    settings = json.loads(account_settings(lambda path: answers[path]))
    assert settings["AccountLimit"]["ConcurrentExecutions"] == CONCURRENCY_LIMIT
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == CONCURRENCY_LIMIT - 25
    assert settings["AccountUsage"] == {"TotalCodeSize": 50, "FunctionCount": 5}


def test_a_failing_list_is_an_error_not_a_made_up_answer() -> None:
    with pytest.raises(OSError, match="ListFunctions answered 404"):
        account_settings(lambda path: (404, b""))


def test_the_path_matches_what_the_aws_cli_sends() -> None:
    assert ACCOUNT_SETTINGS_PATH.match("/2016-08-19/account-settings/")
    assert not ACCOUNT_SETTINGS_PATH.match("/2015-03-31/functions/")
