"""The tap's message writer writes what the SDK's default (simplejson) writer writes, one flushed line each.

One difference, which the SDK's own msgspec writer has too: a datetime object (a message's `time_extracted`)
is written in RFC 3339's UTC form, `...Z`, where simplejson writes `...+00:00`; both are the same instant.
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import math
import re
from typing import Any

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage
from singer_sdk.singerlib.encoding.simple import SimpleSingerWriter

from tap_asana.message_writer import JsonLinesWriter
from tap_asana.tap import TapAsana

_EXTRACTED = datetime.datetime(2026, 12, 4, 9, 30, 1, 123456, tzinfo=datetime.timezone.utc)

MESSAGES = [
    SchemaMessage("tasks", {"type": "object", "properties": {"gid": {"type": "string"}}}, ["gid"]),
    RecordMessage(
        "tasks",
        {
            "gid": "1200",
            "name": 'Ünïcode ✓ "quoted" \\ back\nslash',
            "num_likes": 3,
            "completed": False,
            "due_on": datetime.date(2026, 12, 31),
            "modified_at": datetime.datetime(2026, 12, 4, 8, 0, tzinfo=datetime.timezone.utc),
            "estimate": decimal.Decimal("1.50"),
            "ratio": 0.25,
            "memberships": [{"project": {"gid": "1"}, "section": None}],
        },
        version=1733300000000,
        time_extracted=_EXTRACTED,
    ),
    RecordMessage("tasks", {"gid": "1201", "score": math.nan}, time_extracted=_EXTRACTED),
    StateMessage({"bookmarks": {"tasks": {"partitions": [{"context": {"project_gid": "1"}}]}}}),
]


_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$")


def _instants(value: Any) -> Any:
    """The decoded message with every date-time string read as the instant it names."""
    if isinstance(value, dict):
        return {key: _instants(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_instants(item) for item in value]
    if isinstance(value, str) and _DATETIME.match(value):
        return datetime.datetime.fromisoformat(value)
    return value


def _decoded(line: str | bytes) -> Any:
    return _instants(json.loads(line))


def _lines(writer_class: type, stdout: io.TextIOBase, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr("sys.stdout", stdout)
    writer = writer_class()
    for message in MESSAGES:
        writer.write_message(message)
    stdout.seek(0)
    return stdout.read().splitlines()


def test_the_tap_writes_with_it() -> None:
    assert TapAsana.message_writer_class is JsonLinesWriter


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_each_message_decodes_to_what_the_sdk_writer_writes(message: object) -> None:
    ours = _decoded(JsonLinesWriter().format_message(message))
    sdk = _decoded(SimpleSingerWriter().format_message(message))
    assert ours == sdk
    assert "\n" not in JsonLinesWriter().format_message(message).decode()


def test_time_extracted_is_written_in_utc() -> None:
    line = json.loads(JsonLinesWriter().format_message(MESSAGES[1]))
    assert line["time_extracted"] == "2026-12-04T09:30:01.123456Z"


def test_a_nan_is_written_as_null_as_the_sdk_does() -> None:
    line = JsonLinesWriter().format_message(MESSAGES[2])
    assert json.loads(line)["record"]["score"] is None


def test_one_line_per_message_through_the_bytes_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = io.BytesIO()
    text = io.TextIOWrapper(binary, encoding="utf-8", write_through=True)
    text.write("a line written as text first\n")
    ours = _lines(JsonLinesWriter, text, monkeypatch)
    assert ours[0] == "a line written as text first"
    assert [_decoded(line) for line in ours[1:]] == [
        _decoded(line) for line in _lines(SimpleSingerWriter, io.StringIO(), monkeypatch)
    ]


def test_a_text_stream_without_a_bytes_layer_gets_text(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _lines(JsonLinesWriter, io.StringIO(), monkeypatch)
    assert len(lines) == len(MESSAGES)
    assert json.loads(lines[1])["record"]["name"] == MESSAGES[1].record["name"]


def test_each_message_is_encoded_into_bytes_of_its_own() -> None:
    # A STATE written from a signal handler between a record's encoding and its write must not change it.
    writer = JsonLinesWriter()
    record = writer.format_message(MESSAGES[1])
    before = bytes(record)
    writer.format_message(MESSAGES[3])
    assert record == before
