"""A task as the target compares it: what a record asks for, what Asana holds, and the calls between them.

Records come in two shapes: the tap's (Asana's own field names and nested references) and a foreign
stream's, turned into the same `TaskState` by a mapping. Only the fields a record carries are compared,
so a partial record never clears what it does not mention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from asana_client import parse_timestamp
from target_asana.calls import Call
from target_asana.sinks.base import ref_gid, ref_gids

Record = dict[str, Any]

#: What the target reads of a task to compare it with a record.
TASK_FIELDS = (
    "name",
    "notes",
    "html_notes",
    "completed",
    "assignee",
    "due_on",
    "due_at",
    "start_on",
    "start_at",
    "resource_subtype",
    "modified_at",
    "projects",
    "memberships.project",
    "memberships.section",
    "tags",
    "followers",
    "parent",
    "dependencies",
    "custom_fields.gid",
    "custom_fields.type",
    "custom_fields.resource_subtype",
    "custom_fields.is_formula_field",
    "custom_fields.representation_type",
    "custom_fields.text_value",
    "custom_fields.number_value",
    "custom_fields.enum_value",
    "custom_fields.multi_enum_values",
    "custom_fields.date_value",
    "custom_fields.people_value",
    "workspace",
)
SCALARS = (
    "name",
    "notes",
    "html_notes",
    "completed",
    "assignee",
    "due_on",
    "due_at",
    "start_on",
    "start_at",
    "resource_subtype",
)
#: Subtypes a client may set (Asana derives the others).
WRITABLE_SUBTYPES = ("default_task", "milestone", "section", "approval")


@dataclass
class TaskState:
    """The comparable fields of a task; `None` for a relation means "not mentioned"."""

    scalars: dict[str, Any] = field(default_factory=dict)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    #: custom field gid -> its type (text, number, enum, multi_enum, date, people).
    custom_types: dict[str, str] = field(default_factory=dict)
    #: project gid -> section gid (None: any section).
    projects: dict[str, str | None] | None = None
    #: True when `projects` is the whole list (the tap's records), so other projects are removed.
    projects_exclusive: bool = False
    tags: list[str] | None = None
    followers: list[str] | None = None
    parent: str | None = None
    parent_given: bool = False
    dependencies: list[str] | None = None
    workspace: str | None = None
    modified_at: str | None = None


def custom_field_value(entry: Mapping[str, Any]) -> tuple[bool, Any]:
    """(writable, value in the form a write takes) of a custom field entry as Asana shows it."""
    if entry.get("is_formula_field") or entry.get("representation_type") in ("custom_id", "formula"):
        return False, None
    kind = entry.get("type") or entry.get("resource_subtype")
    if kind == "text":
        return True, entry.get("text_value")
    if kind == "number":
        return True, entry.get("number_value")
    if kind == "enum":
        return True, ref_gid(entry.get("enum_value"))
    if kind == "multi_enum":
        return True, sorted(ref_gids(entry.get("multi_enum_values")) or [])
    if kind == "date":
        value = entry.get("date_value")
        return True, value.get("date") if isinstance(value, dict) else value
    if kind == "people":
        return True, sorted(ref_gids(entry.get("people_value")) or [])
    return False, None


def from_asana(task: Mapping[str, Any], *, given: Mapping[str, Any] | None = None) -> TaskState:
    """The state of a task as Asana answers it, or as the tap emitted it (`given`: only its keys count)."""
    keys = task if given is None else given
    state = TaskState(workspace=ref_gid(task.get("workspace")), modified_at=task.get("modified_at"))
    for name in SCALARS:
        if name in keys:
            value = task.get(name)
            state.scalars[name] = ref_gid(value) if name == "assignee" else value
    if "custom_fields" in keys:
        for entry in task.get("custom_fields") or ():
            writable, value = custom_field_value(entry)
            if writable and entry.get("gid"):
                state.custom_fields[str(entry["gid"])] = value
                state.custom_types[str(entry["gid"])] = (
                    entry.get("type") or entry.get("resource_subtype") or ""
                )
    if "memberships" in keys or "projects" in keys:
        projects: dict[str, str | None] = {g: None for g in ref_gids(task.get("projects")) or []}
        for membership in task.get("memberships") or ():
            project = ref_gid(membership.get("project"))
            if project:
                projects[project] = ref_gid(membership.get("section"))
        state.projects = projects
        state.projects_exclusive = True
    for name in ("tags", "followers", "dependencies"):
        if name in keys:
            setattr(state, name, sorted(ref_gids(task.get(name)) or []))
    if "parent" in keys:
        state.parent, state.parent_given = ref_gid(task.get("parent")), True
    return state


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _notes_key(wanted: Mapping[str, Any]) -> str | None:
    """Compare one form of the description: the HTML one when the record has it (it keeps formatting)."""
    if wanted.get("html_notes") is not None:
        return "html_notes"
    return "notes" if "notes" in wanted else None


def _writable_scalars(wanted: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in wanted.items() if k not in ("notes", "html_notes")}
    notes = _notes_key(wanted)
    if notes:
        out[notes] = wanted[notes]
    # Asana takes one of due_on/due_at (and start_on/start_at): the time when there is one.
    for day, moment in (("due_on", "due_at"), ("start_on", "start_at")):
        if out.get(moment) is not None:
            out.pop(day, None)
        elif moment in out:
            out.pop(moment)
    if out.get("resource_subtype") not in (None, *WRITABLE_SUBTYPES):
        out.pop("resource_subtype")
    return out


def changes(wanted: TaskState, current: TaskState, *, fill_empty_only: bool = False) -> tuple[Record, Record]:
    """(fields for a PUT, custom field values for it) where the record differs from Asana."""
    desired = _writable_scalars(wanted.scalars)
    fields = {k: v for k, v in desired.items() if current.scalars.get(k) != v}
    if "due_at" in fields and _same_instant(current.scalars.get("due_at"), wanted.scalars.get("due_at")):
        fields.pop("due_at")
    custom = {
        gid: value
        for gid, value in wanted.custom_fields.items()
        if gid in current.custom_fields and current.custom_fields.get(gid) != value
    }
    if fill_empty_only:
        fields = {k: v for k, v in fields.items() if _empty(current.scalars.get(k))}
        custom = {g: v for g, v in custom.items() if _empty(current.custom_fields.get(g))}
    return fields, custom


def relation_calls(gid: str, wanted: TaskState, current: TaskState) -> list[Call]:
    """The add/remove calls that bring the task's projects, tags, followers, parent, dependencies in line."""
    path = f"/tasks/{gid}"
    calls: list[Call] = []
    if wanted.projects is not None:
        have = current.projects or {}
        for project, section in wanted.projects.items():
            if project not in have or (section is not None and have[project] != section):
                body = {"project": project, **({"section": section} if section else {})}
                calls.append(Call("POST", f"{path}/addProject", body, idempotent=True))
        if wanted.projects_exclusive:
            calls.extend(
                Call("POST", f"{path}/removeProject", {"project": p}, idempotent=True)
                for p in have
                if p not in wanted.projects
            )
    for name, add, remove, key in (
        ("tags", "addTag", "removeTag", "tag"),
        ("followers", "addFollowers", "removeFollowers", "followers"),
        ("dependencies", "addDependencies", "removeDependencies", "dependencies"),
    ):
        want: list[str] | None = getattr(wanted, name)
        if want is None:
            continue
        have_list: list[str] = getattr(current, name) or []
        added = [g for g in want if g not in have_list]
        removed = [g for g in have_list if g not in want]
        if key == "tag":
            calls.extend(Call("POST", f"{path}/{add}", {"tag": g}, idempotent=True) for g in added)
            calls.extend(Call("POST", f"{path}/{remove}", {"tag": g}, idempotent=True) for g in removed)
        else:
            if added:
                calls.append(Call("POST", f"{path}/{add}", {key: added}, idempotent=True))
            if removed:
                calls.append(Call("POST", f"{path}/{remove}", {key: removed}, idempotent=True))
    if wanted.parent_given and wanted.parent != current.parent:
        calls.append(Call("POST", f"{path}/setParent", {"parent": wanted.parent}, idempotent=True))
    return calls


def create_body(wanted: TaskState, workspace: str) -> Record:
    """The `data` of `POST /tasks` for a new task: every field in one request, relations included."""
    body: Record = {k: v for k, v in _writable_scalars(wanted.scalars).items() if v is not None}
    if wanted.projects:
        body["memberships"] = [
            {"project": p, **({"section": s} if s else {})} for p, s in wanted.projects.items()
        ]
    if wanted.parent:
        body["parent"] = wanted.parent
    if not wanted.projects and not wanted.parent:
        body["workspace"] = workspace
    for name in ("tags", "followers"):
        values = getattr(wanted, name)
        if values:
            body[name] = values
    custom = {g: v for g, v in wanted.custom_fields.items() if not _empty(v)}
    if custom:
        body["custom_fields"] = write_form(custom, wanted.custom_types)
    return body


def write_form(values: Mapping[str, Any], types: Mapping[str, str]) -> Record:
    """Custom field values as a write takes them: a date as `{"date": ...}`, the rest as compared."""
    return {g: {"date": v} if types.get(g) == "date" and isinstance(v, str) else v for g, v in values.items()}


def _same_instant(a: str | None, b: str | None) -> bool:
    """Two timestamps for the same moment (Asana answers `.000Z`; a record may say `+00:00`)."""
    if not a or not b:
        return False
    try:
        return parse_timestamp(a) == parse_timestamp(b)
    except ValueError:
        return False
