"""Lambda's GetFunction as AWS answers it for a function whose reserved concurrency is 0.

GetFunction returns ``Concurrency.ReservedConcurrentExecutions`` whenever a reservation is set
(https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html), 0 included: that is the
emergency stop a throttled runbook looks for and undoes. moto leaves ``Concurrency`` out when the
reservation is 0 (it tests the value for truth), so a runbook that restored the wrong function
would look restored. The gateway in front of moto (:mod:`sandbox.lambda_gateway`) adds it from
moto's GetFunctionConcurrency, which does answer 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

__all__ = ["GET_FUNCTION_PATH", "with_concurrency"]

GET_FUNCTION_PATH = re.compile(r"^/2015-03-31/functions/([^/?]+)/?(?:\?.*)?$")

Get = Callable[[str], tuple[int, bytes]]
"""``get(path)`` → (HTTP status, body) of a GET request to moto."""


def with_concurrency(function: str, payload: bytes, get: Get) -> bytes:
    """GetFunction's ``payload`` with ``Concurrency`` added where moto left out a reservation."""
    try:
        answer = json.loads(payload or b"{}")
    except ValueError:
        return payload
    if not isinstance(answer, dict) or "Concurrency" in answer:
        return payload
    status, body = get(f"/2019-09-30/functions/{function}/concurrency")
    if status != 200:
        return payload
    reserved = json.loads(body or b"{}").get("ReservedConcurrentExecutions")
    if reserved is None:
        return payload
    answer["Concurrency"] = {"ReservedConcurrentExecutions": int(reserved)}
    return json.dumps(answer).encode()
