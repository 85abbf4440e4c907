"""Composite alarms: an AlarmRule over other alarms' states, evaluated as CloudWatch does.

Rules, from "Creating a composite alarm"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html)
and PutCompositeAlarm
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html):

- ``ALARM(x)``, ``OK(x)``, ``INSUFFICIENT_DATA(x)`` are TRUE when alarm ``x`` (a name or an
  alarm ARN) is in that state; ``TRUE`` / ``FALSE`` are constants; ``AND``, ``OR``, ``NOT`` and
  parentheses combine them (grammar: :mod:`dashboards.validation.composite_rule`).
- The composite is in ALARM when its rule is TRUE and in OK otherwise. "When this operation
  creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA. The alarm is then
  evaluated ... For a composite alarm, this initial time after creation is the only time that the
  alarm can be in INSUFFICIENT_DATA state."
- A rule may read other composite alarms (not itself, directly or through others: a cycle is
  refused, as PutCompositeAlarm refuses it). A rule that names an alarm that does not exist
  reads it as in no state at all: every state function of it is FALSE (AWS refuses such a rule
  at creation; the evaluator only meets it when a child is deleted afterwards).
- Actions fire on transitions only, to the new state's list, as for metric alarms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from dashboards.alarm_eval import ALARM, OK
from dashboards.validation.composite_rule import (
    BoolOp,
    Constant,
    Not,
    RuleNode,
    RuleSyntaxError,
    StateOf,
    parse_rule,
)

__all__ = ["CompositeSpec", "alarm_name_of", "evaluate_rule", "rule_state", "true_children"]

_ARN_MARK = ":alarm:"


def alarm_name_of(reference: str) -> str:
    """An alarm's name from a rule's reference, which may be the alarm's ARN."""
    if reference.startswith("arn:") and _ARN_MARK in reference:
        return reference.split(_ARN_MARK, 1)[1]
    return reference


def evaluate_rule(node: RuleNode, states: Mapping[str, str]) -> bool:
    """Whether the rule is TRUE with the alarms in ``states`` (name → state)."""
    if isinstance(node, Constant):
        return node.value
    if isinstance(node, StateOf):
        return states.get(alarm_name_of(node.alarm)) == node.state
    if isinstance(node, Not):
        return not evaluate_rule(node.operand, states)
    results = (evaluate_rule(operand, states) for operand in node.operands)
    return all(results) if node.op == "AND" else any(results)


def rule_state(node: RuleNode, states: Mapping[str, str]) -> str:
    """ALARM when the rule is TRUE, else OK (a composite never goes back to INSUFFICIENT_DATA)."""
    return ALARM if evaluate_rule(node, states) else OK


def true_children(node: RuleNode, states: Mapping[str, str]) -> list[str]:
    """The state functions that are TRUE now, as ``ALARM(x)`` texts: the reason's evidence."""
    found: list[str] = []

    def walk(current: RuleNode) -> None:
        if isinstance(current, StateOf):
            if states.get(alarm_name_of(current.alarm)) == current.state:
                found.append(f"{current.state}({alarm_name_of(current.alarm)})")
        elif isinstance(current, Not):
            walk(current.operand)
        elif isinstance(current, BoolOp):
            for operand in current.operands:
                walk(operand)

    walk(node)
    return sorted(set(found))


@dataclass(frozen=True)
class CompositeSpec:
    """One composite alarm, from PutCompositeAlarm's arguments."""

    name: str
    rule: str
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    actions_enabled: bool = True
    description: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("AlarmName: a composite alarm needs a name")
        try:
            self.tree  # noqa: B018 - parse now: a bad rule is an error at creation
        except RuleSyntaxError as error:
            raise ValueError(f"composite alarm {self.name!r}: AlarmRule: {error}") from None

    @cached_property
    def tree(self) -> RuleNode:
        return parse_rule(self.rule)

    @cached_property
    def children(self) -> tuple[str, ...]:
        """The alarm names the rule reads, each once, in order."""
        names: list[str] = []

        def walk(node: RuleNode) -> None:
            if isinstance(node, StateOf):
                name = alarm_name_of(node.alarm)
                if name not in names:
                    names.append(name)
            elif isinstance(node, Not):
                walk(node.operand)
            elif isinstance(node, BoolOp):
                for operand in node.operands:
                    walk(operand)

        walk(self.tree)
        return tuple(names)

    def actions_for(self, state: str) -> tuple[str, ...]:
        """The actions to run on a transition into ``state`` (none when actions are off)."""
        if not self.actions_enabled:
            return ()
        if state == ALARM:
            return self.alarm_actions
        if state == OK:
            return self.ok_actions
        return self.insufficient_data_actions

    @classmethod
    def from_put_composite_alarm_kwargs(cls, kwargs: Mapping[str, Any]) -> CompositeSpec:
        """From ``put_composite_alarm(**kwargs)``'s arguments (or a DescribeAlarms entry)."""
        for key in ("AlarmName", "AlarmRule"):
            if not kwargs.get(key):
                raise ValueError(f"composite alarm: {key} is required")

        def actions(key: str) -> tuple[str, ...]:
            value: Sequence[str] = kwargs.get(key) or ()
            return tuple(str(action) for action in value)

        return cls(
            name=str(kwargs["AlarmName"]),
            rule=str(kwargs["AlarmRule"]),
            alarm_actions=actions("AlarmActions"),
            ok_actions=actions("OKActions"),
            insufficient_data_actions=actions("InsufficientDataActions"),
            actions_enabled=bool(kwargs.get("ActionsEnabled", True)),
            description=kwargs.get("AlarmDescription"),
        )
