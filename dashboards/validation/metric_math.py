"""Metric-math validation: does CloudWatch accept this expression, and which ids does it read?

The grammar is the shared one (:mod:`dashboards.math_parser`, the same tree the alarm evaluator
computes), covering all of CloudWatch's "Metric math syntax and functions"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax):
every function with its number of arguments, operators, constants, ids and strings. The alarm
validator checks that each id read exists.
"""

from __future__ import annotations

from dashboards.math_ast import Id, walk
from dashboards.math_parser import MathSyntaxError, parse_tree

__all__ = ["MathSyntaxError", "referenced_ids"]


def referenced_ids(expression: str) -> set[str]:
    """Parse ``expression``; return the metric ids it reads. Raises MathSyntaxError."""
    return {node.name for node in walk(parse_tree(expression)) if isinstance(node, Id)}
