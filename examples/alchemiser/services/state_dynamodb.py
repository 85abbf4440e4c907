"""The state store in DynamoDB: one table shared by every execution environment of every service.

On Lambda each execution environment is its own process, so anything kept in module globals is
seen by one environment only; two environments of the signal aggregator would each hold half the
partials. The services therefore keep cross-invocation state in a DynamoDB table (partition key
``pk``, a string), where every write below is a single atomic request:

- a **claim** is a conditional ``PutItem``: it succeeds only if no item has the key, or the item is
  a claim whose deadline has passed (``attribute_not_exists(pk) OR (...)``), so of two concurrent
  deliveries of one event exactly one gets it
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html);
  a failed condition is ``ConditionalCheckFailedException`` and writes nothing;
- a **fan-in part** is an ``UpdateItem`` that sets one attribute per member unless it is there
  (a copy of the same part, however delivered, changes nothing) and asks for
  ``ReturnValues=ALL_NEW``: the answer is the whole item after this write, strongly consistent, so
  the caller sees every part written before it without a second read
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html); when it
  is refused, ``ReturnValuesOnConditionCheckFailure=ALL_OLD`` returns the item as it is;
- a **close** is an ``UpdateItem`` conditioned on ``attribute_not_exists(completed)``: of two
  invocations that both saw the set complete, one closes it and publishes, the other is refused.

``expires_at`` (epoch seconds) is when a claim may be taken over, and a deployment enables the
table's TTL on it so old items go away
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from services.state_memory import Parts

KEY = "pk"
PART_PREFIX = "part_"
KEEP_S = 7 * 24 * 3600.0
"""How long a processed key or a fan-in is remembered (the table's TTL removes it after)."""
_CONDITION_FAILED = "ConditionalCheckFailedException"
_BATCH = 25  # BatchWriteItem's limit of requests per call


class StateTableError(RuntimeError):
    """The state table cannot be used (missing, or refused the request): says which and why."""


class DynamoBackend:
    """Claims, confirmations and fan-ins as single conditional requests on ``table``."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def _call(self, operation: str, **params: Any) -> dict[str, Any] | None:
        """``operation`` on the table; None when its condition failed, else the response."""
        done, response = self._attempt(operation, **params)
        return response if done else None

    def _attempt(self, operation: str, **params: Any) -> tuple[bool, dict[str, Any]]:
        """(True, the response), or (False, the error's body) when the condition failed."""
        try:
            response: dict[str, Any] = getattr(self.client, operation)(
                TableName=self.table, **params
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == _CONDITION_FAILED:
                return False, dict(error.response)
            message = error.response.get("Error", {}).get("Message", "")
            raise StateTableError(
                f"state table {self.table!r}: {operation} failed: {code}: {message}"
            ) from error
        return True, response

    def claim(self, pk: str, now: float, until: float) -> bool:
        done = self._call(
            "put_item",
            Item={KEY: {"S": pk}, "status": {"S": "in_progress"}, "expires_at": _n(until)},
            ConditionExpression=(
                "attribute_not_exists(pk) OR (#s = :in_progress AND expires_at < :now)"
            ),
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":in_progress": {"S": "in_progress"}, ":now": _n(now)},
        )
        return done is not None

    def confirm(self, pk: str, now: float) -> None:
        self._call(
            "put_item",
            Item={KEY: {"S": pk}, "status": {"S": "done"}, "expires_at": _n(now + KEEP_S)},
        )

    def release(self, pk: str) -> None:
        self._call("delete_item", Key={KEY: {"S": pk}})

    def add_part(self, pk: str, member: str, value: str, now: float) -> Parts:
        """Write ``member``'s part unless it is there already or the fan-in is closed.

        One request either way: on success ``ALL_NEW`` is the item after the write; when the
        condition fails, ``ReturnValuesOnConditionCheckFailure=ALL_OLD`` returns the item that
        made it fail, so the caller still learns every part and whether the fan-in is closed.
        """
        added, answer = self._attempt(
            "update_item",
            Key={KEY: {"S": pk}},
            UpdateExpression="SET #part = :value, expires_at = :keep",
            ConditionExpression="attribute_not_exists(completed) AND attribute_not_exists(#part)",
            ExpressionAttributeNames={"#part": PART_PREFIX + member},
            ExpressionAttributeValues={":value": {"S": value}, ":keep": _n(now + KEEP_S)},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        item: dict[str, Any] = answer.get("Attributes" if added else "Item") or {}
        parts = {
            name[len(PART_PREFIX) :]: str(value["S"])
            for name, value in item.items()
            if name.startswith(PART_PREFIX)
        }
        return Parts(parts, added=added, completed="completed" in item)

    def close(self, pk: str, token: str) -> bool:
        done = self._call(
            "update_item",
            Key={KEY: {"S": pk}},
            UpdateExpression="SET completed = :token",
            ConditionExpression="attribute_not_exists(completed)",
            ExpressionAttributeValues={":token": {"S": token}},
        )
        return done is not None

    def reopen(self, pk: str, token: str) -> None:
        self._call(
            "update_item",
            Key={KEY: {"S": pk}},
            UpdateExpression="REMOVE completed",
            ConditionExpression="completed = :token",
            ExpressionAttributeValues={":token": {"S": token}},
        )

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
