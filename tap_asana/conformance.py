"""The Singer SDK's record type conformance (`TypeConformanceLevel.RECURSIVE`), planned once per schema.

The SDK conforms each record by walking the schema and the record together, working out for every value
again whether its property is a list, an object or a boolean (about 60 schema checks per task record: a
fifth of the tap's CPU on a large workspace). `Conformer` does that work once per stream and then only
walks the record. It gives the SDK's result for every input: JSON values take the planned fast path,
anything else (a datetime, bytes, a NaN float, a value whose type the schema does not expect) is handed to
the SDK's own function. `tests/tap/test_conformance.py` compares the two on every record of a sync and on
edge cases.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from singer_sdk.exceptions import EmptySchemaTypeError
from singer_sdk.helpers._typing import (
    _conform_primitive_property,
    _conform_record_data_types,
    _is_exclusive_boolean_type,
    _warn_unmapped_properties,
    is_object_type,
    is_uniform_list,
)
from singer_sdk.helpers.conform import TypeConformanceLevel

_PLAIN = (str, int, bool, type(None))
RECURSIVE = TypeConformanceLevel.RECURSIVE


@dataclass(slots=True)
class _Node:
    """How one property's values are conformed."""

    schema: dict[str, Any]
    #: The plan of the items of a uniform list (`items` is one schema).
    items: _Node | None = None
    #: The plan of an object with `properties`.
    obj: _Object | None = None
    #: Whether a plain value becomes a boolean (`elem != 0`), as the SDK does for boolean-only types.
    boolean: bool = False
    #: Items only: whether a dict item is conformed as an object (the SDK checks the item schema's type).
    item_object: bool = False
    #: A schema with no type at all: the SDK refuses a list under it (EmptySchemaTypeError), as here.
    untyped: bool = False


@dataclass(slots=True)
class _Object:
    properties: dict[str, _Node]
    additional: bool


def _plan_object(schema: dict[str, Any]) -> _Object:
    return _Object(
        {name: _plan(sub) for name, sub in schema["properties"].items()},
        bool(schema.get("additionalProperties")),
    )


def _plan(schema: dict[str, Any]) -> _Node:
    node = _Node(schema, boolean=_is_exclusive_boolean_type(schema))
    try:
        uniform = is_uniform_list(schema)
    except EmptySchemaTypeError:
        node.untyped = True
        return node
    if uniform:
        node.items = _plan(schema["items"])
        node.items.item_object = bool(is_object_type(schema["items"]))
    if is_object_type(schema) and "properties" in schema:
        node.obj = _plan_object(schema)
    return node


class Conformer:
    """Conforms records to one stream's schema exactly as the SDK would, with the schema analysed once."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.plan = _plan_object(schema)

    def conform(self, record: dict[str, Any], stream_name: str, logger: logging.Logger) -> dict[str, Any]:
        """The conformed copy of `record`; properties the schema lacks are dropped with one warning."""
        unmapped: list[str] = []
        out = _conform_object(record, self.plan, None, unmapped)
        if unmapped:
            _warn_unmapped_properties(stream_name, tuple(unmapped), logger)
        return out


def _conform_object(
    record: dict[str, Any], plan: _Object, parent: str | None, unmapped: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    properties = plan.properties
    for name, elem in record.items():
        node = properties.get(name)
        if node is None:
            if plan.additional:
                out[name] = elem
            else:
                unmapped.append(name if parent is None else f"{parent}.{name}")
        elif type(elem) in _PLAIN and not node.boolean:  # most values: kept as they are
            out[name] = elem
        elif node.items is not None and isinstance(elem, list):
            path = name if parent is None else f"{parent}.{name}"
            out[name] = _conform_list(elem, node.items, path, unmapped)
        elif node.obj is not None and isinstance(elem, dict):
            out[name] = _conform_object(
                elem, node.obj, name if parent is None else f"{parent}.{name}", unmapped
            )
        else:
            if node.untyped and isinstance(elem, list):
                is_uniform_list(node.schema)  # raises, as the SDK's walk does
            out[name] = _conform_value(elem, node)
    return out


def _conform_list(items: list[Any], node: _Node, path: str, unmapped: list[str]) -> list[Any]:
    if not node.item_object:
        return [_conform_value(item, node) for item in items]
    out = []
    for item in items:
        if not isinstance(item, dict):
            out.append(_conform_value(item, node))
        elif node.obj is not None:
            out.append(_conform_object(item, node.obj, path, unmapped))
        else:  # an object schema with no `properties`: the SDK's own walk (and its outcome)
            conformed, missing = _conform_record_data_types(item, node.schema, RECURSIVE, path)
            out.append(conformed)
            unmapped.extend(missing)
    return out


def _conform_value(elem: Any, node: _Node) -> Any:
    if type(elem) in _PLAIN:
        if node.boolean:
            return None if elem is None else elem != 0
        return elem
    return _conform_primitive_property(elem, node.schema)
