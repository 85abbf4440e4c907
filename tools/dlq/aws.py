"""AWS clients for the DLQ tools, honouring --endpoint-url / AWS_ENDPOINT_URL, region, profile.

The clients come from botocore's session, the one boto3 wraps: the same clients, credential chain
and configuration, without importing boto3 itself, which pulls in its S3 transfer manager (about
0.15 s of every ``obskit dlq`` and ``obskit replay`` run, and drills run dozens of them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import botocore.session
import click
from botocore.config import Config
from botocore.exceptions import ProfileNotFound


@dataclass(frozen=True)
class AwsOptions:
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None

    def client(self, service: str, *, attempts: int | None = None) -> Any:
        """A client for ``service``; a profile that does not exist is a usage error naming it."""
        session = _session(self.profile, self.region)
        config = Config(retries={"total_max_attempts": attempts}) if attempts else None
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        try:
            return session.create_client(service, endpoint_url=endpoint, config=config)
        except ProfileNotFound as error:
            raise click.BadParameter(str(error), param_hint="--profile") from None


@lru_cache(maxsize=8)
def _session(profile: str | None, region: str | None) -> botocore.session.Session:
    """One session per profile/region: loading the service models is the slow part."""
    session = botocore.session.Session(profile=profile)
    if region:
        session.set_config_variable("region", region)
    return session


def queue_url(sqs: Any, queue: str) -> str:
    """``queue`` is a name or a URL; a name is resolved with GetQueueUrl."""
    if queue.startswith(("http://", "https://")):
        return queue
    return str(sqs.get_queue_url(QueueName=queue)["QueueUrl"])


def queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])
