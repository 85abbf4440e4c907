"""moto_server made cheaper per request must answer as before: DynamoDB expressions parsed once
per text still apply each request's own values and names, and a connection kept open between
requests carries every answer whole, in order, whatever the request's framing."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox.moto_speedups import memoize_dynamodb_expressions

TABLE = "state"
PART = "SET #part = :value, expires_at = :keep"
OPEN = "attribute_not_exists(completed) AND attribute_not_exists(#part)"


@pytest.fixture
def dynamodb(aws_endpoint: str) -> Iterator[Any]:
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield client


def _add_part(client: Any, pk: str, member: str, value: str, keep: str) -> dict[str, Any]:
    answer: dict[str, Any] = client.update_item(
        TableName=TABLE,
        Key={"pk": {"S": pk}},
        UpdateExpression=PART,
        ConditionExpression=OPEN,
        ExpressionAttributeNames={"#part": f"part_{member}"},
        ExpressionAttributeValues={":value": {"S": value}, ":keep": {"N": keep}},
        ReturnValues="ALL_NEW",
    )
    return answer["Attributes"]


def test_a_cached_update_expression_applies_each_requests_values_and_names(dynamodb: Any) -> None:
    first = _add_part(dynamodb, "fan-1", "a", "alpha", "10")
    second = _add_part(dynamodb, "fan-1", "b", "beta", "20")  # same texts, other values
    other = _add_part(dynamodb, "fan-2", "a", "gamma", "30")
    assert first == {"pk": {"S": "fan-1"}, "part_a": {"S": "alpha"}, "expires_at": {"N": "10"}}
    assert second == {
        "pk": {"S": "fan-1"},
        "part_a": {"S": "alpha"},
        "part_b": {"S": "beta"},
        "expires_at": {"N": "20"},
    }
    assert other == {"pk": {"S": "fan-2"}, "part_a": {"S": "gamma"}, "expires_at": {"N": "30"}}


def test_a_cached_condition_is_judged_against_each_requests_values(dynamodb: Any) -> None:
    _add_part(dynamodb, "fan-1", "a", "alpha", "10")
    with pytest.raises(ClientError) as refused:  # the same part again: the condition fails
        _add_part(dynamodb, "fan-1", "a", "other", "11")
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    claim = "attribute_not_exists(pk) OR (#s = :in_progress AND expires_at < :now)"

    def take(pk: str, now: str) -> bool:
        try:
            dynamodb.put_item(
                TableName=TABLE,
                Item={"pk": {"S": pk}, "status": {"S": "in_progress"}, "expires_at": {"N": "100"}},
                ConditionExpression=claim,
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":in_progress": {"S": "in_progress"},
                    ":now": {"N": now},
                },
            )
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False
        return True

    assert take("claim-1", "50")  # no item yet
    assert not take("claim-1", "50")  # claimed, deadline 100 not passed
    assert take("claim-1", "150")  # same text, a later :now: the claim has expired
    unread = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "fan-1"}})["Item"]
    assert unread["part_a"] == {"S": "alpha"}  # the refused write changed nothing


def test_an_expression_moto_refuses_is_refused_every_time(dynamodb: Any) -> None:
    for _ in range(2):  # a failed parse is never cached as an answer
        with pytest.raises(ClientError) as refused:
            dynamodb.update_item(
                TableName=TABLE,
                Key={"pk": {"S": "x"}},
                UpdateExpression="SET = :v",
                ExpressionAttributeValues={":v": {"S": "v"}},
            )
        assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_the_cached_parsers_are_moto_s_own_answers_in_process() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    lexed = list(ConditionExpressionParser(OPEN, None, None)._lex_condition_expression())
    made = UpdateExpressionParser.make(PART)
    done = memoize_dynamodb_expressions()
    assert len(done) == 2
    again = ConditionExpressionParser(OPEN, None, None)._lex_condition_expression()
    assert list(again) == lexed
    again.clear()  # the caller may consume its deque: the next caller still gets every node
    assert list(ConditionExpressionParser(OPEN, None, None)._lex_condition_expression()) == lexed
    cached = UpdateExpressionParser.make(PART)
    assert _shape(cached) == _shape(made)
    assert UpdateExpressionParser.make(PART) is cached


def _shape(node: Any) -> Any:
    """An expression tree as nested tuples of node types and leaf values (comparable)."""
    children = getattr(node, "children", None)
    if isinstance(children, list | tuple):
        return (type(node).__name__, tuple(_shape(child) for child in children))
    return (type(node).__name__, node if isinstance(node, str | int | float) else repr(children))


# --- connections kept open -------------------------------------------------------------------


def _host_port(endpoint: str) -> tuple[str, int]:
    host, port = endpoint.removeprefix("http://").split(":")
    return host, int(port)


def test_one_connection_carries_many_requests_in_order(aws_endpoint: str) -> None:
    connection = http.client.HTTPConnection(*_host_port(aws_endpoint), timeout=10)
    try:
        for index in range(3):
            body = json.dumps({"QueueName": f"q{index}"})
            connection.request(
                "POST",
                "/",
                body=body,
                headers={
                    "X-Amz-Target": "AmazonSQS.CreateQueue",
                    "Content-Type": "application/x-amz-json-1.0",
                    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20200101/"
                    "us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=x",
                },
            )
            answer = connection.getresponse()
            payload = json.loads(answer.read())
            assert answer.status == 200
            assert payload["QueueUrl"].endswith(f"/q{index}")
            assert answer.getheader("Connection") != "close"
            assert int(answer.getheader("Content-Length") or -1) > 0
    finally:
        connection.close()


def test_a_chunked_request_is_answered_and_the_connection_closed(aws_endpoint: str) -> None:
    host, port = _host_port(aws_endpoint)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /moto-api/reset HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0\r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(65536):  # werkzeug answers, then closes: recv ends
            received += chunk
    assert received.startswith(b"HTTP/1.1 200")
    assert b"connection: close" in received.lower()


def test_a_client_asking_to_close_gets_its_connection_closed(aws_endpoint: str) -> None:
    host, port = _host_port(aws_endpoint)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET /moto-api/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    assert len(body) == length


def test_a_body_sent_with_its_length_is_read_whole_before_the_next_request(
    aws_endpoint: str,
) -> None:
    host, port = _host_port(aws_endpoint)
    auth = (
        "AWS4-HMAC-SHA256 Credential=testing/20200101/us-east-1/sqs/aws4_request, "
        "SignedHeaders=host, Signature=x"
    )
    requests = b""
    for name in ("one", "two"):
        body = json.dumps({"QueueName": name}).encode()
        requests += (
            f"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonSQS.CreateQueue\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nAuthorization: {auth}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(requests)  # both at once (pipelined): neither may swallow the other
        reader = sock.makefile("rb")
        for name in ("one", "two"):
            status = reader.readline()
            assert status.startswith(b"HTTP/1.1 200"), status
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            assert json.loads(reader.read(length))["QueueUrl"].endswith(f"/{name}")


def test_each_request_is_routed_to_its_own_operation(aws_endpoint: str) -> None:
    """One client, one kept connection, a different operation each request: moto's operation
    lookup, made once per request, never answers with the previous request's operation."""
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, region_name="us-east-1")
    url = sqs.create_queue(QueueName="routed")["QueueUrl"]
    assert sqs.get_queue_url(QueueName="routed")["QueueUrl"] == url
    sqs.send_message(QueueUrl=url, MessageBody="one")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "1"
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["one"]
    assert sqs.list_queues()["QueueUrls"] == [url]


def test_items_of_every_attribute_type_come_back_as_written(dynamodb: Any) -> None:
    """Strings and numbers are written without moto's per-member walk; everything else (and
    strings nested in maps and lists) must still come back exactly as stored."""
    item = {
        "pk": {"S": "all-types"},
        "count": {"N": "42.5"},
        "empty": {"S": ""},
        "flag": {"BOOL": False},
        "nothing": {"NULL": True},
        "blob": {"B": b"\x00\xffbytes"},
        "names": {"SS": ["a", "b"]},
        "numbers": {"NS": ["1", "2"]},
        "nested": {"M": {"inner": {"S": "deep"}, "list": {"L": [{"N": "1"}, {"S": "x"}]}}},
    }
    dynamodb.put_item(TableName=TABLE, Item=item)
    got = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "all-types"}})["Item"]
    assert {k: v for k, v in got.items() if k not in ("names", "numbers")} == {
        k: v for k, v in item.items() if k not in ("names", "numbers")
    }
    assert sorted(got["names"]["SS"]) == ["a", "b"]
    assert sorted(got["numbers"]["NS"]) == ["1", "2"]
    updated = dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "all-types"}},
        UpdateExpression="SET #c = :c",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":c": {"N": "7"}},
        ReturnValues="UPDATED_NEW",
    )
    assert updated["Attributes"] == {"count": {"N": "7"}}
