"""moto_server keeps SQS event source mappings as records; the sandbox's poller runs them.

On AWS an SQS event source mapping is what ``aws lambda list-event-source-mappings`` lists, and
what polls the queue (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). The sandbox
polls the catalog's queues itself (:mod:`sandbox.sqs_poller`: batches, batching window, partial
batch responses, scaling, throttles), and registers each mapping in moto only so that runbook
commands see it (:func:`sandbox.lambda_mirror.map_event_sources`).

moto would also act on such a mapping: its SQS queue invokes the function with a batch on every
SendMessage (and deletes the batch, or makes it visible again). Its function is a stub it would
run in Docker, and the messages are the sandbox poller's to take. So in the server process a new
SQS mapping is detached from its queue: moto's Lambda backend still holds it (list, get, update,
delete answer as before), and no SendMessage triggers it.
"""

from __future__ import annotations

from typing import Any


def keep_sqs_mappings_idle() -> list[str]:
    """Patch moto's ``LambdaBackend.create_event_source_mapping`` to detach an SQS mapping from
    its queue; returns what it replaced (nothing when moto's internals moved)."""
    try:
        from moto.awslambda.models import LambdaBackend
        from moto.sqs.models import sqs_backends
    except ImportError:
        return []
    original = getattr(LambdaBackend, "create_event_source_mapping", None)
    if not callable(original) or getattr(original, "_obskit_idle", False):
        return []

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        mapping = original(self, spec)
        source = str(getattr(mapping, "event_source_arn", ""))
        if source.startswith("arn:aws:sqs:"):
            backend = sqs_backends[self.account_id][self.region_name]
            for queue in backend.queues.values():
                if queue.queue_arn == source:
                    queue.lambda_event_source_mappings.pop(mapping.function_arn, None)
        return mapping

    create_event_source_mapping._obskit_idle = True  # type: ignore[attr-defined]
    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]
    return ["moto.awslambda.models.LambdaBackend.create_event_source_mapping (sqs)"]
