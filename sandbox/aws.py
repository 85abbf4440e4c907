"""boto3 clients for the sandbox's endpoint (moto_server), from the ordinary credential chain.

Every sandbox of a process (a drill run starts one per drill) shares botocore's loader of service
models: they are read-only data, and parsing them again is most of what creating clients costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

_SERVICES = ("events", "sqs", "sns", "logs", "cloudwatch", "sts")
_models: list[Any] = []
"""The process's shared botocore data loader, once a session has made it."""


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
        made = {name: client_for(name, endpoint_url, region) for name in _SERVICES}
        return cls(endpoint_url=endpoint_url, region=region, **made)

    def account_id(self) -> str:
        return str(self.sts.get_caller_identity()["Account"])


def client_for(service: str, endpoint_url: str, region: str) -> Any:
    """A boto3 client for ``service`` on the endpoint, sharing the process's service models."""
    session = boto3.session.Session(region_name=region)
    if session.get_credentials() is None:
        # A local moto_server accepts any key; AWS itself never sees these.
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
    _share_models(session)
    config = Config(retries={"max_attempts": 2, "mode": "standard"})
    return session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]


def _share_models(session: boto3.session.Session) -> None:
    core = session._session  # boto3 keeps its botocore session there
    if _models:
        core.register_component("data_loader", _models[0])
    else:
        _models.append(core.get_component("data_loader"))
