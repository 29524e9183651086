"""The fields of a write request's `data`, read with Asana's 400 messages for missing or malformed values."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any
from xml.etree import ElementTree

from asana_sandbox.errors import bad_request, missing_input
from asana_sandbox.models.records import Record
from asana_sandbox.store import Store

_GID = re.compile(r"^\d{1,19}$")


class Body:
    """The `data` object of a POST or PUT, with typed readers that answer 400 the way Asana does.

    Object references may be a gid string, `{"gid": ...}`, or `me` for users; a reference that is not a
    number is "Not a Long", one that names no visible object of the expected type "Not a recognized ID".
    """

    def __init__(self, data: dict[str, Any], store: Store, user_gid: str) -> None:
        self.data = data
        self.store = store
        self.user_gid = user_gid

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def require(self, *names: str) -> None:
        for name in names:
            if self.data.get(name) in (None, ""):
                raise missing_input(name)

    def forbid(self, *names: str) -> None:
        """Fields that cannot be written on this operation (creation-only fields on an update)."""
        for name in names:
            if name in self.data:
                raise bad_request(f"{name}: Cannot write this property")

    def anchor(self, before: str = "insert_before", after: str = "insert_after") -> tuple[str, str] | None:
        """The position a request asks for: `("before" | "after", gid)`, None without one; 400 with both."""
        if self.data.get(before) is not None and self.data.get(after) is not None:
            raise bad_request(f"{after}: Cannot be given together with {before}")
        for side, name in (("before", before), ("after", after)):
            if self.data.get(name) is not None:
                return side, self.gid(name, self.data[name])
        return None

    # -- scalars --------------------------------------------------------------------------------------
    def text(self, name: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise bad_request(f"{name}: Not a string: {_show(value)}")
        if max_length is not None and len(value) > max_length:
            raise bad_request(f"{name}: Exceeds the maximum length of {max_length}")
        return value

    def boolean(self, name: str, *, required: bool = False) -> bool | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise bad_request(f"{name}: Not a boolean: {_show(value)}")
        return value

    def number(self, name: str, *, required: bool = False) -> float | int | None:
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise bad_request(f"{name}: Not a number: {_show(value)}")
        return value

    def integer(self, name: str, *, required: bool = False, minimum: int | None = None) -> int | None:
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request(f"{name}: Not an integer: {_show(value)}")
        if minimum is not None and value < minimum:
            raise bad_request(f"{name}: Must be at least {minimum}")
        return value

    def choice(self, name: str, allowed: Iterable[str], *, required: bool = False) -> str | None:
        value = self.text(name, required=required)
        options = tuple(allowed)
        if value is not None and value not in options:
            raise bad_request(f"{name}: Not one of the allowed values ({', '.join(options)}): {_show(value)}")
        return value

    def date(self, name: str, *, required: bool = False) -> str | None:
        """A `YYYY-MM-DD` date."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise bad_request(f"{name}: Invalid date string: {value}") from None

    def datetime(self, name: str, *, required: bool = False) -> str | None:
        """An ISO 8601 date-time, stored in Asana's format (UTC, milliseconds, Z)."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(f"{name}: Invalid date-time string: {value}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        utc = parsed.astimezone(timezone.utc)
        return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def html(self, name: str, *, required: bool = False) -> str | None:
        """Rich text (`html_notes`, `html_text`): well-formed XML in a `<body>`, as Asana takes it."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            root = ElementTree.fromstring(value)
        except ElementTree.ParseError:
            raise bad_request(f"{name}: XML is invalid") from None
        if root.tag != "body":
            raise bad_request(f"{name}: XML is invalid: the root element must be <body>")
        return value

    # -- references -----------------------------------------------------------------------------------
    def gid(self, name: str, value: Any) -> str:
        """The gid in a reference value (`"123"`, `{"gid": "123"}`, `"me"`); 400 when malformed."""
        if isinstance(value, dict):
            value = value.get("gid")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value == "me":
            return self.user_gid
        if not isinstance(value, str) or not _GID.match(value):
            raise bad_request(f"{name}: Not a Long: {_show(value)}")
        return value

    def lookup(self, name: str, value: Any, types: str | Iterable[str]) -> Record:
        allowed = (types,) if isinstance(types, str) else tuple(types)
        if "user" in allowed and isinstance(value, str) and "@" in value:
            # Wherever a user is named, Asana also accepts the user's email.
            for user in self.store.related("user", "email", value):
                return user
            raise bad_request(f"{name}: Not a recognized ID: {value}")
        gid = self.gid(name, value)
        record = self.store.get(gid)
        if record is None or record.get("resource_type") not in allowed:
            raise bad_request(f"{name}: Not a recognized ID: {gid}")
        return record

    def obj(self, name: str, types: str | Iterable[str], *, required: bool = False) -> Record | None:
        """The object a field names, or None when the field is absent or null."""
        value = self._value(name, required)
        if value is None:
            return None
        return self.lookup(name, value, types)

    def objs(self, name: str, types: str | Iterable[str], *, required: bool = False) -> list[Record] | None:
        """The objects of a list field (a JSON list, or a comma-separated string as the spec allows)."""
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise bad_request(f"{name}: Not an array: {_show(value)}")
        out: list[Record] = []
        for index, item in enumerate(value):
            record = self.lookup(f"{name}: [{index}]", item, types)
            if all(r["gid"] != record["gid"] for r in out):
                out.append(record)
        return out

    def _value(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and required:
            raise missing_input(name)
        return value


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."
