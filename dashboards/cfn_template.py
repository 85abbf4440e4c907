"""The CloudFormation template(s) (YAML): dashboards, alarms, composite alarms, metric filters,
query definitions.

Account and region appear as ``${AWS::AccountId}`` / ``${AWS::Region}`` and every string holding
one is wrapped in ``Fn::Sub``, so one template deploys to any account. Composite alarms depend on
the alarms their rule names (CloudFormation must create those first). The YAML is written with
sorted keys and no line wrapping (``yaml_writer``): the same monitoring always yields the same
bytes. A metric filter needs its log group to exist when the stack is created: the services'
stacks (or their first invocation) create it; this template never does, so it cannot fight over it.
"""

from __future__ import annotations

import re
from typing import Any

from dashboards import yaml_writer
from dashboards.aws_shapes import (
    cfn_alarm_properties,
    cfn_composite_properties,
    cfn_metric_filter_properties,
)
from dashboards.build import Monitoring
from dashboards.naming import ACCOUNT, REGION
from dashboards.validation.composite_rule import referenced_alarms

_PLACEHOLDERS = (ACCOUNT, REGION)
_FOREIGN_SUB = re.compile(r"\$\{(?!AWS::AccountId\}|AWS::Region\})")


def logical_id(kind: str, name: str) -> str:
    """``Alarm`` + ``alchemiser-dev-execution-errors`` → ``AlarmAlchemiserDevExecutionErrors``."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return kind + "".join(p[:1].upper() + p[1:] for p in parts if p)


def _sub(value: Any) -> Any:
    """Wrap strings that hold placeholders in Fn::Sub (escaping any other ``${``)."""
    if isinstance(value, str):
        if any(p in value for p in _PLACEHOLDERS):
            return {"Fn::Sub": _FOREIGN_SUB.sub("${!", value)}
        return value
    if isinstance(value, list):
        return [_sub(v) for v in value]
    if isinstance(value, dict):
        return {k: _sub(v) for k, v in value.items()}
    return value


def _add(resources: dict[str, Any], key: str, resource: dict[str, Any]) -> None:
    if key in resources:
        raise ValueError(f"two resources map to the CloudFormation logical id {key!r}")
    resources[key] = resource


def monitoring_resources(monitoring: Monitoring) -> dict[str, Any]:
    """The template's Resources for dashboards, alarms, composite alarms and metric filters."""
    resources: dict[str, Any] = {}
    alarm_ids: dict[str, str] = {}
    for alarm in monitoring.alarms:
        key = logical_id("Alarm", alarm.name)
        alarm_ids[alarm.name] = key
        _add(
            resources,
            key,
            {"Type": "AWS::CloudWatch::Alarm", "Properties": _sub(cfn_alarm_properties(alarm))},
        )
    for composite in monitoring.composite_alarms:
        key = logical_id("CompositeAlarm", composite.name)
        depends = sorted(
            {alarm_ids[n] for n in referenced_alarms(composite.rule) if n in alarm_ids}
        )
        resource: dict[str, Any] = {
            "Type": "AWS::CloudWatch::CompositeAlarm",
            "Properties": _sub(cfn_composite_properties(composite)),
        }
        if depends:
            resource["DependsOn"] = depends
        _add(resources, key, resource)
    for metric_filter in monitoring.metric_filters:
        _add(
            resources,
            logical_id("MetricFilter", metric_filter.name),
            {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": _sub(cfn_metric_filter_properties(metric_filter)),
            },
        )
    for dashboard in monitoring.dashboards:
        _add(
            resources,
            logical_id("Dashboard", dashboard.name),
            {
                "Type": "AWS::CloudWatch::Dashboard",
                "Properties": {
                    "DashboardName": dashboard.name,
                    "DashboardBody": _sub(dashboard.body_json()),
                },
            },
        )
    return resources


MAX_RESOURCES = 500
"""CloudFormation's limit of resources per stack (cfn-lint E3010)."""
MAX_TEMPLATE_BYTES = 1_000_000
"""CloudFormation's limit of a template's size (from S3; cfn-lint E1002)."""


def _resource_blocks(resources: dict[str, Any]) -> dict[str, str]:
    """Each resource rendered once, as it appears under ``Resources:`` (indented by 2)."""
    blocks = {}
    for key, resource in resources.items():
        text = yaml_writer.dump({"Resources": {key: resource}})
        blocks[key] = text[len("Resources:\n") :]
    return blocks


def _groups(resources: dict[str, Any]) -> list[list[str]]:
    """Resources that must share a stack: a composite alarm and the alarms it DependsOn."""
    grouped: set[str] = set()
    groups: list[list[str]] = []
    for key in sorted(resources):
        depends = resources[key].get("DependsOn")
        if depends:
            members = [d for d in depends if d not in grouped] + [key]
            grouped.update(members)
            groups.append(members)
    groups.extend([key] for key in sorted(resources) if key not in grouped)
    return groups


def _header(system: str, stage: str, part: int, parts: int, description: str) -> str:
    text = description or f"Monitoring of {system} ({stage}), generated by obskit."
    if parts > 1:
        text = f"{text} Part {part} of {parts}."
    return yaml_writer.dump({"AWSTemplateFormatVersion": "2010-09-09", "Description": text})


def render_templates(
    monitoring: Monitoring, extra_resources: dict[str, Any] | None = None, description: str = ""
) -> list[str]:
    """The CloudFormation template(s) as YAML; ``extra_resources`` (query definitions) merged.

    One template while it fits CloudFormation's limits (500 resources, 1 MB); otherwise as many
    as needed, each deployable as its own stack, a composite alarm always with its children.
    """
    resources = monitoring_resources(monitoring)
    for key, resource in (extra_resources or {}).items():
        _add(resources, key, resource)
    blocks = _resource_blocks(resources)
    budget = MAX_TEMPLATE_BYTES - len(
        _header(monitoring.system, monitoring.stage, 99, 99, description)
    )
    budget -= len("Resources:\n")
    pages: list[list[str]] = [[]]
    size = 0
    for group in _groups(resources):
        group_size = sum(len(blocks[k]) for k in group)
        if group_size > budget or len(group) > MAX_RESOURCES:
            raise ValueError(f"resource(s) {', '.join(group)} alone exceed a template's limits")
        if pages[-1] and (
            len(pages[-1]) + len(group) > MAX_RESOURCES or size + group_size > budget
        ):
            pages.append([])
            size = 0
        pages[-1].extend(group)
        size += group_size
    return [
        _header(monitoring.system, monitoring.stage, index, len(pages), description)
        + "Resources:\n"
        + "".join(blocks[key] for key in sorted(page))
        for index, page in enumerate(pages, start=1)
    ]


def template_file_names(count: int) -> list[str]:
    """``template.yaml``, then ``template-2.yaml``, ... for further stacks."""
    return ["template.yaml"] + [f"template-{n}.yaml" for n in range(2, count + 1)]


def render_template(
    monitoring: Monitoring, extra_resources: dict[str, Any] | None = None, description: str = ""
) -> str:
    """All resources in one template, whatever its size (``render_templates`` splits)."""
    resources = monitoring_resources(monitoring)
    for key, resource in (extra_resources or {}).items():
        _add(resources, key, resource)
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description
        or f"Monitoring of {monitoring.system} ({monitoring.stage}), generated by obskit.",
        "Resources": resources,
    }
    return yaml_writer.dump(template)
