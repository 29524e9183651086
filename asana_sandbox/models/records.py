"""The record builders every part of the sandbox shares: compact references, custom field values, blank tasks.

Routes, models, the mutation step and the dataset builders all build records through these, so that a task
created by `POST /tasks`, by `POST /_sandbox/mutate` and by the demo dataset has the same shape.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import escape, unescape
from typing import Any

Record = dict[str, Any]

# The key of a custom field value that holds the value, by field type.
VALUE_KEY = {
    "text": "text_value",
    "number": "number_value",
    "enum": "enum_value",
    "multi_enum": "multi_enum_values",
    "date": "date_value",
    "people": "people_value",
    "reference": "reference_value",
}
# Asana's palette of colours for enum options and time tracking categories.
PALETTE = (
    "none",
    "red",
    "orange",
    "yellow-orange",
    "yellow",
    "yellow-green",
    "green",
    "blue-green",
    "aqua",
    "blue",
    "indigo",
    "purple",
    "magenta",
    "hot-pink",
    "pink",
    "cool-gray",
)
# Settings of a custom field that its values carry along.
_VALUE_SETTINGS = (
    "representation_type",
    "id_prefix",
    "precision",
    "format",
    "currency_code",
    "is_formula_field",
)


def utcnow_iso() -> str:
    """Asana's timestamp format: UTC with milliseconds and a trailing Z."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ref(record: Record) -> Record:
    """The compact form other records embed: gid, resource_type and name when the target has one."""
    out = {"gid": record["gid"], "resource_type": record["resource_type"]}
    if "name" in record:
        out["name"] = record["name"]
    return out


def custom_field_value(custom_field: Record, value: Any = None, display_value: str | None = None) -> Record:
    """A custom field as a task (or project, goal, portfolio) carries it: the field and its value.

    With no `value`, the empty value of the field's type (`[]` for multi-enum and people, else None).
    """
    kind = custom_field.get("type") or custom_field.get("resource_subtype") or "text"
    if value is None and kind in ("multi_enum", "people", "reference"):
        value = []
    entry: Record = {
        "gid": custom_field["gid"],
        "resource_type": "custom_field",
        "name": custom_field.get("name"),
        "type": kind,
        "resource_subtype": kind,
        "enabled": custom_field.get("enabled", True),
        "display_value": display_value,
        VALUE_KEY.get(kind, "text_value"): value,
    }
    for key in _VALUE_SETTINGS:
        if key in custom_field:
            entry[key] = custom_field[key]
    return entry


def rich_text(text: str | None, html: str | None) -> tuple[str, str]:
    """A text and its HTML twin (`notes`/`html_notes`, `text`/`html_text`) from whichever a request gave.

    Asana keeps both: writing the HTML rewrites the text (tags stripped), writing the text rewrites the HTML.
    """
    if text is None and html is not None:
        text = unescape(re.sub(r"<[^>]*>", "", html))
    text = text or ""
    if html is None:
        html = f"<body>{escape(text, quote=False)}</body>"
    return text, html


def placed(items: list[Record], item: Record, anchor: tuple[str, str] | None = None) -> list[Record] | None:
    """`items` with `item` (re)placed `("before" | "after", gid)` an element, or last without an anchor.

    None when the anchor is not among `items` (the caller answers its own 400).
    """
    rest = [i for i in items if i["gid"] != item["gid"]]
    if anchor is None:
        return [*rest, item]
    side, gid = anchor
    index = next((k for k, i in enumerate(rest) if i["gid"] == gid), None)
    if index is None:
        return None
    index += 1 if side == "after" else 0
    return [*rest[:index], item, *rest[index:]]


def blank_task(gid: str, workspace: Record, now: str, creator: Record, name: str) -> Record:
    """A full task record as `POST /tasks` leaves it before the request's fields apply."""
    return {
        "gid": gid,
        "resource_type": "task",
        "name": name,
        "resource_subtype": "default_task",
        "created_by": ref(creator),
        "approval_status": None,
        "assignee_status": None,
        "assigned_by": None,
        "completed": False,
        "completed_at": None,
        "completed_by": None,
        "created_at": now,
        "dependencies": [],
        "dependents": [],
        "due_at": None,
        "due_on": None,
        "external": None,
        "html_notes": "<body></body>",
        "hearted": False,
        "hearts": [],
        "is_rendered_as_separator": False,
        "liked": False,
        "likes": [],
        "memberships": [],
        "modified_at": now,
        "notes": "",
        "num_hearts": 0,
        "num_likes": 0,
        "num_subtasks": 0,
        "start_at": None,
        "start_on": None,
        "actual_time_minutes": None,
        "assignee": None,
        "assignee_section": None,
        "custom_fields": [],
        "custom_type": None,
        "custom_type_status_option": None,
        "followers": [ref(creator)],
        "parent": None,
        "projects": [],
        "tags": [],
        "workspace": ref(workspace) if "resource_type" in workspace else dict(workspace),
        "permalink_url": f"https://app.asana.com/1/{workspace['gid']}/task/{gid}",
    }


def blank_project(
    gid: str, workspace: Record, team: Record | None, now: str, owner: Record, name: str
) -> Record:
    """A full project record as a new project starts: owned by `owner`, its only member and follower."""
    return {
        "gid": gid,
        "resource_type": "project",
        "name": name,
        "archived": False,
        "color": None,
        "icon": None,
        "created_at": now,
        "current_status": None,
        "current_status_update": None,
        "custom_field_settings": [],
        "default_view": "list",
        "due_date": None,
        "due_on": None,
        "html_notes": "<body></body>",
        "members": [ref(owner)],
        "modified_at": now,
        "notes": "",
        "public": True,
        "privacy_setting": "public_to_workspace",
        "start_on": None,
        "default_access_level": "editor",
        "minimum_access_level_for_customization": "editor",
        "minimum_access_level_for_sharing": "editor",
        "custom_fields": [],
        "completed": False,
        "completed_at": None,
        "completed_by": None,
        "followers": [ref(owner)],
        "owner": ref(owner),
        "team": ref(team) if team else None,
        "permalink_url": f"https://app.asana.com/1/{workspace['gid']}/project/{gid}",
        "project_brief": None,
        "created_from_template": None,
        "workspace": ref(workspace),
    }
