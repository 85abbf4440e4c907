"""Keep moto_server from calling out of the machine when a topic has an HTTP/S subscription.

moto delivers each notification to an ``http`` / ``https`` subscription itself, with a POST to
the endpoint, and answers the Publish with a 500 when that POST cannot connect. On AWS a failed
delivery never fails the Publish: SNS accepted the message and retries the delivery under the
subscription's delivery policy, then discards it or moves it to the subscription's DLQ
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html). The sandbox models
those deliveries itself (``sandbox.sns_delivery``), and a runbook step that subscribes a
catalog's webhook again (or a replay that publishes to its topic) must not fail on an address
this machine cannot reach. So moto's HTTP/S deliveries are skipped, and so are its deliveries to
a Lambda subscriber (moto would run the function's code in Docker; the sandbox's functions run
in process); every other protocol is delivered by moto as before.
"""

from __future__ import annotations

from typing import Any

HTTP_PROTOCOLS = ("http", "https")
SKIPPED_PROTOCOLS = (*HTTP_PROTOCOLS, "lambda")
"""moto would run a Lambda subscriber's code in Docker; the sandbox delivers nothing to one."""


def skip_http_deliveries() -> list[str]:
    """Patch moto's SNS subscription to deliver nothing over HTTP/S; returns what it replaced
    (nothing when moto's internals moved)."""
    try:
        from moto.sns import models
    except ImportError:
        return []
    subscription = getattr(models, "Subscription", None)
    original = getattr(subscription, "publish", None)
    if subscription is None or not callable(original):
        return []

    def publish(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "protocol", None) in SKIPPED_PROTOCOLS:
            return None
        return original(self, *args, **kwargs)

    subscription.publish = publish
    return ["moto.sns.models.Subscription.publish (http/https/lambda)"]
