"""AWS's rules for a metric filter, checked before anything ships.

From the PutMetricFilter API reference (and botocore's model of it): log group name 1–512
characters of ``[.-_/#A-Za-z0-9]``; filter name 1–512 characters without ``:`` or ``*``; filter
pattern at most 1,024 characters; exactly one metric transformation, whose metric name and
namespace are at most 255 characters without ``:``, ``*`` or ``$``, whose value is at most 100
characters, with at most 3 dimensions (names and values ≤ 255 characters) that cannot be combined
with a default value, and a unit from the CloudWatch list. The pattern must parse
(``dashboards.filter_pattern``), and a value or dimension read from the line must be a property
selector. At most 100 metric filters per log group.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from dashboards.filter_pattern import FilterPatternError, parse, parse_selector
from dashboards.metric_filter_model import MetricFilter
from dashboards.validation.issues import Issue
from logging_config.metrics import UNITS

MAX_NAME_CHARS = 512
MAX_PATTERN_CHARS = 1024
MAX_METRIC_CHARS = 255
MAX_VALUE_CHARS = 100
MAX_DIMENSIONS = 3
MAX_FILTERS_PER_LOG_GROUP = 100
_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _text_issues(where: str, field: str, value: str, low: int, high: int, bad: str) -> list[Issue]:
    issues = []
    if not low <= len(value) <= high:
        issues.append(Issue(where, field, f"{len(value)} characters, must be {low}–{high}"))
    found = sorted({c for c in value if c in bad})
    if found:
        issues.append(Issue(where, field, f"must not contain {' '.join(found)}"))
    return issues


def _selector_issue(where: str, field: str, value: str) -> list[Issue]:
    try:
        parse_selector(value)
    except FilterPatternError as error:
        return [Issue(where, field, str(error))]
    return []


def validate_metric_filter(metric_filter: MetricFilter) -> list[Issue]:
    f = metric_filter
    where = f"metric filter '{f.name}' on '{f.log_group}'"
    issues: list[Issue] = []
    if not 1 <= len(f.log_group) <= MAX_NAME_CHARS or not _LOG_GROUP.fullmatch(f.log_group):
        issues.append(Issue(where, "log_group", "must be 1–512 characters of [.-_/#A-Za-z0-9]"))
    issues += _text_issues(where, "name", f.name, 1, MAX_NAME_CHARS, ":*")
    if len(f.pattern) > MAX_PATTERN_CHARS:
        issues.append(Issue(where, "pattern", f"{len(f.pattern)} characters, at most 1024"))
    try:
        parse(f.pattern)
    except FilterPatternError as error:
        issues.append(Issue(where, "pattern", str(error)))
    issues += _text_issues(where, "metric_name", f.metric_name, 1, MAX_METRIC_CHARS, ":*$")
    issues += _text_issues(
        where, "metric_namespace", f.metric_namespace, 1, MAX_METRIC_CHARS, ":*$"
    )
    if not 1 <= len(f.metric_value) <= MAX_VALUE_CHARS:
        issues.append(Issue(where, "metric_value", "must be 1–100 characters"))
    elif not _NUMBER.fullmatch(f.metric_value):
        issues += _selector_issue(where, "metric_value", f.metric_value)
    if f.unit is not None and f.unit not in UNITS:
        issues.append(Issue(where, "unit", f"{f.unit!r} is not a CloudWatch unit"))
    if len(f.dimensions) > MAX_DIMENSIONS:
        issues.append(Issue(where, "dimensions", f"{len(f.dimensions)} dimensions, at most 3"))
    if f.dimensions and f.default_value is not None:
        issues.append(Issue(where, "default_value", "cannot be combined with dimensions"))
    for name, selector in sorted(f.dimensions.items()):
        if not 1 <= len(name) <= MAX_METRIC_CHARS or len(selector) > MAX_METRIC_CHARS:
            issues.append(Issue(where, "dimensions", f"{name!r}: names and values ≤ 255 chars"))
        issues += _selector_issue(where, f"dimensions.{name}", selector)
    return issues


def validate_metric_filters(filters: Sequence[MetricFilter]) -> list[Issue]:
    """Every filter's issues, plus what only shows across them: one name on two log groups
    (obskit names each generated file after its filter) and more than 100 filters per group."""
    issues = [issue for f in filters for issue in validate_metric_filter(f)]
    groups: dict[str, set[str]] = {}
    for f in filters:
        groups.setdefault(f.name, set()).add(f.log_group)
    for name in sorted(n for n, g in groups.items() if len(g) > 1):
        issues.append(
            Issue(
                f"metric filter '{name}'", "name", f"on several log groups: {sorted(groups[name])}"
            )
        )
    per_group = Counter(f.log_group for f in filters)
    for group in sorted(g for g, n in per_group.items() if n > MAX_FILTERS_PER_LOG_GROUP):
        issues.append(
            Issue(f"log group '{group}'", "metric filters", f"{per_group[group]}, at most 100")
        )
    return issues
