"""EMF business metrics: every line is valid EMF (AWS's schema and the root-member rule), split at
CloudWatch's limits, carries the workflow IDs, and bad input fails loudly at put()."""

from __future__ import annotations

import io
import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logging_config import config, metrics
from logging_config.context import EventIds, bind_ids, reset_ids

NOW_MS = 1_766_003_938_084


@pytest.fixture(scope="module")
def emf_validator(shared_dir: Path) -> jsonschema.Draft7Validator:
    schema = json.loads((shared_dir / "specs" / "emf-schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


@pytest.fixture
def out(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.BytesIO]:
    """Lines go to a fresh buffer; service 'pricing'; no namespace from the environment."""
    for name in (metrics.NAMESPACE_ENV, metrics.POWERTOOLS_NAMESPACE_ENV):
        monkeypatch.delenv(name, raising=False)
    buffer = io.BytesIO()
    config.configure("pricing", stream=buffer, env={})
    metrics.clear()
    metrics.set_namespace(None)
    yield buffer
    metrics.clear()
    metrics.set_namespace(None)
    config.configure(env={})


def lines_of(buffer: io.BytesIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


@contextmanager
def ids(correlation_id: str, event_id: str = "evt-1") -> Iterator[None]:
    token = bind_ids(EventIds(correlation_id, correlation_id, event_id, "TradeExecuted"))
    try:
        yield
    finally:
        reset_ids(token)


def assert_valid(obj: dict[str, Any], validator: jsonschema.Draft7Validator) -> None:
    schema_errors = [e.message for e in validator.iter_errors(obj)]
    assert schema_errors == []
    assert metrics.validate_emf(obj) == []


def test_one_metric_is_one_valid_line_with_ids_and_service(
    out: io.BytesIO, emf_validator: jsonschema.Draft7Validator
) -> None:
    with ids("wf-1", "evt-9"):
        metrics.put("TradesExecuted", 3)
        metrics.put("WorkflowDuration", 41.5, unit="Seconds", dimensions={"workflow": "trading"})
    written = metrics.flush(now_ms=NOW_MS)
    lines = lines_of(out)
    assert lines == written
    assert len(lines) == 2  # two dimension sets: [service] and [service, workflow]
    for line in lines:
        assert_valid(line, emf_validator)
        assert line["correlation_id"] == "wf-1"
        assert line["causation_id"] == "wf-1"
        assert line["event_id"] == "evt-9"
        assert line["event_type"] == "TradeExecuted"
        assert line["service"] == "pricing"
        assert line["_aws"]["Timestamp"] == NOW_MS
        assert line["timestamp"] == "2025-12-17T20:38:58.084Z"
        assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == metrics.DEFAULT_NAMESPACE
    by_metric = {
        m["Name"]: line for line in lines for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }
    assert by_metric["TradesExecuted"]["TradesExecuted"] == 3
    assert by_metric["TradesExecuted"]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["service"]
    ]
    duration = by_metric["WorkflowDuration"]
    assert duration["WorkflowDuration"] == 41.5
    assert duration["workflow"] == "trading"
    assert duration["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "workflow"]]
    assert duration["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "WorkflowDuration", "Unit": "Seconds"}
    ]
    assert metrics.pending() == 0
    assert metrics.flush() == []  # nothing left: nothing written
    assert len(lines_of(out)) == 2


def test_repeated_values_become_an_array(out: io.BytesIO) -> None:
    for value in (1, 2, 3):
        metrics.put("OrdersPlaced", value)
    (line,) = metrics.flush(now_ms=NOW_MS)
    assert line["OrdersPlaced"] == [1, 2, 3]


def test_more_than_100_metrics_split_into_objects_of_at_most_100(
    out: io.BytesIO, emf_validator: jsonschema.Draft7Validator
) -> None:
    names = [f"Metric{i:03d}" for i in range(250)]
    for i, name in enumerate(names):
        metrics.put(name, i)
    lines = metrics.flush(now_ms=NOW_MS)
    assert [len(line["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for line in lines] == [
        100,
        100,
        50,
    ]
    seen = [m["Name"] for line in lines for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert seen == names
    for line in lines:
        assert_valid(line, emf_validator)
        assert {k for k in line if k.startswith("Metric")} == {
            m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        }


def test_more_than_100_values_split_across_objects(
    out: io.BytesIO, emf_validator: jsonschema.Draft7Validator
) -> None:
    for i in range(250):
        metrics.put("Latency", i, unit="Milliseconds")
    metrics.put("Errors", 1)
    lines = metrics.flush(now_ms=NOW_MS)
    latency = [line["Latency"] for line in lines]
    assert [len(v) for v in latency] == [100, 100, 50]
    assert [v for chunk in latency for v in chunk] == list(range(250))
    assert sum("Errors" in line for line in lines) == 1
    for line in lines:
        assert_valid(line, emf_validator)


def test_a_line_never_exceeds_256_kb(
    out: io.BytesIO, emf_validator: jsonschema.Draft7Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "AUTO_FLUSH_DATAPOINTS", 1_000_000)
    long_names = [f"{i:03d}" + "x" * 252 for i in range(100)]  # 255 chars, the CloudWatch maximum
    for name in long_names:
        for value in range(100):
            metrics.put(name, -(value + 0.123456789012345) * 1e-100)  # ~24 bytes each
    lines = metrics.flush(now_ms=NOW_MS)
    raw = out.getvalue().splitlines()
    assert len(raw) > 1
    assert max(len(line) for line in raw) <= metrics.MAX_LINE_BYTES
    assert (
        sorted(m["Name"] for line in lines for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"])
        == long_names
    )
    for line in lines:
        assert_valid(line, emf_validator)


def test_each_correlation_gets_its_own_line(out: io.BytesIO) -> None:
    with ids("wf-a"):
        metrics.put("TradesExecuted", 1)
    with ids("wf-b"):
        metrics.put("TradesExecuted", 2)
    with ids("wf-a"):
        metrics.put("TradesExecuted", 5)
    lines = metrics.flush(now_ms=NOW_MS)
    assert {(line["correlation_id"], str(line["TradesExecuted"])) for line in lines} == {
        ("wf-a", "[1, 5]"),
        ("wf-b", "2"),
    }


def test_outside_any_context_the_id_keys_are_null(out: io.BytesIO) -> None:
    metrics.put("Heartbeat", 1)
    (line,) = metrics.flush(now_ms=NOW_MS)
    assert {key: line[key] for key in metrics.ID_KEYS} == dict.fromkeys(metrics.ID_KEYS)


def test_dimension_limit_is_30_including_service(out: io.BytesIO) -> None:
    dims = {f"d{i:02d}": "v" for i in range(29)}
    metrics.put("Wide", 1, dimensions=dims)
    (line,) = metrics.flush(now_ms=NOW_MS)
    assert len(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) == 30
    with pytest.raises(metrics.MetricsError, match=r"'TooWide'.*30 dimensions.*exceed.*30"):
        metrics.put("TooWide", 1, dimensions={**dims, "d29": "v"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "M", "value": math.nan}, r"metric 'M': value must be finite"),
        ({"name": "M", "value": math.inf}, r"metric 'M': value must be finite"),
        ({"name": "M", "value": True}, r"metric 'M': value must be a number, got bool"),
        ({"name": "M", "value": "3"}, r"metric 'M': value must be a number, got str"),
        ({"name": "M", "value": 2**64}, r"metric 'M': value .* too large"),
        ({"name": "M", "value": 1, "unit": "Dollars"}, r"metric 'M': unit 'Dollars' is not"),
        ({"name": "M", "value": 1, "resolution": 5}, r"metric 'M': resolution must be 1 or 60"),
        ({"name": "", "value": 1}, r"metric name must be a string of 1-255"),
        ({"name": "x" * 256, "value": 1}, r"metric name must be a string of 1-255"),
        ({"name": "correlation_id", "value": 1}, r"'correlation_id': the name is a reserved key"),
        ({"name": "service", "value": 1}, r"'service': the name is a reserved key"),
        (
            {"name": "M", "value": 1, "dimensions": {"service": "x"}},
            r"dimension 'service' is a reserved",
        ),
        (
            {"name": "M", "value": 1, "dimensions": {"env": 3}},
            r"dimension 'env' value must be a string",
        ),
        (
            {"name": "M", "value": 1, "dimensions": {"env": ""}},
            r"dimension 'env' value must be a string",
        ),
        ({"name": "M", "value": 1, "dimensions": {":x": "v"}}, r"not starting with ':'"),
        ({"name": "M", "value": 1, "dimensions": {"städte": "v"}}, r"'städte' must be printable"),
        ({"name": "M", "value": 1, "dimensions": {"env": "prød"}}, r"'env' value 'prød' must be"),
        ({"name": "M", "value": 1, "dimensions": {"env": "a\tb"}}, r"'env' value .* printable"),
        ({"name": "M", "value": 1, "dimensions": {"env": "   "}}, r"non-whitespace"),
        (
            {"name": "M", "value": 1, "dimensions": {"M": "v"}},
            r"same name as one of its dimensions",
        ),
        ({"name": "M", "value": 1, "dimensions": ["env"]}, r"dimensions must be a dict, got list"),
    ],
)
def test_bad_input_is_refused_with_what_and_where(
    out: io.BytesIO, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(metrics.MetricsError, match=message):
        metrics.put(**kwargs)
    assert metrics.pending() == 0


def test_a_metric_keeps_one_unit(out: io.BytesIO) -> None:
    metrics.put("Duration", 1, unit="Seconds")
    with pytest.raises(
        metrics.MetricsError, match=r"'Duration': already buffered with unit 'Seconds'"
    ):
        metrics.put("Duration", 1000, unit="Milliseconds")


def test_high_resolution_is_declared(
    out: io.BytesIO, emf_validator: jsonschema.Draft7Validator
) -> None:
    metrics.put("QueueDepth", 7, unit="Count", resolution=1)
    (line,) = metrics.flush(now_ms=NOW_MS)
    assert line["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "QueueDepth", "Unit": "Count", "StorageResolution": 1}
    ]
    assert_valid(line, emf_validator)


def test_namespace_order_override_then_env_then_powertools_then_default(
    out: io.BytesIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert metrics.current_namespace() == metrics.DEFAULT_NAMESPACE
    monkeypatch.setenv(metrics.POWERTOOLS_NAMESPACE_ENV, "FromPowertools")
    assert metrics.current_namespace() == "FromPowertools"
    monkeypatch.setenv(metrics.NAMESPACE_ENV, "Alchemiser")
    assert metrics.current_namespace() == "Alchemiser"
    metrics.set_namespace("Trading/Business")
    metrics.put("TradesExecuted", 1)
    (line,) = metrics.flush(now_ms=NOW_MS)
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Trading/Business"
    metrics.set_namespace(None)
    monkeypatch.setenv(metrics.NAMESPACE_ENV, "AWS/Lambda")
    with pytest.raises(
        metrics.MetricsError, match=r"OBSKIT_METRICS_NAMESPACE.*may not start with 'AWS/'"
    ):
        metrics.current_namespace()
    with pytest.raises(metrics.MetricsError, match=r"set_namespace"):
        metrics.set_namespace("")


def test_unconfigured_service_is_named_unknown(out: io.BytesIO) -> None:
    config.configure(None, stream=out, env={})
    metrics.put("M", 1)
    (line,) = metrics.flush(now_ms=NOW_MS)
    assert line["service"] == metrics.UNKNOWN_SERVICE


def test_same_input_same_bytes(out: io.BytesIO) -> None:
    def emit() -> bytes:
        out.seek(0)
        out.truncate()
        with ids("wf-1"):
            metrics.put("B", 2, dimensions={"z": "1", "a": "2"})
            metrics.put("A", 1.5, unit="Seconds")
            metrics.put("B", 3, dimensions={"a": "2", "z": "1"})
        metrics.flush(now_ms=NOW_MS)
        return out.getvalue()

    first = emit()
    assert emit() == first
    assert b'"Dimensions":[["service","a","z"]]' in first


def test_auto_flush_bounds_the_buffer(out: io.BytesIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "AUTO_FLUSH_DATAPOINTS", 250)
    for i in range(260):
        metrics.put("Tick", i)
    assert metrics.pending() == 10
    assert sum(len(line["Tick"]) for line in lines_of(out)) == 250


def test_threads_put_concurrently_without_losing_or_mixing(out: io.BytesIO) -> None:
    def work(n: int) -> None:
        with ids(f"wf-{n}"):
            for _ in range(50):
                metrics.put("Trades", n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = metrics.flush(now_ms=NOW_MS)
    assert len(lines) == 16
    for line in lines:
        n = int(line["correlation_id"].removeprefix("wf-"))
        assert line["Trades"] == [n] * 50


# --- validate_emf: the checks the JSON Schema does not make ----------------------------------


def _valid_object() -> dict[str, Any]:
    return {
        "_aws": {
            "Timestamp": NOW_MS,
            "CloudWatchMetrics": [
                {
                    "Namespace": "obskit",
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": "Trades", "Unit": "Count"}],
                }
            ],
        },
        "service": "execution",
        "Trades": 4,
    }


def test_validator_accepts_a_valid_object(emf_validator: jsonschema.Draft7Validator) -> None:
    assert_valid(_valid_object(), emf_validator)


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (lambda o: o.pop("Trades"), "metric 'Trades' is not a member of the root"),
        (lambda o: o.pop("service"), "dimension 'service' is not a member of the root"),
        (lambda o: o.update(service=5), "dimension 'service' has no non-empty string value"),
        (lambda o: o.update(Trades="4"), "value '4' is not a number"),
        (lambda o: o.update(Trades=[]), "0 values; an array holds 1-100"),
        (lambda o: o.update(Trades=list(range(101))), "101 values"),
        (
            lambda o: (
                o.update(service="Trades")
                or o["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0].append("Trades")
            ),
            "'Trades' is both a metric and a dimension",
        ),
        (
            lambda o: o["_aws"]["CloudWatchMetrics"][0]["Metrics"].extend(
                {"Name": f"m{i}"} for i in range(100)
            ),
            "101 metrics, more than 100",
        ),
        (
            lambda o: o["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0].extend(
                f"d{i}" for i in range(30)
            ),
            "31 dimensions, more than 30",
        ),
        (lambda o: o["_aws"].pop("Timestamp"), "_aws.Timestamp: missing"),
        (lambda o: o.pop("_aws"), "_aws: missing"),
    ],
)
def test_validator_names_each_problem(mutate: Any, problem: str) -> None:
    obj = _valid_object()
    mutate(obj)
    problems = metrics.validate_emf(obj)
    assert any(problem in p for p in problems), problems


def test_schema_alone_misses_what_the_validator_catches(
    emf_validator: jsonschema.Draft7Validator,
) -> None:
    obj = _valid_object()
    del obj["Trades"]
    assert list(emf_validator.iter_errors(obj)) == []  # AWS's schema is happy...
    assert metrics.validate_emf(obj) == [
        "_aws.CloudWatchMetrics[0].Metrics[0]: metric 'Trades' is not a member of the root"
    ]


# --- property: whatever a caller puts, every line is valid and nothing is lost ----------------

_names = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_characters=":"),
    min_size=1,
    max_size=40,
).filter(lambda s: s not in metrics.RESERVED_KEYS)
_values = st.one_of(
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
_dims = st.dictionaries(
    st.text(alphabet="abcdefghij", min_size=1, max_size=5).filter(
        lambda s: s not in metrics.RESERVED_KEYS
    ),
    st.text(
        alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30
    ).filter(lambda s: not s.isspace()),
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(
    puts=st.lists(
        st.tuples(_names, _values, st.sampled_from(["Count", "Seconds"]), _dims), max_size=150
    )
)
def test_any_puts_give_valid_lines_and_keep_every_value(
    puts: list[tuple[str, float, str, dict[str, str]]], emf_validator: jsonschema.Draft7Validator
) -> None:
    buffer = io.BytesIO()
    config.configure("prop", stream=buffer, env={})
    metrics.clear()
    units: dict[str, str] = {}
    expected: dict[tuple[str, tuple[tuple[str, str], ...]], list[float]] = {}
    try:
        for name, value, unit, dims in puts:
            if name in dims:
                continue
            unit = units.setdefault(name, unit)
            metrics.put(name, value, unit=unit, dimensions=dims)
            expected.setdefault((name, tuple(sorted(dims.items()))), []).append(value)
        metrics.flush(now_ms=NOW_MS)
    finally:
        metrics.clear()
        config.configure(env={})
    got: dict[tuple[str, tuple[tuple[str, str], ...]], list[float]] = {}
    for raw in buffer.getvalue().splitlines():
        assert len(raw) <= metrics.MAX_LINE_BYTES
        line = json.loads(raw)
        assert_valid(line, emf_validator)
        directive = line["_aws"]["CloudWatchMetrics"][0]
        line_dims = tuple(
            sorted((d, line[d]) for d in directive["Dimensions"][0] if d != "service")
        )
        for definition in directive["Metrics"]:
            value = line[definition["Name"]]
            got.setdefault((definition["Name"], line_dims), []).extend(
                value if isinstance(value, list) else [value]
            )
    assert got == expected


# --- with the rest of the library: the decorator flushes, lines carry the Lambda keys ----------


def test_a_decorated_handler_flushes_its_metrics_with_ids_and_lambda_keys(
    capture_logs: Any, emf_validator: jsonschema.Draft7Validator
) -> None:
    import logging_config

    class Context:
        function_name = "alchemiser-dev-metrics"
        aws_request_id = "req-42"

    @logging_config.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> None:
        metrics.put("WorkflowsCompleted", 1, dimensions={"workflow": "trading"})

    metrics.clear()
    detail = {
        "event_id": "evt-7",
        "event_type": "WorkflowCompleted",
        "correlation_id": "workflow-7",
        "causation_id": "evt-6",
    }
    handler({"detail-type": "WorkflowCompleted", "id": "eb-1", "detail": detail}, Context())
    assert metrics.pending() == 0
    (line,) = [ln for ln in capture_logs if "_aws" in ln]
    assert_valid(line, emf_validator)
    assert {k: line[k] for k in ("correlation_id", "causation_id", "event_id", "event_type")} == {
        k: detail[k] for k in ("correlation_id", "causation_id", "event_id", "event_type")
    }
    assert line["function_name"] == "alchemiser-dev-metrics"
    assert line["function_request_id"] == "req-42"


def test_one_flush_of_a_batch_writes_a_line_per_record_workflow(capture_logs: Any) -> None:
    import logging_config

    def record(n: int) -> dict[str, Any]:
        detail = {"event_id": f"e-{n}", "event_type": "TradeExecuted", "correlation_id": f"wf-{n}"}
        body = {"id": f"eb-{n}", "detail-type": "TradeExecuted", "source": "x", "detail": detail}
        return {"messageId": f"m-{n}", "body": json.dumps(body), "eventSource": "aws:sqs"}

    @logging_config.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> None:
        for _record in event["Records"]:  # each record's IDs bound during its iteration
            metrics.put("TradesExecuted", 1)

    metrics.clear()
    handler({"Records": [record(1), record(2), record(3)]}, None)
    emf = [ln for ln in capture_logs if "_aws" in ln]
    assert sorted(ln["correlation_id"] for ln in emf) == ["wf-1", "wf-2", "wf-3"]


def test_a_bad_namespace_keeps_the_datapoints_until_it_is_fixed(
    out: io.BytesIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(metrics.NAMESPACE_ENV, "Trading:Ops\u00e9")
    metrics.put("TradesExecuted", 4)
    with pytest.raises(metrics.MetricsError, match=r"OBSKIT_METRICS_NAMESPACE.*printable ASCII"):
        metrics.flush(now_ms=NOW_MS)
    assert metrics.pending() == 1
    monkeypatch.setenv(metrics.NAMESPACE_ENV, "Trading/Ops")
    (line,) = metrics.flush(now_ms=NOW_MS)
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Trading/Ops"


def test_a_service_name_cloudwatch_refuses_is_named(out: io.BytesIO) -> None:
    config.configure("trésorerie", stream=out, env={})
    with pytest.raises(metrics.MetricsError, match=r"the configured service name.*'trésorerie'"):
        metrics.put("M", 1)


def test_a_failing_flush_in_a_handler_is_an_error_line_not_an_exception(
    capture_logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging_config

    @logging_config.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> str:
        metrics.put("TradesExecuted", 1)
        return "done"

    metrics.clear()
    monkeypatch.setenv(metrics.NAMESPACE_ENV, "AWS/Trading")  # CloudWatch reserves AWS/
    assert handler({"correlation_id": "workflow-9"}, None) == "done"
    (failure,) = capture_logs.where(level="ERROR")
    assert failure["message"] == "metrics flush failed"
    assert failure["exception_name"] == "MetricsError"
    assert "AWS/" in failure["exception"]
    assert failure["correlation_id"] == "workflow-9"
    assert metrics.pending() == 1  # kept for the next flush, once the namespace is fixed
    metrics.clear()


def test_configure_sets_the_metrics_namespace_and_the_environment_wins(out: io.BytesIO) -> None:
    config.configure("svc", stream=out, metrics_namespace="Alchemiser/Business", env={})
    assert metrics.current_namespace() == "Alchemiser/Business"
    env = {metrics.POWERTOOLS_NAMESPACE_ENV: "FromEnv"}
    config.configure("svc", stream=out, metrics_namespace="Alchemiser/Business", env=env)
    assert metrics.current_namespace() == "FromEnv"
    config.configure("svc", stream=out, env={})
    assert metrics.current_namespace() == metrics.DEFAULT_NAMESPACE
    with pytest.raises(ValueError, match=r"metrics_namespace.*AWS/"):
        config.configure("svc", stream=out, metrics_namespace="AWS/Lambda", env={})
    with pytest.raises(ValueError, match=r"OBSKIT_METRICS_NAMESPACE"):
        config.configure("svc", env={metrics.NAMESPACE_ENV: "x" * 256})
    assert metrics.current_namespace() == metrics.DEFAULT_NAMESPACE  # nothing half-applied
