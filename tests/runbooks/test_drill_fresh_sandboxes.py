"""Each drill starts on a system just set up and never used, whether the runner set it up again
or restored the state it saved after setting it up once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalog import Catalog, load_catalog
from runbooks.drills.runner import FreshSandboxes
from sandbox.aws import client_for
from sandbox.moto_server import MotoServer
from sandbox.session import Sandbox


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def server() -> Iterator[MotoServer]:
    with MotoServer() as running:
        yield running


def _state(box: Sandbox) -> tuple[dict[str, str], dict[str, str], int]:
    """Alarm states, queue depths, functions: what a used system would show differently."""
    alarms = {
        a["AlarmName"]: a["StateValue"]
        for page in box.clients.cloudwatch.get_paginator("describe_alarms").paginate()
        for a in page["MetricAlarms"]
    }
    depths = {}
    for url in box.clients.sqs.list_queues()["QueueUrls"]:
        attrs = box.clients.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        depths[url.rsplit("/", 1)[-1]] = attrs["ApproximateNumberOfMessages"]
    functions = client_for("lambda", box.endpoint_url, box.catalog.region).list_functions()
    return alarms, depths, len(functions["Functions"])


def test_later_sandboxes_start_from_the_saved_set_up_state(
    catalog: Catalog, server: MotoServer
) -> None:
    sandboxes = FreshSandboxes(catalog, server)
    first = sandboxes.open()
    try:
        clean = _state(first)
        assert clean[2] == len(catalog.services)  # functions created before the snapshot
        assert first.monitoring is not None
        assert set(clean[0]) == {spec.name for spec in first.monitoring.specs}
        first.inject_fault("strategy-worker", "crash")
        first.run_workflows(2)
        first.advance(900)
        first.clients.sqs.create_queue(QueueName="left-behind")
        used = _state(first)
        assert used != clean
    finally:
        first.stop()

    second = sandboxes.open()
    try:
        assert second.setup is first.setup  # nothing created again
        assert _state(second) == clean
        assert second.run_workflows(1).completed == 1  # and it works
    finally:
        second.stop()


def test_on_someone_elses_endpoint_every_sandbox_sets_itself_up(
    catalog: Catalog, server: MotoServer
) -> None:
    sandboxes = FreshSandboxes(catalog, None, server.endpoint_url)
    first = sandboxes.open()
    first.stop()
    second = sandboxes.open()
    try:
        assert second.setup is not first.setup
        mirror = sandboxes.mirror(second)  # the functions are created when a drill needs them
        assert mirror.client is not None
        assert _state(second)[2] == len(catalog.services)
    finally:
        second.stop()
