"""A rule whose delivery is broken keeps its targets, as on AWS; moto_server just stops delivering.

When a rule's target fails on AWS (a deleted function, a missing permission, a throttle), the rule
and its targets are unchanged (EventBridge retries the delivery, then sends the event to the
target's DLQ; nothing removes the target:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html): ``aws events list-targets-by-rule`` still lists them, with their
retry policy and DLQ, and that is the first thing a runbook's diagnosis reads. The sandbox
delivers to a failing rule's targets itself (retries, DLQ, :mod:`sandbox.eventbridge_delivery`),
so moto_server must not deliver to them too. It used to remove the targets from moto for the
fault's duration, which made that diagnosis step show a rule with no target, something AWS
never shows for this fault.

Now moto_server holds the rule's delivery instead: ``POST /obskit-api/rule-delivery`` with
``{"account", "region", "bus", "rule", "failing": true|false}`` marks moto's rule object, and
moto's ``Rule.send_to_targets`` skips a marked rule (:func:`hold_failing_rules`, installed in
``sandbox.moto_server.main``). The mark lives on moto's own object, so a snapshot keeps it and a
reset forgets it with the rule. Against a moto_server without the route the sandbox falls back to
removing the targets (:func:`set_failing` returns False).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

RULE_DELIVERY_PATH = "/obskit-api/rule-delivery"
_MARK = "obskit_delivery_failing"


def held(rule: Any) -> bool:
    """Whether moto's ``rule`` object is marked failing (its delivery held)."""
    return bool(getattr(rule, _MARK, False))


def hold_failing_rules() -> list[str]:
    """Make moto's ``Rule.send_to_targets`` skip rules marked failing (server side)."""
    from moto.events.models import Rule

    original = Rule.send_to_targets
    if getattr(original, "_obskit_holds_failing", False):
        return []

    def send_to_targets(self: Any, *args: Any, **kwargs: Any) -> None:
        if held(self):
            return None
        return original(self, *args, **kwargs)

    send_to_targets._obskit_holds_failing = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
    return ["moto.events.models.Rule.send_to_targets"]


def mark(params: dict[str, Any]) -> dict[str, Any]:
    """Server side of the route: mark or unmark one rule; KeyError/ValueError for a bad body."""
    from moto.events.models import events_backends

    backend = events_backends[str(params["account"])][str(params["region"])]
    rule = backend.describe_rule(str(params["rule"]), str(params["bus"]))
    failing = bool(params["failing"])
    setattr(rule, _MARK, failing)
    return {"rule": rule.name, "failing": failing}


def set_failing(
    endpoint_url: str, *, account: str, region: str, bus: str, rule: str, failing: bool
) -> bool:
    """Client side: tell the server to hold (or resume) ``rule``'s delivery. False when the
    server has no such route (not the sandbox's moto_server)."""
    body = {"account": account, "region": region, "bus": bus, "rule": rule, "failing": failing}
    request = urllib.request.Request(
        endpoint_url.rstrip("/") + RULE_DELIVERY_PATH,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30):
            return True
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise
