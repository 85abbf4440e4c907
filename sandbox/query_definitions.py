"""Saved Logs Insights queries: PutQueryDefinition, DescribeQueryDefinitions, DeleteQueryDefinition.

moto does not implement them, so ``obskit deploy`` could not save the generated queries in the
sandbox and ``obskit ready`` could not check them there. The sandbox keeps them as the API
reference documents:
- PutQueryDefinition (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutQueryDefinition.html):
  ``name`` 1 to 255 characters, ``queryString`` 1 to 10,000; without ``queryDefinitionId`` a new
  definition with a new ID (two definitions may share a name); with one, that definition's name,
  query and log groups are replaced by the request's (log groups left out become none), and an ID
  that does not exist is ``ResourceNotFoundException``.
- DescribeQueryDefinitions (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeQueryDefinitions.html):
  ``queryDefinitionNamePrefix``, ``maxResults`` 1 to 1,000 (default 1,000), ``nextToken`` pages.
- DeleteQueryDefinition (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteQueryDefinition.html):
  ``success: true``; an ID that does not exist is ``ResourceNotFoundException``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sandbox.logs_api import InsightsState, integer, invalid, not_found, text

MAX_NAME = 255
MAX_QUERY_CHARS = 10_000
MAX_RESULTS = 1000


def put_query_definition(state: InsightsState, params: dict[str, Any]) -> dict[str, Any]:
    name = text(params, "name", 1, MAX_NAME)
    query_string = text(params, "queryString", 1, MAX_QUERY_CHARS)
    groups = params.get("logGroupNames")
    if groups is not None and not (
        isinstance(groups, list) and all(isinstance(g, str) and g for g in groups)
    ):
        raise invalid("logGroupNames must be a list of log group names")
    definition_id = params.get("queryDefinitionId")
    if definition_id is not None and definition_id not in state.definitions:
        raise not_found(f"Query definition {definition_id} does not exist")
    definition_id = definition_id or str(uuid.uuid4())
    definition: dict[str, Any] = {
        "queryDefinitionId": definition_id,
        "name": name,
        "queryString": query_string,
        "lastModified": int(time.time() * 1000),
    }
    if groups:
        definition["logGroupNames"] = list(groups)
    if params.get("parameters"):
        definition["parameters"] = list(params["parameters"])
    state.definitions[definition_id] = definition
    return {"queryDefinitionId": definition_id}


def describe_query_definitions(state: InsightsState, params: dict[str, Any]) -> dict[str, Any]:
    prefix = text(params, "queryDefinitionNamePrefix", 1, MAX_NAME, needed=False) or ""
    limit = integer(params, "maxResults", 1, MAX_RESULTS) or MAX_RESULTS
    token = params.get("nextToken")
    if token is not None and not (isinstance(token, str) and token.isdigit()):
        raise invalid(f"nextToken {token!r} was not returned by this operation")
    start = int(token or 0)
    chosen = sorted(
        (d for d in state.definitions.values() if str(d["name"]).startswith(prefix)),
        key=lambda d: (d["name"], d["queryDefinitionId"]),
    )
    answer: dict[str, Any] = {"queryDefinitions": [dict(d) for d in chosen[start : start + limit]]}
    if start + limit < len(chosen):
        answer["nextToken"] = str(start + limit)
    return answer


def delete_query_definition(state: InsightsState, params: dict[str, Any]) -> dict[str, Any]:
    definition_id = text(params, "queryDefinitionId", 1, 256)
    if state.definitions.pop(definition_id, None) is None:
        raise not_found(f"Query definition {definition_id} does not exist")
    return {"success": True}
