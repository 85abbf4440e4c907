"""No line exceeds CloudWatch's 256 KB event limit; the largest values are cut, JSON stays valid."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

import logging_config
from logging_config.truncate import MAX_LINE_BYTES, fit_record


def test_limit_is_cloudwatch_event_size_minus_put_log_events_overhead() -> None:
    assert MAX_LINE_BYTES == 262_144 - 26


def test_huge_field_is_cut_and_marked_and_small_fields_survive(capture_logs: Any) -> None:
    with logging_config.start_workflow("wf-big"):
        logging_config.get_logger("x").info("big", blob="x" * 400_000, symbol="AAPL", qty=3)
    raw = capture_logs.raw[0]
    line = capture_logs[0]
    assert len(raw) <= MAX_LINE_BYTES
    assert len(raw) > MAX_LINE_BYTES - 2_000  # cut to fit, not thrown away
    assert line["truncated"] is True
    assert line["symbol"] == "AAPL"
    assert line["qty"] == 3
    assert line["correlation_id"] == "wf-big"
    assert "truncated" in line["blob"] and line["blob"].startswith("xxxx")
    assert logging_config.stats()["truncated"] == 1


def test_only_the_largest_values_shrink() -> None:
    record = {"message": "m", "a": "a" * 5_000, "b": "b" * 3_000, "c": "c" * 100}
    line = orjson.loads(fit_record(record, limit=4_000))
    assert line["c"] == "c" * 100
    assert line["message"] == "m"
    assert len(line["a"]) < 5_000 and len(line["b"]) < 3_000
    assert line["truncated"] is True


def test_nested_value_becomes_cut_json_text() -> None:
    record = {"message": "m", "rows": [{"i": i, "pad": "p" * 50} for i in range(2_000)]}
    out = fit_record(record, limit=10_000)
    assert len(out) <= 10_000
    line = orjson.loads(out)
    assert isinstance(line["rows"], str) and line["rows"].startswith('[{"i":0')


def test_thousands_of_keys_drop_the_last_ones_and_count_them() -> None:
    record: dict[str, Any] = {"message": "m", "correlation_id": "wf"}
    record.update({f"k{i:05d}": i for i in range(50_000)})
    out = fit_record(record, limit=20_000, keep=frozenset({"message", "correlation_id"}))
    assert len(out) <= 20_000
    line = orjson.loads(out)
    assert line["message"] == "m" and line["correlation_id"] == "wf"
    assert line["truncated_keys"] > 0
    assert line["k00000"] == 0


def test_multibyte_text_is_cut_on_a_character_boundary(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        logging_config.get_logger("x").info("emoji", text="💥" * 100_000)
    assert len(capture_logs.raw[0]) <= MAX_LINE_BYTES
    assert capture_logs[0]["text"].startswith("💥💥")


def test_huge_message_and_exception_are_cut_too(capture_logs: Any) -> None:
    with logging_config.start_workflow():
        try:
            raise ValueError("v" * 300_000)
        except ValueError:
            logging_config.get_logger("x").exception("m" * 300_000)
    assert len(capture_logs.raw[0]) <= MAX_LINE_BYTES
    assert capture_logs[0]["exception_name"] == "ValueError"
    assert capture_logs[0]["truncated"] is True


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=6_000), min_size=1, max_size=8),
    char=st.sampled_from(["a", "é", "\n", '"', "💥", "\x00"]),
    limit=st.integers(min_value=600, max_value=8_000),
)
def test_property_fit_record_respects_any_limit(sizes: list[int], char: str, limit: int) -> None:
    record: dict[str, Any] = {"message": "hello", "correlation_id": "wf"}
    record.update({f"f{i}": char * size for i, size in enumerate(sizes)})
    out = fit_record(record, limit=limit, keep=frozenset({"message", "correlation_id"}))
    assert len(out) <= limit
    line = orjson.loads(out)
    assert line["correlation_id"] == "wf"
    if len(orjson.dumps(record)) > limit:
        assert line["truncated"] is True
    else:
        assert line == record
