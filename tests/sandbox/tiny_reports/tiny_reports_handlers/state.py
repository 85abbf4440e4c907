"""Which events each handler has handled: claims every execution environment sees.

On Lambda each execution environment is its own process, so the keys of handled events live
outside it: in the sandbox a DynamoDB table on its endpoint (the ``tables`` / ``set_client`` /
``reset_all`` hooks), without a client a set in this process. A claim is a conditional
``PutItem`` on a key not yet there, so of two concurrent deliveries of one event exactly one gets
it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html);
a handler that fails releases its claim, so the retry Lambda makes is not taken for a duplicate.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

TABLE = "tinyreports-handled-events"
KEY = "pk"

_client: Any = None
_claimed: set[str] = set()


def tables() -> list[dict[str, str]]:
    return [{"name": TABLE, "key": KEY}]


def set_client(client: Any) -> None:
    global _client
    _client = client


def reset_all() -> None:
    """Forget every claim (between two sandbox runs)."""
    _claimed.clear()
    if _client is None:
        return
    for page in _client.get_paginator("scan").paginate(TableName=TABLE):
        for item in page.get("Items", []):
            _client.delete_item(TableName=TABLE, Key={KEY: item[KEY]})


def claim(key: str) -> bool:
    """True if this invocation now holds ``key``; False if another already did."""
    if _client is None:
        if key in _claimed:
            return False
        _claimed.add(key)
        return True
    try:
        _client.put_item(
            TableName=TABLE,
            Item={KEY: {"S": key}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def release(key: str) -> None:
    """Give ``key`` up (its handler failed: the retry must handle it)."""
    _claimed.discard(key)
    if _client is not None:
        _client.delete_item(TableName=TABLE, Key={KEY: {"S": key}})
