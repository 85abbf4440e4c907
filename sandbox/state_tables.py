"""The handler package's state tables, created on the sandbox's endpoint and handed over.

Handlers that keep cross-invocation state (idempotency claims, fan-in parts) keep it where every
execution environment sees it: on AWS a DynamoDB table, here the same table in moto. A package
declares its tables with the ``state.tables()`` hook (``[{"name": ..., "key": ...}]``: a table
with one string partition key); at start the sandbox creates the missing ones (on-demand
capacity) and hands the package one DynamoDB client on its endpoint with ``state.set_client``
(``None`` at stop), before ``state.reset_all`` empties them. A package without the hooks keeps
its state however it likes. Table names come from the package (a deployment sets its own).

CreateTable: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sandbox.aws import client_for
from sandbox.errors import SandboxError

_clients: dict[tuple[str, str], Any] = {}
"""One DynamoDB client per (endpoint, region) in the process, reused by every sandbox."""


@dataclass(frozen=True)
class TableSpec:
    """A table a handler package needs: its name and its string partition key."""

    name: str
    key: str


def _hook(module: ModuleType | None, name: str) -> Callable[..., Any] | None:
    found = getattr(module, name, None) if module is not None else None
    return found if callable(found) else None


def table_specs(package: str, listed: object) -> list[TableSpec]:
    """``state.tables()``'s answer, checked: a clear error names the entry and field at fault."""
    where = f"{package}.state.tables()"
    if not isinstance(listed, list | tuple):
        raise SandboxError(f"{where}: must return a list of {{name, key}}, got {listed!r}")
    specs = []
    for index, entry in enumerate(listed):
        if not isinstance(entry, Mapping):
            raise SandboxError(f"{where}[{index}]: must be a mapping with name and key")
        values = []
        for field in ("name", "key"):
            value = entry.get(field)
            if not isinstance(value, str) or not value:
                raise SandboxError(
                    f"{where}[{index}].{field}: must be a non-empty string, got {value!r}"
                )
            values.append(value)
        specs.append(TableSpec(*values))
    return specs


def dynamodb_client(endpoint_url: str, region: str) -> Any:
    client = _clients.get((endpoint_url, region))
    if client is None:
        client = _clients[(endpoint_url, region)] = client_for("dynamodb", endpoint_url, region)
    return client


def ensure_tables(client: Any, specs: list[TableSpec]) -> None:
    """Create the tables that do not exist yet (one ListTables when they all do)."""
    existing: set[str] = set()
    for page in client.get_paginator("list_tables").paginate():
        existing.update(page.get("TableNames", []))
    for spec in specs:
        if spec.name in existing:
            continue
        client.create_table(
            TableName=spec.name,
            AttributeDefinitions=[{"AttributeName": spec.key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": spec.key, "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )


def connect(package: str, state: ModuleType | None, endpoint_url: str, region: str) -> Any:
    """Create the package's tables and give it a client; None if it has no such hooks.

    Returns the client, which every execution environment's copy of ``state`` gets too.
    """
    tables, set_client = _hook(state, "tables"), _hook(state, "set_client")
    if tables is None or set_client is None:
        return None
    client = dynamodb_client(endpoint_url, region)
    ensure_tables(client, table_specs(package, tables()))
    set_client(client)
    return client
