"""boto3 clients for the sandbox's endpoint (moto_server), from the ordinary credential chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

_SERVICES = ("events", "sqs", "sns", "logs", "cloudwatch", "sts")


@dataclass(frozen=True)
class Clients:
    """One client per AWS service the sandbox talks to, all on the same endpoint and region."""

    endpoint_url: str
    region: str
    events: Any
    sqs: Any
    sns: Any
    logs: Any
    cloudwatch: Any
    sts: Any

    @classmethod
    def create(cls, endpoint_url: str, region: str) -> Clients:
        session = boto3.session.Session(region_name=region)
        if session.get_credentials() is None:
            # A local moto_server accepts any key; AWS itself never sees these.
            session = boto3.session.Session(
                aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
            )
        config = Config(retries={"max_attempts": 2, "mode": "standard"})
        made = {
            name: session.client(name, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]
            for name in _SERVICES
        }
        return cls(endpoint_url=endpoint_url, region=region, **made)

    def account_id(self) -> str:
        return str(self.sts.get_caller_identity()["Account"])
