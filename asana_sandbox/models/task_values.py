"""Custom field values on tasks: the fields a task's projects carry, and values written by field gid.

A value is given as the API takes it (an enum option gid, a list of option or user gids, a number, a text,
`{"date": ...}`) and read by `custom_fields.values_from`, as for goals, portfolios and users; the entry keeps
the shape the task already shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from asana_sandbox.errors import bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models import custom_fields
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, custom_field_value


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
    changes: Changes, entries: Sequence[Record], given: Any, workspace_gid: str
) -> tuple[list[Record], list[tuple[Record, Record]]]:
    """Apply `custom_fields` of a request (`{field gid: value}`) to a task's entries.

    Returns the new entries and the (old, new) pairs that changed. A field the task's projects do not carry
    is refused with Asana's "Custom field with ID X is not on given object"; values are read by type as
    for every other holder of custom fields (`custom_fields.values_from`).
    """
    if not isinstance(given, dict):
        raise bad_request(f"custom_fields: Value is not a JSON object: {given}")
    carried = {e["gid"] for e in entries}
    for gid in given:
        if gid not in carried:
            raise bad_request(f"Custom field with ID {gid} is not on given object")
    actor = changes.actor["gid"] if changes.actor else ""
    body = Body({"custom_fields": given}, changes.store, actor)
    out = custom_fields.values_from(body, {"custom_fields": list(entries)}, workspace_gid)
    return out, [(old, new) for old, new in zip(entries, out, strict=True) if old != new]
