"""tap_asana/conformance.py gives the SDK's conformance result for every record: on every record of a full
sync of every stream, and on the values JSON never carries (datetimes, bytes, NaN) or the schema does not
expect (extra and nested extra properties, numbers under a boolean, lists of objects)."""

from __future__ import annotations

import datetime
import logging
import math
from decimal import Decimal
from typing import Any

import pytest
from singer_sdk.exceptions import EmptySchemaTypeError
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_asana import client
from tap_asana.conformance import Conformer
from tests.tap.tap_runner import run_tap, tap_config

LOGGER = logging.getLogger("test-conformance")


def sdk(record: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return conform_record_data_types("s", record, schema, TypeConformanceLevel.RECURSIVE, LOGGER)


def same(a: Any, b: Any) -> bool:
    """Equal, NaN-free values of the same types all the way down (True == 1 would hide a missed cast)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def test_every_record_of_a_full_sync_is_conformed_as_the_sdk_would(sandbox, monkeypatch) -> None:
    checked: dict[str, int] = {}
    original = Conformer.conform

    def compared(self: Conformer, record: dict, stream_name: str, logger: logging.Logger) -> dict:
        expected = sdk(dict(record), self.schema)
        got = original(self, record, stream_name, logger)
        assert same(got, expected), (stream_name, record)
        checked[stream_name] = checked.get(stream_name, 0) + 1
        return got

    monkeypatch.setattr(client.Conformer, "conform", compared)
    result = run_tap(tap_config(sandbox))
    assert result.error is None
    assert sum(checked.values()) == sum(len(r) for r in result.records.values()) > 1000
    assert len(checked) >= 35, sorted(checked)


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "gid": {"type": ["string"]},
        "flag": {"type": ["boolean", "null"]},
        "only_bool": {"type": "boolean"},
        "maybe": {"anyOf": [{"type": "boolean"}, {"type": "string"}]},
        "count": {"type": ["integer", "null"]},
        "ratio": {"type": ["number", "null"]},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "blob": {"type": ["string", "null"]},
        "bits": {"type": ["boolean", "null"]},
        "owner": {
            "type": ["object", "null"],
            "properties": {"gid": {"type": ["string"]}, "done": {"type": ["boolean"]}},
        },
        "free_form": {"type": ["object", "null"]},
        "open": {
            "type": ["object", "null"],
            "properties": {"a": {"type": ["string"]}},
            "additionalProperties": True,
        },
        "tags": {
            "type": ["array", "null"],
            "items": {
                "type": ["object"],
                "properties": {"gid": {"type": ["string"]}, "on": {"type": "boolean"}},
            },
        },
        "names": {"type": ["array", "null"], "items": {"type": ["string"]}},
        "switches": {"type": ["array", "null"], "items": {"type": ["boolean"]}},
        "shapeless": {"type": ["array", "null"], "items": {"type": ["object"]}},
        "tuple": {"type": ["array"], "prefixItems": [{"type": "string"}], "items": {"type": "string"}},
        "untyped": {},
    },
}


@pytest.mark.parametrize(
    "record",
    [
        {"gid": "1", "flag": True, "only_bool": False, "count": 3, "ratio": 0.5, "owner": None, "tags": []},
        {"flag": 0, "only_bool": 1, "bits": b"\x00", "blob": b"\x01\x02", "maybe": 0},
        {"ratio": float("nan"), "count": float("inf"), "untyped": float("-inf")},
        {"ratio": Decimal("1.5"), "when": datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.timezone.utc)},
        {"when": datetime.datetime(2026, 12, 4, 8, 0), "blob": datetime.date(2026, 12, 4)},
        {"blob": datetime.timedelta(seconds=90), "untyped": datetime.time(8, 30)},
        {"owner": {"gid": "2", "done": 0, "extra": 1, "more": {"x": 1}}, "surplus": "x"},
        {"free_form": {"anything": [1, 2]}, "open": {"a": "1", "b": 2}},
        {"tags": [{"gid": "3", "on": 1, "junk": True}, "not-an-object", None, {"gid": "4"}]},
        {"names": ["a", 1, None, float("nan")], "switches": [0, 1, True, None, "x"]},
        {"tuple": ["a", "b"], "owner": "not-an-object"},
        {"only_bool": None, "flag": "yes", "maybe": "no", "names": "not-a-list", "tags": {"gid": "5"}},
        {"owner": {"gid": "6", "done": True}, "tags": [{"gid": "7", "on": False}], "untyped": {"k": [1]}},
    ],
)
def test_edge_cases_match_the_sdk(record: dict[str, Any], caplog) -> None:
    expected = sdk(dict(record), SCHEMA)
    got = Conformer(SCHEMA).conform(dict(record), "s", LOGGER)
    assert same(got, expected), (got, expected)


@pytest.mark.parametrize(
    ("record", "error"),
    [({"shapeless": [{"a": 1}]}, KeyError), ({"untyped": [1]}, EmptySchemaTypeError)],
)
def test_what_the_sdk_refuses_is_refused(record: dict[str, Any], error: type[Exception]) -> None:
    """An object list item whose schema has no `properties`, a list under a schema with no type."""
    with pytest.raises(error):
        sdk(dict(record), SCHEMA)
    with pytest.raises(error):
        Conformer(SCHEMA).conform(dict(record), "s", LOGGER)


def test_unmapped_properties_are_named_as_the_sdk_names_them(caplog) -> None:
    record = {"surplus": 1, "owner": {"gid": "1", "extra": 2}, "tags": [{"gid": "2", "junk": 3}]}
    caplog.set_level(logging.WARNING)
    Conformer(SCHEMA).conform(record, "unmapped-ours", LOGGER)
    sdk_logger = logging.getLogger("test-conformance-sdk")
    conform_record_data_types(
        "unmapped-sdk", dict(record), SCHEMA, TypeConformanceLevel.RECURSIVE, sdk_logger
    )
    ours, theirs = (r.getMessage() for r in caplog.records[-2:])
    assert ours.replace("unmapped-ours", "S") == theirs.replace("unmapped-sdk", "S")
    assert "owner.extra" in ours and "tags.junk" in ours
