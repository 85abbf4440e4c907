"""Lambda's GetAccountSettings, which moto does not answer, computed from the functions in moto.

A throttled function's runbook asks "is the account's unreserved concurrency exhausted by other
functions?" with ``aws lambda get-account-settings``. AWS answers with the account's limits and
``UnreservedConcurrentExecutions``: the concurrency limit minus every function's reserved
concurrency (https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html). The
default concurrency limit of a new account is 1,000 and the code storage quota 75 GB
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). The gateway in front
of moto (:mod:`sandbox.lambda_gateway`) answers the request with :func:`account_settings`, reading
the functions and their reserved concurrency from moto, so the answer follows what runbook
commands changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import quote

__all__ = ["ACCOUNT_SETTINGS_PATH", "CONCURRENCY_LIMIT", "account_settings"]

ACCOUNT_SETTINGS_PATH = re.compile(r"^/2016-08-19/account-settings/?(?:\?.*)?$")
CONCURRENCY_LIMIT = 1000
TOTAL_CODE_SIZE = 80_530_636_800
CODE_SIZE_UNZIPPED = 262_144_000
CODE_SIZE_ZIPPED = 52_428_800

Get = Callable[[str], tuple[int, bytes]]
"""``get(path)`` → (HTTP status, body) of a GET request to moto."""


def _functions(get: Get) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    marker = ""
    while True:
        status, body = get(
            "/2015-03-31/functions/" + (f"?Marker={quote(marker)}" if marker else "")
        )
        if status != 200:
            raise OSError(f"ListFunctions answered {status}")
        page = json.loads(body or b"{}")
        found.extend(page.get("Functions") or [])
        marker = str(page.get("NextMarker") or "")
        if not marker:
            return found


def account_settings(get: Get) -> bytes:
    """The GetAccountSettings response body for the functions moto holds now."""
    functions = _functions(get)
    reserved = 0
    for function in functions:
        status, body = get(
            f"/2019-09-30/functions/{quote(str(function['FunctionName']))}/concurrency"
        )
        if status == 200:
            reserved += int(json.loads(body or b"{}").get("ReservedConcurrentExecutions") or 0)
    code = sum(int(str(f.get("CodeSize") or 0)) for f in functions)
    return json.dumps(
        {
            "AccountLimit": {
                "TotalCodeSize": TOTAL_CODE_SIZE,
                "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
                "CodeSizeZipped": CODE_SIZE_ZIPPED,
                "ConcurrentExecutions": CONCURRENCY_LIMIT,
                "UnreservedConcurrentExecutions": CONCURRENCY_LIMIT - reserved,
            },
            "AccountUsage": {"TotalCodeSize": code, "FunctionCount": len(functions)},
        }
    ).encode()
