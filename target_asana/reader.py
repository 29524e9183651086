"""Reading the Singer input: each problem is one line naming the input line, never the line's content."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import IO

from singer_sdk.exceptions import FatalSyncError, InvalidJSONSchema, RecordsWithoutSchemaException
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.json import deserialize_json

#: The keys each message type needs, and the JSON type each must have.
_REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "SCHEMA": {"stream": str, "schema": dict},
    "RECORD": {"stream": str, "record": dict},
    "STATE": {"value": object},
    "ACTIVATE_VERSION": {"stream": str, "version": (int, float)},
    "BATCH": {"stream": str},
}


class InputError(FatalSyncError):
    """The input is not a Singer stream the target can read: the message says which line and why."""


class RecordBeforeSchemaError(InputError, RecordsWithoutSchemaException):
    """A RECORD of a stream whose SCHEMA has not come yet (the SDK's own error, with the line number)."""


class InputReader(SingerReader):
    """The SDK's reader, counting lines. A bad line ends the reading like the end of the input, and is
    kept as an `InputError` that names the line without quoting it (it may hold personal data)."""

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.stream: str | None = None
        self._kind = ""
        self.counts: Counter[str] = Counter()
        #: Why reading stopped early; the target raises it once the lines before it are written.
        self.failure: InputError | None = None

    def process_lines(
        self, file_input: IO[str] | None, callbacks: dict[str, Callable[[dict], None]]
    ) -> Counter[str]:
        """The SDK's loop; a bad line ends it like the end of the input, and is kept in `failure`."""
        try:
            return super().process_lines(self._counted(file_input or self.default_input), callbacks)  # type: ignore[arg-type]
        except (InputError, RecordsWithoutSchemaException, InvalidJSONSchema) as exc:
            self.failure = self.describe(exc)
            self.counts[self._kind] -= 1  # the bad line was not processed
            return +self.counts

    def _counted(self, lines: IO[str]) -> Iterator[str]:
        for self.line_number, line in enumerate(lines, start=1):
            self._kind = ""
            yield line

    def deserialize_json(self, line: str) -> dict:
        try:
            message = deserialize_json(line)
        except json.JSONDecodeError as exc:
            raise self.error(f"is not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(message, dict):
            raise self.error(f"is a JSON {type(message).__name__}, not a Singer message (a JSON object)")
        kind = message.get("type")
        if not isinstance(kind, str):
            raise self.error("has no message `type`")
        if kind not in _REQUIRED:
            raise self.error(f"has an unknown message type {kind!r} (expected {', '.join(_REQUIRED)})")
        for key, expected in _REQUIRED[kind].items():
            if not isinstance(message.get(key), expected):
                raise self.error(f"is a {kind} message without a valid `{key}`")
        self.stream, self._kind = message.get("stream"), kind
        self.counts[kind] += 1
        return message

    @staticmethod
    def assert_line_requires(line_dict: dict, requires: set[str]) -> None:
        # The SDK's version quotes the whole message (records may hold personal data).
        if not isinstance(line_dict, dict) or not requires.issubset(line_dict):
            missing = ", ".join(sorted(requires - set(line_dict if isinstance(line_dict, dict) else ())))
            raise InputError(f"lacks `{missing}`" if missing else "is not an object")

    def error(self, what: str) -> InputError:
        return InputError(f"line {self.line_number} of the input {what}")

    def describe(self, exc: BaseException) -> InputError:
        """An error raised while reading, as the `InputError` to stop with (line number included)."""
        where = f"line {self.line_number} of the input"
        if isinstance(exc, InputError):
            # From the SDK's checks of a message's parts (e.g. a SCHEMA's `properties`).
            return (
                exc if str(exc).startswith("line ") else self.error(f"is a {self._kind} message that {exc}")
            )
        if isinstance(exc, RecordsWithoutSchemaException):
            return RecordBeforeSchemaError(
                f"{where}: a RECORD of stream {self.stream!r} before any SCHEMA of that stream"
            )
        if isinstance(exc, InvalidJSONSchema):
            why = str(exc).removeprefix("Schema Validation Error: ").splitlines()[0][:300]
            return InputError(
                f"{where}: the SCHEMA of stream {self.stream!r} is not a valid JSON Schema: {why}"
            )
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
        return InputError(f"{where}: {first}")
