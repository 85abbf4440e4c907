"""Run every checklist over one set of inputs and assemble the report.

The order is the seed document's: observability, operational readiness, performance
validation; then, with ``--aws``, the deployed account.
"""

from __future__ import annotations

from tools.readiness import deployed, observability, operations, performance
from tools.readiness.evidence import Evidence, Inputs
from tools.readiness.model import Report


def run_readiness(inputs: Inputs) -> Report:
    """The readiness report for ``inputs`` (AWS errors propagate: the caller reports them)."""
    ev = Evidence(inputs)
    checks = [*observability.CHECKS, *operations.CHECKS, *performance.CHECKS]
    if inputs.aws is not None:
        checks += deployed.CHECKS
    items = tuple(check(ev) for check in checks)
    return Report(inputs.catalog.system, inputs.catalog.stage, items, inputs.describe())
