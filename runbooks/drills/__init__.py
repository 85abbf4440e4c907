"""Incident drills: break the sandbox, check the alarms catch it, run the runbook, check recovery.

``run_drills(catalog, scenarios)`` runs scenarios' drills one after the other on one moto_server
(reset between drills) and returns a :class:`~runbooks.drills.model.DrillReport`;
``runbooks.drills.report`` writes it as JSON, Markdown and an HTML page with the alarm timeline;
``runbooks.drills.table.render_table`` prints it. ``detection.detect`` is the detection half on
its own (used by the scenario tests to check a scenario's expectations).
"""

from runbooks.drills.detection import DetectionResult, detect
from runbooks.drills.model import DrillReport, DrillResult, StepResult, WorkflowTally
from runbooks.drills.runner import DrillError, DrillOptions, run_drills, select_scenarios

__all__ = [
    "DetectionResult",
    "DrillError",
    "DrillOptions",
    "DrillReport",
    "DrillResult",
    "StepResult",
    "WorkflowTally",
    "detect",
    "run_drills",
    "select_scenarios",
]
