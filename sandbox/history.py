"""A past for a sandbox that stands for a system already running: its scheduled workflows completed.

A sandbox starts from an empty account, but the systems obskit monitors have been running for
days when their monitoring is deployed. One alarm reads that past: a scheduled workflow's
heartbeat asks whether the workflow completed in the last 24 hours
(:mod:`dashboards.facades.schedule`). On a fresh sandbox started on a day the schedule runs, it
finds no completion and goes to ALARM at the first evaluation, then back to OK once the first run's
metrics arrive: an artefact of the empty account, not of the run, and the same on AWS right after a
first deployment.

``obskit demo`` and ``obskit sandbox up`` show the system in its steady state, so they give it that
past: ``WorkflowsCompleted`` = 1 at each of the schedule's run times in the 25 hours before the
start, with the dimensions the services' EMF uses. CloudWatch accepts datapoints up to two weeks
old (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html), so
the same backfill is possible on a real account. Drills never get it: a drill starts its own load,
and its heartbeat scenario measures when the alarm fires after the workflow stops.
"""

from __future__ import annotations

from catalog.cron_runs import run_times
from catalog.models import Catalog
from dashboards.emf_names import NAMESPACE, WORKFLOWS_COMPLETED, workflow_dimensions
from sandbox.metrics_publisher import MetricsPublisher

HISTORY_S = 25 * 3600.0
"""The heartbeat's 24 hourly periods, and one more for its sliding window."""


def scheduled_completions(catalog: Catalog, start: float) -> list[tuple[str, float]]:
    """(workflow, run time) of every scheduled run in the :data:`HISTORY_S` before ``start``."""
    runs: list[tuple[str, float]] = []
    for schedule in catalog.schedules:
        for workflow in catalog.scheduled_workflows(schedule):
            times = run_times(schedule.expression, schedule.timezone, start - HISTORY_S, start)
            runs.extend((workflow.name, at) for at in times if at < start)
    return sorted(runs, key=lambda run: (run[1], run[0]))


def backfill_completions(catalog: Catalog, metrics: MetricsPublisher, start: float) -> int:
    """Publish :func:`scheduled_completions` as ``WorkflowsCompleted``; how many datapoints."""
    workflows = {w.name: w for w in catalog.workflows}
    runs = scheduled_completions(catalog, start)
    for name, at in runs:
        dimensions = workflow_dimensions(catalog, workflows[name])
        metrics.put(NAMESPACE, WORKFLOWS_COMPLETED, dimensions, 1.0, at=at)
    return len(runs)
