"""The catalog's SNS subscriptions that have a dead-letter queue, as CloudFormation resources.

A redrive policy is an attribute of the *subscription*, never of the topic, and CloudFormation can
only set it on an ``AWS::SNS::Subscription`` it owns (``RedrivePolicy``:
``{"deadLetterTargetArn": ...}``,
https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html). So a subscription
the catalog gives a ``dlq`` is declared in the generated template, with its protocol, endpoint and
topic; subscriptions without one are left to whoever owns the topic.

SNS must also be allowed to send to the DLQ (the queue policy of the configuring page); the
template does not own the queue's policy, since another service's stack may already write it. The
topic's NumberOfNotificationsFailedToRedriveToDlq alarm
(:mod:`dashboards.facades.sns_topic`) fires when that permission is missing.
"""

from __future__ import annotations

import json
from typing import Any

from catalog.models import Catalog
from dashboards.cfn_template import logical_id
from dashboards.naming import ACCOUNT, REGION


def _arn(service: str, name: str) -> dict[str, str]:
    return {"Fn::Sub": f"arn:aws:{service}:{REGION}:{ACCOUNT}:{name}"}


def subscription_resources(catalog: Catalog) -> dict[str, Any]:
    """``AWS::SNS::Subscription`` resources for every subscription that has a ``dlq``."""
    resources: dict[str, Any] = {}
    for topic in catalog.topics:
        for index, subscription in enumerate(topic.subscriptions):
            if subscription.dlq is None:
                continue
            key = logical_id("Subscription", f"{topic.name}-{index + 1}")
            if key in resources:
                raise ValueError(f"two subscriptions map to the CloudFormation logical id {key!r}")
            dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{subscription.dlq}"
            resources[key] = {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": _arn("sns", topic.name),
                    "Protocol": subscription.protocol,
                    "Endpoint": subscription.endpoint,
                    "RedrivePolicy": {
                        "Fn::Sub": json.dumps({"deadLetterTargetArn": dlq_arn}, sort_keys=True)
                    },
                },
            }
    return resources
