"""boto3 clients for the DLQ tools, honouring --endpoint-url / AWS_ENDPOINT_URL, region, profile."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config


@dataclass(frozen=True)
class AwsOptions:
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None

    def client(self, service: str, *, attempts: int | None = None) -> Any:
        session: Any = _session(self.profile, self.region)  # service name is dynamic
        config = Config(retries={"total_max_attempts": attempts}) if attempts else None
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        return session.client(service, endpoint_url=endpoint, config=config)


@lru_cache(maxsize=8)
def _session(profile: str | None, region: str | None) -> boto3.Session:
    """One boto3 session per profile/region: loading the service models is the slow part."""
    return boto3.Session(profile_name=profile, region_name=region)


def queue_url(sqs: Any, queue: str) -> str:
    """``queue`` is a name or a URL; a name is resolved with GetQueueUrl."""
    if queue.startswith(("http://", "https://")):
        return queue
    return str(sqs.get_queue_url(QueueName=queue)["QueueUrl"])


def queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])
