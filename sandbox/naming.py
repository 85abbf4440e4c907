"""Names of what the sandbox adds to the catalog's resources (and nothing the catalog names)."""

from __future__ import annotations

import hashlib

#: SQS queue names: 1-80 characters (fifo queues end in ".fifo").
MAX_QUEUE_NAME = 80


def _fit(name: str) -> str:
    if len(name) <= MAX_QUEUE_NAME:
        return name
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return name[: MAX_QUEUE_NAME - 9] + "-" + digest


def delivery_queue(function_name: str) -> str:
    """The queue standing in for Lambda's internal async-invoke queue of ``function_name``."""
    return _fit(f"{function_name}-async-invoke")


def observer_queue(topic_name: str) -> str:
    """The queue subscribed to a topic so its notifications can be read back."""
    return _fit(f"{topic_name}-observer")


def rule_target_id(service_or_queue: str) -> str:
    """EventBridge target Id: 1-64 of [.-_A-Za-z0-9]."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "-" for c in service_or_queue)
    return cleaned[:64]
