"""The one place that names the workflow metrics the services emit as EMF, and their dimensions.

The workflow alarms and widgets must watch exactly the metric the services write: CloudWatch matches
a metric by namespace, name *and the full dimension set*, so one differing dimension and an alarm
watches nothing. The names follow what ``logging_config.metrics`` and the example ``metrics``
service emit:

- namespace ``logging_config.metrics.EMF_DEFAULTS.namespace`` (``obskit`` unless the services set
  ``OBSKIT_METRICS_NAMESPACE``),
- dimensions ``service`` (the emitting service, added to every EMF metric by ``logging_config``) and
  ``workflow`` (the catalog's workflow name),
- ``WorkflowsStarted`` / ``WorkflowsCompleted`` / ``WorkflowsFailed`` (Count, one per workflow) and
  ``WorkflowDuration`` (Seconds, start to end, one per finished workflow).

The emitting service is the catalog's service that consumes the workflow's success event and every
failure event (the Alchemiser's ``metrics``); see :func:`workflow_metrics_service`.
"""

from __future__ import annotations

from catalog.models import Catalog, Workflow
from logging_config.metrics import EMF_DEFAULTS

NAMESPACE = EMF_DEFAULTS.namespace
SERVICE_DIMENSION = EMF_DEFAULTS.dimensions[0]
WORKFLOW_DIMENSION = "workflow"

WORKFLOWS_STARTED = "WorkflowsStarted"
WORKFLOWS_COMPLETED = "WorkflowsCompleted"
WORKFLOWS_FAILED = "WorkflowsFailed"
WORKFLOW_DURATION = "WorkflowDuration"
WORKFLOW_DURATION_UNIT = "Seconds"

WORKFLOW_METRICS = (WORKFLOWS_STARTED, WORKFLOWS_COMPLETED, WORKFLOWS_FAILED, WORKFLOW_DURATION)


def workflow_metrics_service(catalog: Catalog, workflow: Workflow) -> str | None:
    """The service that emits ``workflow``'s EMF metrics: it consumes the success event and every
    failure event (else the first consumer of the success event; None when nobody consumes it)."""
    ends = {workflow.success_event, *workflow.failure_events}
    for service in catalog.services:
        if ends <= set(service.consumes):
            return service.name
    for service in catalog.services:
        if workflow.success_event in service.consumes:
            return service.name
    return None


def workflow_dimensions(catalog: Catalog, workflow: Workflow) -> dict[str, str]:
    """The exact dimension set the workflow's metrics carry."""
    dims = {WORKFLOW_DIMENSION: workflow.name}
    service = workflow_metrics_service(catalog, workflow)
    if service is not None:
        dims[SERVICE_DIMENSION] = service
    return dims
