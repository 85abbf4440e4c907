"""Business metrics as CloudWatch Embedded Metric Format (EMF) log lines.

Why EMF: a Lambda already ships its stdout to CloudWatch Logs, and CloudWatch extracts metrics from
EMF lines for free — no PutMetricData call, no boto3, no extra latency in the handler. Why our own:
each EMF line here also carries the workflow's ``correlation_id``/``causation_id``/``event_id``/
``event_type``, so the line behind a metric datapoint can be traced like any other log line.

Usage::

    from logging_config import metrics

    metrics.put("TradesExecuted", 3)                                   # unit Count
    metrics.put("WorkflowDuration", 41.5, unit="Seconds", dimensions={"workflow": "trading"})
    metrics.flush()          # inject_lambda_context does this at the end of every invocation

Every datapoint is grouped by its dimension values *and* by the IDs current when it was put (and,
inside a decorated handler, ``function_name``/``function_request_id``), so a batch of SQS records
flushed at once still yields one line per record's workflow. A flush splits the
output so no object holds more than 100 metrics, no metric more than 100 values, and no line exceeds
CloudWatch's 256 KB event limit. Invalid input (a non-finite value, an unknown unit, more than 30
dimensions, a name that collides with a key of the line) raises :class:`MetricsError` at ``put``,
naming what is wrong, so it is found in the first test rather than as a silently dropped metric.

Namespace: :func:`set_namespace`, else the environment variable ``OBSKIT_METRICS_NAMESPACE``, else
``POWERTOOLS_METRICS_NAMESPACE`` (for services migrating from Powertools), else
:data:`DEFAULT_NAMESPACE`. ``configure(metrics_namespace=...)`` sets it, the environment variables
winning over its argument (as for every setting of ``configure``). Every metric is published with the dimension
``service`` (the configured service name) plus the dimensions given to ``put``.

Stdlib and orjson only: this module is imported by every service at cold start.
"""

from __future__ import annotations

import math
import os
import threading
import time
from typing import Any, Final, NamedTuple

import orjson

from logging_config.config import current_service
from logging_config.context import current_ids, current_lambda_fields
from logging_config.sink import write_line
from logging_config.timestamps import now_ms as _clock_ms

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DEFAULT_NAMESPACE",
    "EMF_DEFAULTS",
    "ID_KEYS",
    "MAX_DIMENSIONS",
    "MAX_METRICS_PER_OBJECT",
    "MAX_VALUES_PER_METRIC",
    "NAMESPACE_ENV",
    "SERVICE_DIMENSION",
    "UNITS",
    "EmfDefaults",
    "MetricsError",
    "clear",
    "current_namespace",
    "flush",
    "pending",
    "put",
    "set_namespace",
    "validate_emf",
]


class EmfDefaults(NamedTuple):
    """The names a metric is published under unless told otherwise (alarms must use the same)."""

    namespace: str
    dimensions: tuple[str, ...]


DEFAULT_NAMESPACE: Final = "obskit"
SERVICE_DIMENSION: Final = "service"
DEFAULT_DIMENSIONS: Final[tuple[str, ...]] = (SERVICE_DIMENSION,)
#: The one constant generators import: where business metrics land and their default dimensions.
EMF_DEFAULTS: Final = EmfDefaults(namespace=DEFAULT_NAMESPACE, dimensions=DEFAULT_DIMENSIONS)
NAMESPACE_ENV: Final = "OBSKIT_METRICS_NAMESPACE"
POWERTOOLS_NAMESPACE_ENV: Final = "POWERTOOLS_METRICS_NAMESPACE"
UNKNOWN_SERVICE: Final = "unknown"

# Limits from the EMF specification and CloudWatch quotas.
MAX_METRICS_PER_OBJECT: Final = 100
MAX_VALUES_PER_METRIC: Final = 100
MAX_DIMENSIONS: Final = 30
MAX_LINE_BYTES: Final = 256 * 1024
MAX_METRIC_NAME: Final = 255  # CloudWatch MetricName (the EMF schema allows 1,024; the API won't)
MAX_DIMENSION_NAME: Final = 250
MAX_DIMENSION_VALUE: Final = 1024
MAX_NAMESPACE: Final = 255
#: Buffered datapoints beyond which put() flushes by itself, to bound memory in long loops.
AUTO_FLUSH_DATAPOINTS: Final = 10_000

UNITS: Final = frozenset(
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
        "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
        "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
        "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    }
)  # fmt: skip
RESOLUTIONS: Final = frozenset({1, 60})

ID_KEYS: Final[tuple[str, ...]] = ("correlation_id", "causation_id", "event_id", "event_type")
#: Lambda keys copied onto the line inside a decorated handler (as on every log line).
LAMBDA_KEYS: Final[tuple[str, ...]] = ("function_name", "function_request_id")
#: Root keys of an EMF line that are not metrics or dimensions; names may not collide with them.
RESERVED_KEYS: Final = frozenset(
    {"_aws", "timestamp", "level", "message", "logger", SERVICE_DIMENSION, *ID_KEYS, *LAMBDA_KEYS}
)


class MetricsError(ValueError):
    """A metric was put with a name, value, unit or dimension CloudWatch would not accept."""


# Plain classes, not dataclasses: importing dataclasses (and inspect) costs cold-start time.
class _Series:
    __slots__ = ("unit", "resolution", "values")

    def __init__(self, unit: str, resolution: int) -> None:
        self.unit = unit
        self.resolution = resolution
        self.values: list[int | float] = []


class _Group:
    """Datapoints that share dimension values and workflow IDs: they can share one EMF object."""

    __slots__ = ("dimensions", "ids", "series")

    def __init__(self, dimensions: dict[str, str], ids: dict[str, str | None]) -> None:
        self.dimensions = dimensions
        self.ids = ids
        self.series: dict[str, _Series] = {}


_lock = threading.Lock()
_groups: dict[tuple[Any, ...], _Group] = {}
_buffered = 0
_namespace_override: str | None = None


def set_namespace(namespace: str | None) -> None:
    """Set the namespace for every later flush (None: back to the environment / default)."""
    global _namespace_override
    if namespace is not None:
        _check_namespace(namespace, "set_namespace(namespace)")
    _namespace_override = namespace


def current_namespace() -> str:
    """The namespace a flush would use now (see the module docstring for the order)."""
    if _namespace_override is not None:
        return _namespace_override
    for env in (NAMESPACE_ENV, POWERTOOLS_NAMESPACE_ENV):
        value = os.environ.get(env)
        if value:
            _check_namespace(value, f"environment variable {env}")
            return value
    return DEFAULT_NAMESPACE


def put(
    name: str,
    value: float,
    unit: str = "Count",
    dimensions: dict[str, str] | None = None,
    *,
    resolution: int = 60,
) -> None:
    """Buffer one datapoint; it is written by the next :func:`flush`.

    ``dimensions`` are added to the default ``service`` dimension. ``resolution`` 1 asks for a
    high-resolution (per-second) metric. Raises :class:`MetricsError` on input CloudWatch rejects.
    """
    global _buffered
    where = f"metric {name!r}"
    _check_metric_name(name)
    number = _check_value(value, where)
    if unit not in UNITS:
        raise MetricsError(f"{where}: unit {unit!r} is not a CloudWatch unit ({sorted(UNITS)})")
    if resolution not in RESOLUTIONS:
        raise MetricsError(f"{where}: resolution must be 1 or 60 seconds, got {resolution!r}")
    extra = _check_dimensions(dimensions or {}, where)
    if name in extra:
        raise MetricsError(f"{where}: a metric cannot have the same name as one of its dimensions")
    service = _service_name()
    _check_dimension_value(SERVICE_DIMENSION, service, f"{where} (the configured service name)")
    dims = {SERVICE_DIMENSION: service, **dict(sorted(extra.items()))}
    ids = _current_ids()
    key = (tuple(dims.items()), tuple(ids.values()))
    flush_now = False
    with _lock:
        group = _groups.get(key)
        if group is None:
            group = _groups[key] = _Group(dimensions=dims, ids=ids)
        series = group.series.get(name)
        if series is None:
            series = group.series[name] = _Series(unit=unit, resolution=resolution)
        elif series.unit != unit or series.resolution != resolution:
            raise MetricsError(
                f"{where}: already buffered with unit {series.unit!r} and resolution "
                f"{series.resolution}; got unit {unit!r} and resolution {resolution}"
            )
        series.values.append(number)
        _buffered += 1
        flush_now = _buffered >= AUTO_FLUSH_DATAPOINTS
    if flush_now:
        flush()


def pending() -> int:
    """How many datapoints are buffered and not yet flushed."""
    return _buffered


def clear() -> None:
    """Drop every buffered datapoint without writing it (e.g. between tests)."""
    global _buffered
    with _lock:
        _groups.clear()
        _buffered = 0


def flush(*, now_ms: int | None = None) -> list[dict[str, Any]]:
    """Write every buffered datapoint as EMF lines and return the objects written.

    ``now_ms`` fixes the timestamp (milliseconds since the epoch), for deterministic output.
    """
    global _buffered
    namespace = current_namespace()  # a bad namespace raises here, before anything is dropped
    with _lock:
        groups = list(_groups.values())
        _groups.clear()
        _buffered = 0
    if not groups:
        return []
    # The library's clock (logging_config.set_clock), the one line timestamps read too.
    timestamp_ms = _clock_ms() if now_ms is None else now_ms
    written: list[dict[str, Any]] = []
    for group in groups:
        for obj in _objects_for(group, namespace, timestamp_ms):
            for line, fitted in _serialize_within_limit(obj):
                write_line(line)
                written.append(fitted)
    return written


# --- building the objects ----------------------------------------------------------------------


def _objects_for(group: _Group, namespace: str, timestamp_ms: int) -> list[dict[str, Any]]:
    """Split one group into objects of ≤ 100 metrics, each metric with ≤ 100 values."""
    queue = [(name, s, list(s.values)) for name, s in group.series.items()]
    objects: list[dict[str, Any]] = []
    while queue:
        chunk = queue[:MAX_METRICS_PER_OBJECT]
        values = {name: rest[:MAX_VALUES_PER_METRIC] for name, _s, rest in chunk}
        objects.append(_build(group, namespace, timestamp_ms, chunk, values))
        remaining = [(n, s, rest[MAX_VALUES_PER_METRIC:]) for n, s, rest in chunk]
        queue = [item for item in remaining if item[2]] + queue[MAX_METRICS_PER_OBJECT:]
    return objects


def _build(
    group: _Group,
    namespace: str,
    timestamp_ms: int,
    chunk: list[tuple[str, _Series, list[int | float]]],
    values: dict[str, list[int | float]],
) -> dict[str, Any]:
    definitions: list[dict[str, Any]] = []
    for name, series, _rest in chunk:
        definition: dict[str, Any] = {"Name": name, "Unit": series.unit}
        if series.resolution == 1:
            definition["StorageResolution"] = 1
        definitions.append(definition)
    obj: dict[str, Any] = {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(group.dimensions)],
                    "Metrics": definitions,
                }
            ],
        },
        "timestamp": _iso(timestamp_ms),
        "level": "INFO",
        "message": "metrics",
        **group.ids,
        **group.dimensions,
    }
    for name, series_values in values.items():
        obj[name] = series_values[0] if len(series_values) == 1 else series_values
    return obj


def _serialize_within_limit(obj: dict[str, Any]) -> list[tuple[bytes, dict[str, Any]]]:
    """Serialize; if the line is over 256 KB, split its metrics in halves until each fits."""
    line = orjson.dumps(obj)
    directive = obj["_aws"]["CloudWatchMetrics"][0]
    metrics = directive["Metrics"]
    if len(line) <= MAX_LINE_BYTES or len(metrics) < 2:
        return [(line, obj)]
    halves = (metrics[: len(metrics) // 2], metrics[len(metrics) // 2 :])
    out: list[tuple[bytes, dict[str, Any]]] = []
    for half in halves:
        part = {k: v for k, v in obj.items() if k not in {m["Name"] for m in metrics}}
        part["_aws"] = {**obj["_aws"], "CloudWatchMetrics": [{**directive, "Metrics": half}]}
        part.update({m["Name"]: obj[m["Name"]] for m in half})
        out.extend(_serialize_within_limit(part))
    return out


def _iso(timestamp_ms: int) -> str:
    seconds, millis = divmod(timestamp_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


# --- input checks ------------------------------------------------------------------------------


def _printable_ascii(text: str) -> bool:
    """What CloudWatch accepts in a namespace or dimension: ASCII, no control characters, and at
    least one non-whitespace character."""
    return text.isascii() and text.isprintable() and not text.isspace()


def _check_namespace(namespace: object, where: str) -> None:
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= MAX_NAMESPACE:
        raise MetricsError(f"{where}: namespace must be a string of 1-{MAX_NAMESPACE} characters")
    if not _printable_ascii(namespace) or namespace.startswith(":"):
        raise MetricsError(
            f"{where}: namespace {namespace!r} must be printable ASCII not starting with ':'"
        )
    if namespace.startswith("AWS/"):
        raise MetricsError(f"{where}: namespace {namespace!r} may not start with 'AWS/'")


def _check_metric_name(name: object) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_METRIC_NAME:
        raise MetricsError(
            f"metric name must be a string of 1-{MAX_METRIC_NAME} characters, got {name!r:.80}"
        )
    if name in RESERVED_KEYS:
        raise MetricsError(f"metric {name!r}: the name is a reserved key of the line")


def _check_value(value: object, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MetricsError(f"{where}: value must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise MetricsError(f"{where}: value must be finite, got {value!r}")
    if isinstance(value, int) and abs(value) >= 2**63:
        raise MetricsError(f"{where}: value {value} is too large for CloudWatch")
    return value


def _check_dimensions(dimensions: object, where: str) -> dict[str, str]:
    if not isinstance(dimensions, dict):
        raise MetricsError(f"{where}: dimensions must be a dict, got {type(dimensions).__name__}")
    if len(dimensions) + len(DEFAULT_DIMENSIONS) > MAX_DIMENSIONS:
        raise MetricsError(
            f"{where}: {len(dimensions)} dimensions plus the default {list(DEFAULT_DIMENSIONS)} "
            f"exceed CloudWatch's {MAX_DIMENSIONS}"
        )
    for key, val in dimensions.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_DIMENSION_NAME:
            raise MetricsError(f"{where}: dimension name {key!r:.80} must be 1-250 characters")
        if key.startswith(":") or not _printable_ascii(key):
            raise MetricsError(
                f"{where}: dimension name {key!r} must be printable ASCII not starting with ':'"
            )
        if key in RESERVED_KEYS:
            raise MetricsError(f"{where}: dimension {key!r} is a reserved key of the line")
        _check_dimension_value(key, val, where)
    return dict(dimensions)


def _check_dimension_value(key: str, val: object, where: str) -> None:
    if not isinstance(val, str) or not 1 <= len(val) <= MAX_DIMENSION_VALUE:
        raise MetricsError(
            f"{where}: dimension {key!r} value must be a string of 1-1024 characters, "
            f"got {val!r:.80}"
        )
    if not _printable_ascii(val):
        raise MetricsError(
            f"{where}: dimension {key!r} value {val!r:.80} must be printable ASCII with a "
            "non-whitespace character"
        )


# --- what the logger core provides -------------------------------------------------------------


def _current_ids() -> dict[str, str | None]:
    """The workflow IDs, and inside a decorated handler the Lambda keys, current at put()."""
    ids = current_ids()
    found: dict[str, str | None] = {key: ids.get(key) for key in ID_KEYS}
    fields = current_lambda_fields()
    if fields is not None:
        found["function_name"] = fields.function_name
        found["function_request_id"] = fields.function_request_id
    return found


def _service_name() -> str:
    service = current_service()
    return service if isinstance(service, str) and service else UNKNOWN_SERVICE


# --- validation --------------------------------------------------------------------------------


def validate_emf(obj: object) -> list[str]:
    """Problems that would make CloudWatch drop or misread this EMF object (empty list: none).

    Covers what AWS's JSON Schema checks and what it does not: every metric and dimension a
    directive names must be a member of the root (dimension values strings, metric values numbers
    or arrays of ≤ 100 numbers), ≤ 100 metrics per directive, ≤ 30 dimensions per set.
    """
    if not isinstance(obj, dict):
        return [f"root: expected an object, got {type(obj).__name__}"]
    meta = obj.get("_aws")
    if not isinstance(meta, dict):
        return ["_aws: missing or not an object"]
    problems: list[str] = []
    if not isinstance(meta.get("Timestamp"), int) or isinstance(meta.get("Timestamp"), bool):
        problems.append("_aws.Timestamp: missing or not an integer (ms since the epoch)")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return [*problems, "_aws.CloudWatchMetrics: missing or not an array"]
    for index, directive in enumerate(directives):
        problems.extend(_directive_problems(obj, directive, f"_aws.CloudWatchMetrics[{index}]"))
    return problems


def _directive_problems(root: dict[str, Any], directive: object, path: str) -> list[str]:
    if not isinstance(directive, dict):
        return [f"{path}: not an object"]
    problems: list[str] = []
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not namespace:
        problems.append(f"{path}.Namespace: missing or empty")
    dimension_names: set[str] = set()
    sets = directive.get("Dimensions")
    if not isinstance(sets, list) or not sets:
        problems.append(f"{path}.Dimensions: missing or not a non-empty array of dimension sets")
        sets = []
    for set_index, names in enumerate(sets):
        where = f"{path}.Dimensions[{set_index}]"
        if not isinstance(names, list):
            problems.append(f"{where}: not an array")
            continue
        if len(names) > MAX_DIMENSIONS:
            problems.append(f"{where}: {len(names)} dimensions, more than {MAX_DIMENSIONS}")
        for dim in names:
            dimension_names.add(str(dim))
            value = root.get(dim) if isinstance(dim, str) else None
            if not isinstance(dim, str) or dim not in root:
                problems.append(f"{where}: dimension {dim!r} is not a member of the root")
            elif not isinstance(value, str) or not value:
                problems.append(f"{where}: dimension {dim!r} has no non-empty string value")
    metrics = directive.get("Metrics")
    if not isinstance(metrics, list):
        return [*problems, f"{path}.Metrics: missing or not an array"]
    if len(metrics) > MAX_METRICS_PER_OBJECT:
        problems.append(f"{path}.Metrics: {len(metrics)} metrics, more than 100")
    for metric_index, definition in enumerate(metrics):
        where = f"{path}.Metrics[{metric_index}]"
        name = definition.get("Name") if isinstance(definition, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(f"{where}.Name: missing or empty")
            continue
        unit = definition.get("Unit", "None")
        if unit not in UNITS:
            problems.append(f"{where}.Unit: {unit!r} is not a CloudWatch unit")
        if name in dimension_names:
            problems.append(f"{where}: {name!r} is both a metric and a dimension")
        if name not in root:
            problems.append(f"{where}: metric {name!r} is not a member of the root")
        else:
            problems.extend(_value_problems(root[name], f"{where} ({name!r})"))
    return problems


def _value_problems(value: object, where: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not 1 <= len(value) <= MAX_VALUES_PER_METRIC:
        return [f"{where}: {len(value)} values; an array holds 1-{MAX_VALUES_PER_METRIC}"]
    for item in values:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return [f"{where}: value {item!r:.40} is not a number"]
        if isinstance(item, float) and not math.isfinite(item):
            return [f"{where}: value {item!r} is not finite"]
    return []
