"""The catalog's Lambda functions as moto resources, so runbook commands act on something real.

The sandbox runs handlers in process and keeps each function's settings in memory; it does not
create the functions in moto. Runbook steps such as ``aws lambda put-function-concurrency`` or
``update-function-configuration`` run in another process against moto, so the drill:

1. creates every function in moto (code is a stub: moto never runs it) with the catalog's memory,
   timeout and reserved concurrency, and the resource-based policy statement a deployment gives
   each function a rule targets (EventBridge may only invoke a function whose policy allows
   ``events.amazonaws.com`` from that rule:
   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html), so
   ``aws lambda get-policy`` shows what it would on AWS; and each SQS-triggered function's
   event source mapping (queue, batch size, batching window, ReportBatchItemFailures), so
   ``aws lambda list-event-source-mappings`` lists it as on AWS. The sandbox's own poller
   (:mod:`sandbox.sqs_poller`) still delivers the queue's messages: moto_server keeps the
   mapping idle (:mod:`sandbox.moto_event_sources`);
2. writes a throttle fault into moto too (reserved concurrency 0), so a diagnosis command shows
   what the operator would see;
3. after every command, reads the settings back from moto into the sandbox: reserved concurrency
   verbatim; memory as CPU (Lambda allocates CPU in proportion to memory), so a ``slow:S`` fault
   becomes ``slow:S*old/new`` when a step raises the memory.

That read-back is an adapter the sandbox could own (see docs/drills.md).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from catalog.models import Catalog, Service
from sandbox.aws import client_for
from sandbox.session import Sandbox

ROLE_NAME = "obskit-drill-lambda"
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _stub_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("stub.py", "def handler(event, context):\n    return None\n")
    return buffer.getvalue()


def function_name(catalog: Catalog, service: Service) -> str:
    return service.function_name or f"{catalog.system}-{catalog.stage}-{service.name}"


def delivery_queues(sandbox: Sandbox) -> dict[str, str]:
    """Function name → URL of its delivery queue, for every function Lambda invokes
    asynchronously (what :class:`~sandbox.lambda_gateway.LambdaGateway` delivers to)."""
    return {
        function_name(sandbox.catalog, sandbox.runner.service(service)): sandbox.resources.queue(
            queue
        ).url
        for service, queue in sandbox.resources.delivery.items()
    }


def create_functions(sandbox: Sandbox) -> Any:
    """Create every catalog function in the sandbox's endpoint; returns a Lambda client there.

    Steps 1 of the module docstring. A drill runner that restores a saved endpoint state
    (:class:`~runbooks.drills.runner.FreshSandboxes`) does this once, before saving.
    """
    client = client_for("lambda", sandbox.endpoint_url, sandbox.catalog.region)
    iam = client_for("iam", sandbox.endpoint_url, sandbox.catalog.region)
    try:
        role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(_TRUST))[
            "Role"
        ]["Arn"]
    except ClientError:
        role = iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    code = _stub_zip()
    for service in sandbox.catalog.services:
        name = function_name(sandbox.catalog, service)
        client.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role,
            Handler="stub.handler",
            Code={"ZipFile": code},
            MemorySize=service.memory_mb,
            Timeout=service.timeout_s,
        )
        if service.reserved_concurrency is not None:
            client.put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=service.reserved_concurrency
            )
    _allow_rules(sandbox, client)
    map_event_sources(sandbox, client)
    return client


def map_event_sources(sandbox: Sandbox, client: Any) -> None:
    """Register each SQS-triggered function's event source mapping, with the catalog's
    settings (``CreateEventSourceMapping``:
    https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html)."""
    for service in sandbox.catalog.services:
        if service.trigger != "sqs" or not service.queue:
            continue
        settings: dict[str, Any] = {
            "FunctionName": function_name(sandbox.catalog, service),
            "EventSourceArn": sandbox.resources.queue(service.queue).arn,
            "BatchSize": service.batch_size,
            "Enabled": True,
        }
        if service.batching_window_s:
            settings["MaximumBatchingWindowInSeconds"] = service.batching_window_s
        if service.report_batch_item_failures:
            settings["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
        client.create_event_source_mapping(**settings)


def _allow_rules(sandbox: Sandbox, client: Any) -> None:
    """Let each rule invoke the functions it targets (the statement a deployment adds)."""
    catalog, account = sandbox.catalog, sandbox.resources.account_id
    for bus, rule in catalog.rules():
        for target in rule.targets:
            if target.service is None:
                continue
            client.add_permission(
                FunctionName=function_name(catalog, catalog.service(target.service)),
                StatementId=f"{rule.name}-invoke"[:100],
                Action="lambda:InvokeFunction",
                Principal="events.amazonaws.com",
                SourceArn=f"arn:aws:events:{catalog.region}:{account}:rule/{bus.name}/{rule.name}",
            )


@dataclass
class LambdaMirror:
    """moto's view of the functions, and the sandbox faults that depend on it."""

    sandbox: Sandbox
    client: Any = None
    slow_faults: dict[str, float] = field(default_factory=dict)
    """Service → seconds of its injected ``slow`` fault at the catalog's memory."""

    @classmethod
    def create(cls, sandbox: Sandbox) -> LambdaMirror:
        """Create the functions in moto, then mirror them."""
        return cls(sandbox, create_functions(sandbox))

    def throttle(self, service: str) -> None:
        """Reserved concurrency 0, in moto and (by read-back) in the sandbox."""
        if self.client is None:
            raise RuntimeError("the functions were not created in moto: throttle needs them")
        name = function_name(self.sandbox.catalog, self.sandbox.runner.service(service))
        self.client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        self.sync()

    def restore(self, only: str | None = None) -> None:
        """Every function (or service ``only``) back to the catalog's settings (a fault that
        clears by itself)."""
        if self.client is None:
            return
        for service in self.sandbox.catalog.services:
            if only is not None and service.name != only:
                continue
            name = function_name(self.sandbox.catalog, service)
            if service.reserved_concurrency is None:
                self.client.delete_function_concurrency(FunctionName=name)
            else:
                self.client.put_function_concurrency(
                    FunctionName=name, ReservedConcurrentExecutions=service.reserved_concurrency
                )
        self.sync()

    def sync(self) -> None:
        """Read concurrency and memory back from moto into the sandbox."""
        if self.client is None:
            return  # no function in moto: no command could have changed one
        for service in self.sandbox.catalog.services:
            name = function_name(self.sandbox.catalog, service)
            reserved = self.client.get_function_concurrency(FunctionName=name).get(
                "ReservedConcurrentExecutions"
            )
            self.sandbox.runner.set_reserved_concurrency(service.name, reserved)
            slow = self.slow_faults.get(service.name)
            if slow is None:
                continue
            memory = int(self.client.get_function_configuration(FunctionName=name)["MemorySize"])
            scaled = slow * service.memory_mb / max(memory, 1)
            if self.sandbox.package is not None:
                self.sandbox.package.set_fault(service.name, f"slow:{scaled:g}")
