"""Predictable names: ``<system>-<stage>-<resource>-<what>`` for alarms, dashboards and ARNs.

Names are what operators search for, what the runbook anchors on and what deploy/diff use to tell
ours from others', so they are derived from the catalog in one place and never invented elsewhere.
"""

from __future__ import annotations

import re

ACCOUNT = "${AWS::AccountId}"
"""Placeholder for the account id; CloudFormation's Fn::Sub resolves it, so does deploy."""
REGION = "${AWS::Region}"
"""Placeholder for the region; resolved like ``ACCOUNT``."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def prefix(system: str, stage: str) -> str:
    return f"{system}-{stage}"


def resource_slug(system: str, stage: str, resource: str) -> str:
    """A resource's short name: ``alchemiser-dev-execution-dlq.fifo`` → ``execution-dlq``."""
    slug = resource.removesuffix(".fifo")
    slug = slug.removeprefix(f"{prefix(system, stage)}-")
    return _UNSAFE.sub("-", slug).strip("-") or "resource"


def alarm_name(system: str, stage: str, resource: str, what: str) -> str:
    return f"{prefix(system, stage)}-{resource_slug(system, stage, resource)}-{what}"


def event_resource(event_type: str) -> str:
    """An event type as an alarm's resource: ``SignalGenerated`` → ``event-signal-generated``
    (kebab case, like every other alarm name)."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", event_type)
    return f"event-{_UNSAFE.sub('-', words).strip('-').lower() or 'event'}"


def log_group_resource(log_group: str) -> str:
    """A log group as a resource: ``/aws/lambda/alchemiser-dev-portfolio`` → the function's name,
    any other group with its slashes as dashes (``resource_slug`` then drops the
    ``<system>-<stage>-`` prefix: ``/alchemiser/dev/shared`` → ``shared``)."""
    return _UNSAFE.sub("-", log_group.removeprefix("/aws/lambda/")).strip("-") or "logs"


def alarm_arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def topic_arn(topic: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic}"


def runbook_link(runbook_url: str, name: str) -> str:
    return f"{runbook_url.split('#', 1)[0]}#{name}"


def resolve_placeholders(text: str, account_id: str, region: str) -> str:
    """Replace the account/region placeholders the way CloudFormation's Fn::Sub would."""
    return text.replace(ACCOUNT, account_id).replace(REGION, region)
