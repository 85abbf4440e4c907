"""Claims in DynamoDB: one table shared by every execution environment of every handler.

On Lambda each execution environment is its own process and several run at once, so the keys
of handled events must live outside the process. A claim is a conditional ``PutItem`` that
succeeds only if no item has the key, or the item is a claim whose deadline has passed; of two
concurrent deliveries of one event exactly one gets it, the other gets
``ConditionalCheckFailedException`` and nothing is written
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
``expires_at`` (epoch seconds) is the table's TTL attribute in a deployment
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

KEY = "pk"
KEEP_S = 7 * 24 * 3600.0
"""How long a handled key is remembered (the table's TTL removes it after)."""
_BATCH = 25  # BatchWriteItem's limit of requests per call


class StateTableError(RuntimeError):
    """The state table cannot be used (missing, or refused the request): says which and why."""


class DynamoClaims:
    """Claims, confirmations and releases as single requests on ``table``."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def _call(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """``operation`` on the table; None when its condition failed, else the response."""
        try:
            response: dict[str, Any] = getattr(self.client, operation)(
                TableName=self.table, **params
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                return None
            message = error.response.get("Error", {}).get("Message", "")
            raise StateTableError(
                f"state table {self.table!r}: {operation} failed: {code}: {message}"
            ) from error
        return response

    def claim(self, key: str, now: float, until: float) -> bool:
        done = self._call(
            "put_item",
            Item={KEY: {"S": key}, "status": {"S": "in_progress"}, "expires_at": _n(until)},
            ConditionExpression=(
                "attribute_not_exists(pk) OR (#s = :in_progress AND expires_at < :now)"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":in_progress": {"S": "in_progress"}, ":now": _n(now)},
        )
        return done is not None

    def confirm(self, key: str, now: float) -> None:
        self._call(
            "put_item",
            Item={KEY: {"S": key}, "status": {"S": "done"}, "expires_at": _n(now + KEEP_S)},
        )

    def release(self, key: str) -> None:
        self._call("delete_item", Key={KEY: {"S": key}})

    def clear(self) -> None:
        """Delete every item (a sandbox or test starting clean; never called when deployed)."""
        keys: list[dict[str, Any]] = []
        params: dict[str, Any] = {"ProjectionExpression": KEY}
        while True:
            page = self._call("scan", **params) or {}
            keys.extend({KEY: item[KEY]} for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        for start in range(0, len(keys), _BATCH):
            requests = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH]]
            pending: dict[str, Any] = {self.table: requests}
            while pending:
                answer = self.client.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}


def _n(value: float) -> dict[str, str]:
    return {"N": f"{value:.3f}"}
