"""The handler package's state tables: created on the sandbox's endpoint, used, emptied.

The example services keep idempotency claims and fan-in parts in DynamoDB (what every execution
environment shares on AWS); the sandbox creates the tables the package's ``state.tables()`` lists
and hands it a client on moto (``state.set_client``), so the state a run leaves is in moto.
"""

from __future__ import annotations

import types

import pytest

from sandbox.errors import SandboxError
from sandbox.session import Sandbox
from sandbox.state_tables import TableSpec, connect, dynamodb_client, table_specs


def _items(sandbox: Sandbox, table: str) -> list[str]:
    client = dynamodb_client(sandbox.clients.endpoint_url, sandbox.clients.region)
    return sorted(item["pk"]["S"] for item in client.scan(TableName=table)["Items"])


def test_a_run_keeps_its_claims_and_fan_ins_in_the_packages_table(sandbox: Sandbox) -> None:
    counts = sandbox.run_workflows(1, spacing_s=0.0)
    assert counts.completed == 1
    keys = _items(sandbox, "alchemiser-dev-state")
    assert any(k.startswith("signal-aggregator#fanin#") for k in keys)
    assert any(k.startswith("trade-aggregator#fanin#") for k in keys)
    assert any(k.startswith("notifications#event#") for k in keys)


def test_a_new_sandbox_on_the_endpoint_starts_with_an_empty_table(sandbox: Sandbox) -> None:
    sandbox.run_workflows(1, spacing_s=0.0)
    endpoint = sandbox.endpoint_url
    sandbox.stop()
    with Sandbox.start(endpoint_url=endpoint, setup=sandbox.setup) as again:
        assert _items(again, "alchemiser-dev-state") == []


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ({"name": "t"}, r"pkg\.state\.tables\(\): must return a list"),
        (["t"], r"pkg\.state\.tables\(\)\[0\]: must be a mapping"),
        ([{"name": "t", "key": ""}], r"pkg\.state\.tables\(\)\[0\]\.key: must be a non-empty"),
        ([{"key": "pk"}], r"pkg\.state\.tables\(\)\[0\]\.name: must be a non-empty"),
    ],
)
def test_a_bad_table_list_is_one_line_naming_the_entry_and_field(
    listed: object, message: str
) -> None:
    with pytest.raises(SandboxError, match=message):
        table_specs("pkg", listed)


def test_table_specs_reads_each_entry() -> None:
    assert table_specs("pkg", [{"name": "a", "key": "pk"}]) == [TableSpec("a", "pk")]


def test_a_package_without_the_hooks_is_left_alone() -> None:
    assert connect("pkg", types.ModuleType("pkg.state"), "http://127.0.0.1:1", "us-east-1") is None
    assert connect("pkg", None, "http://127.0.0.1:1", "us-east-1") is None
