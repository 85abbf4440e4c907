"""``obskit ready`` and ``obskit baseline``: the seed document's checklists as a command.

One module per job: :mod:`model` (items, statuses, the report), :mod:`evidence` (inputs and the
evidence built from them, lazily), one module per checklist (:mod:`observability`,
:mod:`operations`, :mod:`performance`, :mod:`deployed` for ``--aws``), the evidence readers
(:mod:`query_proof`, :mod:`drill_report`, :mod:`log_facts`), the baseline (:mod:`baseline_model`,
:mod:`baseline_logs`, :mod:`baseline_aws`), :mod:`runner` and :mod:`render`.
"""

from __future__ import annotations

from tools.readiness.evidence import AwsTarget, Inputs
from tools.readiness.model import FAIL, MANUAL, PASS, Item, ReadinessInputError, Report
from tools.readiness.runner import run_readiness

__all__ = [
    "FAIL",
    "MANUAL",
    "PASS",
    "AwsTarget",
    "Inputs",
    "Item",
    "ReadinessInputError",
    "Report",
    "run_readiness",
]
