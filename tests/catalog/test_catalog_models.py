"""Every field of the catalog's models: bounded when it is a number, strict about booleans, and
described (in the JSON Schema ``obskit catalog schema`` prints for editors).

The walks below visit every model reachable from ``Catalog``, so a field added later is held to the
same rules without anyone remembering to add it here.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from annotated_types import Ge, Gt, Le, Lt
from click.testing import CliRunner
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from catalog import Catalog
from tools.cli import cli


def _models(
    model: type[BaseModel], seen: set[type[BaseModel]] | None = None
) -> Iterator[type[BaseModel]]:
    seen = set() if seen is None else seen
    if model in seen:
        return
    seen.add(model)
    yield model
    for info in model.model_fields.values():
        for inner in _types_in(info.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from _models(inner, seen)


def _types_in(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _types_in(arg)


def _fields() -> list[tuple[str, FieldInfo]]:
    return [
        (f"{model.__name__}.{name}", info)
        for model in _models(Catalog)
        for name, info in model.model_fields.items()
    ]


def _of_type(kind: type) -> list[tuple[str, FieldInfo]]:
    return [(name, info) for name, info in _fields() if kind in set(_types_in(info.annotation))]


NUMBERS = _of_type(int) + _of_type(float)
FLAGS = _of_type(bool)


def _adapter(info: FieldInfo) -> TypeAdapter[Any]:
    return TypeAdapter(Annotated[info.annotation, *info.metadata])


def test_the_walk_finds_the_fields_it_should() -> None:
    names = {name for name, _ in NUMBERS}
    assert {
        "Service.timeout_s",
        "EventType.hop_sla_s",
        "Workflow.sla_s",
        "Queue.retention_s",
    } <= names
    assert {"Bus.archive", "Queue.fifo", "Service.report_batch_item_failures"} == {
        name for name, _ in FLAGS
    }


@pytest.mark.parametrize(("name", "info"), NUMBERS, ids=[n for n, _ in NUMBERS])
def test_every_number_has_a_lower_and_an_upper_bound(name: str, info: FieldInfo) -> None:
    kinds = {type(m) for m in info.metadata}
    assert kinds & {Le, Lt}, f"{name} has no upper bound"
    assert kinds & {Ge, Gt}, f"{name} has no lower bound"
    with pytest.raises(ValidationError, match="less than"):
        _adapter(info).validate_python(9223372036854775808)


@pytest.mark.parametrize(("name", "info"), NUMBERS, ids=[n for n, _ in NUMBERS])
def test_a_boolean_is_never_a_number(name: str, info: FieldInfo) -> None:
    with pytest.raises(ValidationError, match="a boolean is not a number"):
        _adapter(info).validate_python(True)


@pytest.mark.parametrize(("name", "info"), FLAGS, ids=[n for n, _ in FLAGS])
def test_a_number_is_never_a_boolean(name: str, info: FieldInfo) -> None:
    for value in (1, 0, "yes", "true"):
        with pytest.raises(ValidationError, match="valid boolean"):
            _adapter(info).validate_python(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**400])
def test_a_float_field_refuses_what_is_not_a_finite_number(value: float) -> None:
    (sla,) = [i for n, i in NUMBERS if n == "Workflow.sla_s"]
    with pytest.raises(ValidationError):
        _adapter(sla).validate_python(value)


def _properties(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, schema) of a property anywhere in a JSON Schema document."""
    if isinstance(node, dict):
        for name, schema in node.get("properties", {}).items():
            yield f"{path}.{name}", schema
        for key, child in node.items():
            yield from _properties(child, f"{path}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _properties(child, f"{path}[{index}]")


def test_every_property_of_the_printed_schema_has_a_description() -> None:
    result = CliRunner().invoke(cli, ["catalog", "schema"])
    assert result.exit_code == 0, result.output
    properties = list(_properties(json.loads(result.stdout)))
    assert len(properties) >= len(_fields())  # every model's properties were walked
    missing = [
        path for path, schema in properties if not str(schema.get("description", "")).strip()
    ]
    assert missing == []
