"""Custom field values on tasks: the fields a task's projects carry, and values written by field gid.

A value is given as the API takes it (an enum option gid, a list of option or user gids, a number, a text,
`{"date": ...}`) and refused with Asana's messages; the entry keeps the shape the task already shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from asana_sandbox.errors import bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import VALUE_KEY, Record, custom_field_value, ref


def fields_of(changes: Changes, projects: Iterable[Record]) -> list[Record]:
    """The custom fields that the projects' settings put on their tasks, each once, in setting order."""
    found: dict[str, Record] = {}
    for p in projects:
        project = changes.store.get(p["gid"], "project") or {}
        for s in project.get("custom_field_settings") or ():
            setting = changes.store.get(s["gid"], "custom_field_setting")
            cf_ref = (setting or {}).get("custom_field") or {}
            cf = changes.store.get(cf_ref.get("gid", ""), "custom_field")
            if cf is not None:
                found.setdefault(cf["gid"], cf)
    return list(found.values())


def blank_values(
    changes: Changes, projects: Iterable[Record], current: Sequence[Record] = ()
) -> list[Record]:
    """The task's custom field entries for its projects: kept values, empty ones for new fields."""
    kept = {e["gid"]: e for e in current}
    return [kept.get(cf["gid"]) or custom_field_value(cf) for cf in fields_of(changes, projects)]


def number_custom_ids(changes: Changes, entries: Sequence[Record]) -> list[Record]:
    """Empty values of custom ID fields get the field's next `<id_prefix>-<n>`.

    Asana numbers the tasks of a custom ID field's projects itself (the value is read-only, and the key
    of `GET /workspaces/{g}/tasks/custom_id/{custom_id}`).
    """
    out: list[Record] = []
    for entry in entries:
        cf = changes.store.get(entry["gid"], "custom_field") if not entry.get("text_value") else None
        if cf is not None and cf.get("representation_type") == "custom_id":
            value = _next_custom_id(changes, cf)
            entry = {**entry, "text_value": value, "display_value": value}
        out.append(entry)
    return out


def _next_custom_id(changes: Changes, cf: Record) -> str:
    last = cf.get("_last_id")
    if last is None:  # the first number handed out here: continue after the highest one in use
        numbers = [
            int(tail)
            for task in changes.store.all("task")
            for e in task.get("custom_fields") or ()
            if e["gid"] == cf["gid"] and (tail := str(e.get("text_value") or "").rsplit("-", 1)[-1]).isdigit()
        ]
        last = max(numbers, default=0)
    changes.update(cf, {"_last_id": last + 1}, touch=False)
    return f"{cf.get('id_prefix') or 'ID'}-{last + 1}"


def custom_values(
    changes: Changes, entries: Sequence[Record], given: Any
) -> tuple[list[Record], list[tuple[Record, Record]]]:
    """Apply `custom_fields` of a request (`{field gid: value}`) to a task's entries.

    Returns the new entries and the (old, new) pairs that changed. A field the task's projects do not carry
    is refused with Asana's "Custom field with ID X is not on given object".
    """
    if not isinstance(given, dict):
        raise bad_request(f"custom_fields: Value is not a JSON object: {given}")
    out = [dict(e) for e in entries]
    index = {e["gid"]: k for k, e in enumerate(out)}
    changed: list[tuple[Record, Record]] = []
    for gid, raw in given.items():
        if gid not in index:
            raise bad_request(f"Custom field with ID {gid} is not on given object")
        cf = changes.store.get(gid, "custom_field")
        if cf is None:
            raise bad_request(f"Custom field with ID {gid} is not on given object")
        if cf.get("is_value_read_only") or cf.get("is_formula_field"):
            raise bad_request(f"custom_fields: Custom field with ID {gid} is read-only")
        value, display = _custom_value(changes, cf, raw)
        old = out[index[gid]]
        key = VALUE_KEY.get(cf.get("type") or cf.get("resource_subtype") or "", "text_value")
        if old.get(key) == value and old.get("display_value") == display:
            continue
        # The entry keeps its shape; only its value and display value change.
        new = {**old, key: value, "display_value": display}
        out[index[gid]] = new
        changed.append((old, new))
    return out, changed


def _custom_value(changes: Changes, cf: Record, raw: Any) -> tuple[Any, str | None]:
    """(stored value, display_value) of `raw` for the field's type; 400 on a value of the wrong type."""
    kind = cf.get("type") or cf.get("resource_subtype")
    where = f"custom_fields: {cf['gid']}"
    if kind in ("multi_enum", "people") and raw is None:
        return [], None
    if raw is None:
        return None, None
    if kind == "text":
        if not isinstance(raw, str):
            raise bad_request(f"{where}: Text value must be a string: {raw!r}")
        return raw, raw
    if kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise bad_request(f"{where}: Number value must be a number: {raw!r}")
        precision = cf.get("precision") or 0
        return raw, f"{raw:.{precision}f}"
    if kind == "enum":
        option = _option(cf, raw, where)
        return option, option["name"]
    if kind == "multi_enum":
        if not isinstance(raw, list):
            raise bad_request(f"{where}: Multi-enum value must be a list of enum option IDs: {raw!r}")
        options: list[Record] = []
        for item in raw:
            option = _option(cf, item, where)
            if all(o["gid"] != option["gid"] for o in options):
                options.append(option)
        return options, ", ".join(o["name"] for o in options) or None
    if kind == "date":
        return _date_value(raw, where)
    if kind == "people":
        if not isinstance(raw, list):
            raise bad_request(f"{where}: People value must be a list of user IDs: {raw!r}")
        people: list[Record] = []
        for item in raw:
            user = changes.store.get(str(item), "user") if isinstance(item, (str, int)) else None
            if user is None:
                raise bad_request(f"{where}: Not a recognized user ID: {item}")
            if all(p["gid"] != user["gid"] for p in people):
                people.append(ref(user))
        return people, ", ".join(p["name"] for p in people) or None
    raise bad_request(f"{where}: This field's value cannot be set")


def _option(cf: Record, raw: Any, where: str) -> Record:
    gid = raw.get("gid") if isinstance(raw, dict) else raw
    for option in cf.get("enum_options") or ():
        if option["gid"] == gid:
            if not option.get("enabled", True):
                raise bad_request(f"{where}: Enum option {gid} is disabled")
            return dict(option)
    raise bad_request(f"{where}: Enum option {gid} is not an option of this custom field")


def _date_value(raw: Any, where: str) -> tuple[Record, str]:
    if not isinstance(raw, dict) or not ({"date", "date_time"} & set(raw)):
        raise bad_request(f"{where}: Date value must be an object with date or date_time: {raw!r}")
    body = Body(raw, None, "")  # type: ignore[arg-type]  # only the date readers, which need no store
    if raw.get("date_time") is not None:
        moment = body.datetime("date_time")
        assert moment is not None
        return {"date": moment[:10], "date_time": moment}, moment[:10]
    day = body.date("date")
    assert day is not None
    return {"date": day, "date_time": None}, day
