"""GetFunction names a reservation of 0, as AWS does (moto leaves it out)."""

from __future__ import annotations

import json
from collections.abc import Callable

from sandbox.lambda_function_view import GET_FUNCTION_PATH, with_concurrency

FUNCTION = json.dumps({"Configuration": {"FunctionName": "f"}}).encode()


def _moto(reserved: int | None) -> Callable[[str], tuple[int, bytes]]:
    def get(path: str) -> tuple[int, bytes]:
        assert path == "/2019-09-30/functions/f/concurrency"
        body = {} if reserved is None else {"ReservedConcurrentExecutions": reserved}
        return 200, json.dumps(body).encode()

    return get


def test_a_reservation_of_0_is_added_and_none_is_left_out() -> None:
    stopped = json.loads(with_concurrency("f", FUNCTION, _moto(0)))
    assert stopped["Concurrency"] == {"ReservedConcurrentExecutions": 0}
    assert with_concurrency("f", FUNCTION, _moto(None)) == FUNCTION
    kept = json.dumps({"Concurrency": {"ReservedConcurrentExecutions": 3}}).encode()
    assert with_concurrency("f", kept, _moto(0)) == kept


def test_only_get_function_paths_match() -> None:
    found = GET_FUNCTION_PATH.match("/2015-03-31/functions/f")
    assert found is not None and found.group(1) == "f"
    assert GET_FUNCTION_PATH.match("/2015-03-31/functions/f?Qualifier=%24LATEST")
    assert not GET_FUNCTION_PATH.match("/2015-03-31/functions/f/invocations")
    assert not GET_FUNCTION_PATH.match("/2015-03-31/functions/")
