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
    return _render_object(record, tree, store, _not_nullable(record.get("resource_type")), "")


@cache
def _not_nullable(resource_type: str | None) -> frozenset[str]:
    return frozenset(resource_fields().get(resource_type or "", {}).get("not_nullable", ()))


def _render_object(
    record: Record, tree: FieldTree, store: Store, not_nullable: frozenset[str], prefix: str
) -> Record:
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
        path = prefix + name
        if value is None and path in not_nullable:
            # Asana leaves out what does not apply (a comment story has no old_name) rather than
            # answering null where its spec says the field is never null.
            continue
        out[name] = _render_value(value, sub, store, not_nullable, path + ".")
    return out


def _render_value(value: Any, sub: FieldTree, store: Store, not_nullable: frozenset[str], prefix: str) -> Any:
    if isinstance(value, list):
        return [_render_value(v, sub, store, not_nullable, prefix) for v in value]
    if isinstance(value, dict):
        if "name" in value and "gid" in value:
            # An embedded reference shows the object's current name (it may have been renamed since).
            live = store.objects.get(value["gid"])
            if live is not None and live is not value and live.get("name", value["name"]) != value["name"]:
                value = {**value, "name": live["name"]}
        if sub:
            return _render_object(value, sub, store, not_nullable, prefix)
        return _strip_private(value, not_nullable, prefix)
    return value


def _strip_private(value: Any, not_nullable: frozenset[str], prefix: str) -> Any:
    if isinstance(value, dict):
        return {
            k: _strip_private(v, not_nullable, f"{prefix}{k}.")
            for k, v in value.items()
            if not k.startswith("_") and not (v is None and prefix + k in not_nullable)
        }
    if isinstance(value, list):
        return [_strip_private(v, not_nullable, prefix) for v in value]
    return value
