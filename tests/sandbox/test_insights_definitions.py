"""Saved query definitions in the sandbox (moto has none): put, describe, update, delete, and the
state's life with the server (reset forgets it, snapshot / restore keeps it)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sandbox.moto_server import MotoServer


@pytest.fixture
def logs(aws_endpoint: str) -> Any:
    return boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")


def _names(logs: Any, **kwargs: Any) -> list[str]:
    page = logs.describe_query_definitions(**kwargs)
    return [d["name"] for d in page["queryDefinitions"]]


def test_put_describe_update_delete(logs: Any) -> None:
    first = logs.put_query_definition(
        name="shop/errors/by-service", queryString="stats count(*) by @log", logGroupNames=["/a"]
    )["queryDefinitionId"]
    logs.put_query_definition(name="shop/trace/id", queryString="fields @message")
    logs.put_query_definition(name="other/x", queryString="fields @message")
    assert _names(logs) == ["other/x", "shop/errors/by-service", "shop/trace/id"]
    assert _names(logs, queryDefinitionNamePrefix="shop/") == [
        "shop/errors/by-service",
        "shop/trace/id",
    ]
    (stored,) = [
        d
        for d in logs.describe_query_definitions()["queryDefinitions"]
        if d["queryDefinitionId"] == first
    ]
    assert stored["logGroupNames"] == ["/a"] and stored["queryString"] == "stats count(*) by @log"

    # an update replaces name, query and groups; groups left out become none
    logs.put_query_definition(
        queryDefinitionId=first, name="shop/errors/renamed", queryString="fields @log"
    )
    (updated,) = [
        d
        for d in logs.describe_query_definitions()["queryDefinitions"]
        if d["queryDefinitionId"] == first
    ]
    assert (updated["name"], updated["queryString"]) == ("shop/errors/renamed", "fields @log")
    assert "logGroupNames" not in updated

    assert logs.delete_query_definition(queryDefinitionId=first)["success"] is True
    assert "shop/errors/renamed" not in _names(logs)


def test_pages_of_definitions(logs: Any) -> None:
    for index in range(5):
        logs.put_query_definition(name=f"q/{index}", queryString="fields @message")
    seen: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"maxResults": 2}
        if token:
            kwargs["nextToken"] = token
        page = logs.describe_query_definitions(**kwargs)
        seen += [d["name"] for d in page["queryDefinitions"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == [f"q/{i}" for i in range(5)]


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_documented_errors(logs: Any) -> None:
    assert _code(lambda: logs.delete_query_definition(queryDefinitionId="nope")) == (
        "ResourceNotFoundException"
    )
    assert _code(
        lambda: logs.put_query_definition(
            queryDefinitionId="nope", name="x", queryString="fields @message"
        )
    ) == ("ResourceNotFoundException")
    too_long = "x" * 256
    assert _code(lambda: logs.put_query_definition(name=too_long, queryString="fields a")) == (
        "InvalidParameterException"
    )
    assert _code(lambda: logs.describe_query_definitions(nextToken="garbage")) == (
        "InvalidParameterException"
    )


def test_reset_forgets_and_restore_brings_back(moto_server: MotoServer, logs: Any) -> None:
    logs.put_query_definition(name="kept/one", queryString="fields @message")
    moto_server.snapshot()
    logs.put_query_definition(name="later/two", queryString="fields @message")
    moto_server.restore()
    assert _names(logs) == ["kept/one"]
    moto_server.reset()
    assert _names(logs) == []
