"""Stream schemas: the committed `schemas/*.json` (generated from Asana's OpenAPI spec) plus context keys."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent


def schema_dir() -> Path:
    """`tap_asana/schemas` in an installed wheel, `<repo>/schemas` in the source tree."""
    packaged = _PACKAGE_DIR / "schemas"
    if packaged.is_dir():
        return packaged
    source = _PACKAGE_DIR.parent / "schemas"
    if source.is_dir():
        return source
    raise FileNotFoundError(f"No stream schemas found in {packaged} or {source}")


@cache
def _load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((schema_dir() / f"{name}.json").read_text(encoding="utf-8"))
    return schema


def stream_schema(name: str, context_keys: Iterable[str] = ()) -> dict[str, Any]:
    """The schema of stream `name`, with the parent ids the SDK copies into each record."""
    schema = copy.deepcopy(_load(name))
    _open_bare_objects(schema)
    for key in context_keys:
        schema["properties"].setdefault(
            key,
            {"type": ["string", "null"], "description": "Parent id this record was read through."},
        )
    return schema


def _open_bare_objects(node: dict[str, Any]) -> None:
    """Give depth-limited objects (`{"type": "object"}` with no properties) an open shape.

    singer-sdk 0.54.9 conforms arrays of objects by reading `properties` unconditionally
    (`_conform_uniform_list`), so a bare object inside an array crashes record writing.
    """
    types = node.get("type", [])
    types = types if isinstance(types, list) else [types]
    if "object" in types and "properties" not in node:
        node["properties"] = {}
        node.setdefault("additionalProperties", True)
    for child in node.get("properties", {}).values():
        _open_bare_objects(child)
    if isinstance(node.get("items"), dict):
        _open_bare_objects(node["items"])


def opt_field_paths(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Every leaf property as an `opt_fields` path: nested objects as dotted paths (`assignee.name`)."""
    paths: list[str] = []
    for name, prop in schema.get("properties", {}).items():
        types = prop.get("type", [])
        types = types if isinstance(types, list) else [types]
        inner = prop if "object" in types else prop.get("items", {}) if "array" in types else {}
        if isinstance(inner, dict) and inner.get("properties"):
            paths.extend(opt_field_paths(inner, f"{prefix}{name}."))
        else:
            paths.append(f"{prefix}{name}")
    return paths


#: Record fields the tap's own logic reads (beyond keys, the replication key and the ids handed to child
#: streams), per stream: asked of Asana even when the catalog deselects them; the SDK still leaves a
#: deselected one out of the records. Keep in step with `tap_asana/streams` and `tap_asana/deletions.py`.
FIELDS_THE_TAP_READS: dict[str, frozenset[str]] = {
    # Walks, change detection, child partitions worth a request, and the loose-task watch (streams/tasks.py).
    "tasks": frozenset(
        {
            "actual_time_minutes",
            "assignee",
            "created_at",
            "html_notes",
            "memberships",
            "modified_at",
            "num_subtasks",
            "parent",
            "projects",
        }
    ),
    # The `workspaces` setting may name a workspace (streams/workspaces.py).
    "workspaces": frozenset({"name"}),
    # A restored story or attachment is linked to its task through these (deletions.py); a task's attachments
    # are listed when its description or stories announce one (attachment_signs.py).
    "stories": frozenset({"target", "resource_subtype", "html_text", "duplicated_from"}),
    "attachments": frozenset({"parent"}),
}
#: Read from every stream's records when the schema has them (child streams filter on `created_at`).
FIELDS_EVERY_STREAM_READS = frozenset({"gid", "created_at"})


def selected_field_paths(
    schema: dict[str, Any],
    is_selected: Callable[[tuple[str, ...]], bool],
    always: Iterable[str] = (),
    leave_out: Iterable[str] = (),
) -> list[str]:
    """The `opt_fields` paths of the properties a catalog selects, in schema order.

    `is_selected` answers for a breadcrumb (`("properties", "assignee")`, nested ones too); top-level
    properties in `always` are asked whole whatever the selection, those in `leave_out` never.
    """
    forced, skipped = set(always), set(leave_out)
    paths: list[str] = []
    for path in opt_field_paths(schema):
        top = path.split(".", 1)[0]
        if top in skipped:
            continue
        if top in forced or _breadcrumbs_selected(path, is_selected):
            paths.append(path)
    return paths


def _breadcrumbs_selected(path: str, is_selected: Callable[[tuple[str, ...]], bool]) -> bool:
    """Whether every level of a dotted path is selected (`assignee`, then `assignee.name`)."""
    breadcrumb: tuple[str, ...] = ()
    for part in path.split("."):
        breadcrumb = (*breadcrumb, "properties", part)
        if not is_selected(breadcrumb):
            return False
    return True
