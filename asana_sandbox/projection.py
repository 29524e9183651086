"""Field projection: compact records by default, `opt_fields` (dotted paths) to choose fields."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from asana_sandbox.store import Record, Store

FieldTree = dict[str, "FieldTree"]


@cache
def resource_fields() -> dict[str, dict[str, Any]]:
    """Compact and full field lists per resource type, generated from the official spec."""
    text = resources.files("asana_sandbox").joinpath("resource_fields.json").read_text()
    return json.loads(text)


def parse_opt_fields(raw: str | None) -> FieldTree | None:
    """`"name,assignee.email"` -> `{"name": {}, "assignee": {"email": {}}}`; None when absent."""
    if raw is None:
        return None
    tree: FieldTree = {}
    for path in raw.split(","):
        path = path.strip()
        if path.startswith("this."):
            path = path[5:]
        if not path:
            continue
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree


def default_tree(resource_type: str | None, *, full: bool) -> FieldTree:
    """Fields shown without `opt_fields`: compact in lists, all but the opt-in ones for a single object."""
    entry = resource_fields().get(resource_type or "", {})
    fields = entry.get("default" if full else "compact") or ["gid", "resource_type", "name"]
    return {f: {} for f in fields}


def render(record: Record, fields: FieldTree | None, store: Store, *, full: bool = False) -> Record:
    """The record as the API shows it: its default form, or `gid` plus the fields asked for."""
    tree = fields if fields is not None else default_tree(record.get("resource_type"), full=full)
    return _render_object(record, tree, store)


def _render_object(record: Record, tree: FieldTree, store: Store) -> Record:
    out: Record = {}
    if "gid" in record:
        out["gid"] = record["gid"]
    referenced: Record | None = None
    for name, sub in tree.items():
        if name.startswith("_") or name == "gid":
            continue
        if name in record:
            value = record[name]
        else:
            # A field of a referenced object that its embedded compact form does not carry.
            if referenced is None and "gid" in record:
                referenced = store.get(record["gid"]) or {}
            if not referenced or name not in referenced:
                continue
            value = referenced[name]
        out[name] = _render_value(value, sub, store)
    return out


def _render_value(value: Any, sub: FieldTree, store: Store) -> Any:
    if isinstance(value, list):
        return [_render_value(v, sub, store) for v in value]
    if isinstance(value, dict):
        if sub:
            return _render_object(value, sub, store)
        return _strip_private(value)
    return value


def _strip_private(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_private(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [_strip_private(v) for v in value]
    return value
