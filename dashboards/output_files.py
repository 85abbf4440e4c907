"""What ``obskit generate`` writes, as a map of relative path → bytes, and the ``--check`` diff.

Layout of the output folder:
  template.yaml                       CloudFormation: dashboards, alarms, composites, metric
                                      filters, queries, subscriptions that have a DLQ
  template-2.yaml, ...                further stacks, only when one template would pass
                                      CloudFormation's limits (500 resources, 1 MB)
  dashboards/<name>.json              DashboardBody of each dashboard (put_dashboard)
  alarms/<name>.json                  put_metric_alarm kwargs of each alarm
  composite-alarms/<name>.json        put_composite_alarm kwargs of each composite alarm
  metric-filters/<name>.json          put_metric_filter kwargs of each metric filter (named
                                      after the service writing the log group)
  queries/<folder>/<name>.json        put_query_definition kwargs of each saved query
  queries.md                          the saved queries, documented
Account and region stay as ``${AWS::AccountId}`` / ``${AWS::Region}`` in the JSON files too;
``obskit deploy`` resolves them as CloudFormation would. Everything is rendered in memory first,
with sorted keys and stable names, so the same catalog always gives the same bytes and ``--check``
can compare without writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from catalog.models import Catalog
from dashboards.aws_shapes import (
    put_composite_alarm_kwargs,
    put_metric_alarm_kwargs,
    put_metric_filter_kwargs,
)
from dashboards.build import Monitoring, build_monitoring
from dashboards.cfn_template import render_templates, template_file_names
from dashboards.queries_bridge import bundle, saved_queries
from dashboards.sns_subscriptions import subscription_resources

MANAGED_DIRS = ("dashboards", "alarms", "composite-alarms", "metric-filters", "queries")
MANAGED_FILES = ("template.yaml", "queries.md")
_MORE_TEMPLATES = re.compile(r"template-\d+\.yaml")
_UNSAFE_PART = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class GeneratedOutput:
    files: dict[str, bytes]
    monitoring: Monitoring
    notes: list[str] = field(default_factory=list)


def _json(obj: Any) -> bytes:
    """Indented, key-sorted JSON (orjson: the stdlib encoder is slow once indented)."""
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def _query_path(name: str) -> str:
    parts = [_UNSAFE_PART.sub("_", p) for p in name.split("/") if p not in ("", ".", "..")]
    return "queries/" + "/".join(parts or ["query"]) + ".json"


def render_output(catalog: Catalog) -> GeneratedOutput:
    """Every file ``generate`` writes for ``catalog`` (raises on invalid monitoring)."""
    saved = saved_queries(catalog)
    monitoring = build_monitoring(catalog, saved)
    files: dict[str, bytes] = {}
    notes: list[str] = []
    for dashboard in monitoring.dashboards:
        files[f"dashboards/{dashboard.name}.json"] = _json(dashboard.body())
    for alarm in monitoring.alarms:
        files[f"alarms/{alarm.name}.json"] = _json(put_metric_alarm_kwargs(alarm))
    for composite in monitoring.composite_alarms:
        files[f"composite-alarms/{composite.name}.json"] = _json(
            put_composite_alarm_kwargs(composite)
        )
    for metric_filter in monitoring.metric_filters:
        files[f"metric-filters/{metric_filter.name}.json"] = _json(
            put_metric_filter_kwargs(metric_filter)
        )
    queries = None if saved is None else bundle(saved)
    if queries is None:
        notes.append("query definitions skipped: insights_queries.library is not available")
        extra: dict[str, Any] = {}
    else:
        extra = queries.cfn_resources
        for name, kwargs in queries.put_kwargs.items():
            path = _query_path(name)
            if path in files:
                raise ValueError(f"two queries map to the same file {path!r} (query {name!r})")
            files[path] = _json(kwargs)
        files["queries.md"] = queries.markdown.encode()
    extra = {**extra, **subscription_resources(catalog)}
    templates = render_templates(monitoring, extra)
    for name, text in zip(template_file_names(len(templates)), templates, strict=True):
        files[name] = text.encode()
    return GeneratedOutput(dict(sorted(files.items())), monitoring, notes)


def _existing(out_dir: Path) -> set[str]:
    found = {name for name in MANAGED_FILES if (out_dir / name).is_file()}
    found |= {p.name for p in out_dir.glob("template-*.yaml") if _MORE_TEMPLATES.fullmatch(p.name)}
    for sub in MANAGED_DIRS:
        base = out_dir / sub
        if base.is_dir():
            found |= {p.relative_to(out_dir).as_posix() for p in base.rglob("*") if p.is_file()}
    return found


@dataclass(frozen=True)
class OutputDiff:
    missing: list[str]
    stale: list[str]
    extra: list[str]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)

    def lines(self) -> list[str]:
        return (
            [f"missing: {p}" for p in self.missing]
            + [f"stale:   {p}" for p in self.stale]
            + [f"extra:   {p}" for p in self.extra]
        )


def check_output(out_dir: Path, files: dict[str, bytes]) -> OutputDiff:
    """How ``out_dir`` differs from ``files`` (only the paths generate manages are compared)."""
    existing = _existing(out_dir)
    missing = sorted(p for p in files if p not in existing)
    stale = sorted(p for p in files if p in existing and (out_dir / p).read_bytes() != files[p])
    extra = sorted(existing - set(files))
    return OutputDiff(missing, stale, extra)


def write_output(out_dir: Path, files: dict[str, bytes]) -> OutputDiff:
    """Write ``files`` under ``out_dir``, removing managed files no longer generated."""
    before = check_output(out_dir, files) if out_dir.exists() else OutputDiff(sorted(files), [], [])
    for rel in before.extra:
        (out_dir / rel).unlink()
    for rel, data in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
    for sub in MANAGED_DIRS:
        base = out_dir / sub
        if base.is_dir():
            for folder in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
                if not any(folder.iterdir()):
                    folder.rmdir()
    return before
