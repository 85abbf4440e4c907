"""Incident scenarios as data, generated from the catalog (issue 7).

``build_scenarios(catalog)`` instantiates the generic templates for every resource of the catalog
(each Lambda function, SQS queue and DLQ, EventBridge rule, SNS topic and workflow) in catalog
order, so the same catalog always yields the same scenarios in the same order.
"""

from runbooks.scenarios.build import build_scenarios, scenarios_by_alarm
from runbooks.scenarios.context import CatalogArgs, ScenarioContext
from runbooks.scenarios.model import Drill, Fault, Scenario, Step

__all__ = [
    "CatalogArgs",
    "Drill",
    "Fault",
    "Scenario",
    "ScenarioContext",
    "Step",
    "build_scenarios",
    "scenarios_by_alarm",
]
