"""A replay started at the sandbox's endpoint runs on the sandbox's clock and brings events back
to the sandbox's handlers, accounted like any delivery."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox import Sandbox

pytestmark = pytest.mark.slow

BUS = "alchemiser-trading-events-dev"
RULE = "alchemiser-dev-to-portfolio"


def test_dropped_events_come_back_from_a_replay_on_simulated_time(sandbox: Sandbox) -> None:
    began = sandbox.clock.now()
    sandbox.inject_fault("portfolio", "crash")
    sandbox.run_workflows(1)  # Lambda retries twice, then drops the event (no on-failure DLQ)
    assert sandbox.workflow_counts().completed == 0
    sandbox.clear_faults()
    fixed = sandbox.clock.now()
    sandbox.advance(600)  # the wait the runbook asks for: the archive now holds the events
    events = sandbox.clients.events
    archive = events.list_archives(NamePrefix=BUS[:40])["Archives"][0]["ArchiveName"]
    events.start_replay(
        ReplayName="incident",
        EventSourceArn=events.describe_archive(ArchiveName=archive)["ArchiveArn"],
        EventStartTime=datetime.fromtimestamp(began, tz=UTC),
        EventEndTime=datetime.fromtimestamp(fixed, tz=UTC),
        Destination={
            "Arn": events.describe_event_bus(Name=BUS)["Arn"],
            "FilterArns": [events.describe_rule(Name=RULE, EventBusName=BUS)["Arn"]],
        },
    )
    assert not sandbox.idle()  # a replay under way holds the sandbox, like a retry
    sandbox.settle(600)
    assert events.describe_replay(ReplayName="incident")["State"] == "COMPLETED"
    assert sandbox.deliveries.replayed >= 1
    assert sandbox.workflow_counts().completed == 1
    dims = {"EventBusName": BUS, "RuleName": RULE}
    assert sandbox.metrics.total("AWS/Events", "Invocations", dims) >= 2
