"""Incident drills: break the sandbox, check the alarms catch it, run the runbook, check recovery.

``run_drills(catalog, ids)`` runs scenarios' drills one after the other on one moto_server (reset
between drills) and returns a :class:`~runbooks.drills.model.DrillReport`; ``report`` writes it
as JSON, Markdown and an HTML page with the alarm timeline; ``table.render_table`` prints it.
"""

from runbooks.drills.model import DrillReport, DrillResult, StepResult, WorkflowTally
from runbooks.drills.runner import DrillError, DrillOptions, run_drills, select_scenarios

__all__ = [
    "DrillError",
    "DrillOptions",
    "DrillReport",
    "DrillResult",
    "StepResult",
    "WorkflowTally",
    "run_drills",
    "select_scenarios",
]
