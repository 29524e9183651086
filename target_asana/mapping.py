"""Records from other systems (a CSV of tickets, a CRM...) as tasks, through a `mappings` entry."""

from __future__ import annotations

from typing import Any

from target_asana.lookup import Lookup
from target_asana.outcomes import Rejected
from target_asana.settings import TaskMapping
from target_asana.task_state import TaskState

Record = dict[str, Any]
_DATE_FIELDS = ("due_on", "start_on")


def mapped_state(
    record: Record, mapping: TaskMapping, lookup: Lookup, workspace: str
) -> tuple[TaskState, str | None]:
    """The task a foreign record stands for, and the project that holds it (and its key)."""
    state = TaskState(workspace=workspace)
    for asana_field, source in mapping.fields.items():
        if source not in record:
            continue
        value = record[source]
        if asana_field == "assignee":
            state.scalars["assignee"] = (
                lookup.user(workspace, str(value)) if value not in (None, "") else None
            )
        elif asana_field == "completed":
            state.scalars["completed"] = _completed(value, mapping)
        elif asana_field in _DATE_FIELDS:
            state.scalars[asana_field] = str(value)[:10] if value not in (None, "") else None
        else:
            state.scalars[asana_field] = None if value is None else str(value)
    project = lookup.project(workspace, mapping.project) if mapping.project else None
    if project is not None:
        section = None
        if mapping.section_field and record.get(mapping.section_field) not in (None, ""):
            section = lookup.section(project, str(record[mapping.section_field]))
        state.projects = {project: section}
    for name, source in mapping.custom_fields.items():
        if source in record:
            field = lookup.custom_field(workspace, name)
            if project is not None and field["gid"] not in lookup.project_fields(project):
                raise Rejected(f"custom field {name!r} is not on project {mapping.project!r}")
            state.custom_fields[field["gid"]] = _custom_value(field, record[source], lookup, workspace)
            state.custom_types[field["gid"]] = field.get("type") or field.get("resource_subtype") or ""
    return state, project


def _completed(value: Any, mapping: TaskMapping) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if mapping.completed_values:
        return text in mapping.completed_values
    return text in ("true", "1", "yes", "done", "closed", "completed")


def _custom_value(field: Record, value: Any, lookup: Lookup, workspace: str) -> Any:
    """A source value in the form Asana takes for the field's type (option names become option gids)."""
    if value in (None, ""):
        return [] if field.get("type") in ("multi_enum", "people") else None
    kind = field.get("type") or field.get("resource_subtype")
    if kind == "number":
        try:
            return float(value) if not isinstance(value, (int, float)) else value
        except ValueError:
            raise Rejected(f"custom field {field['name']!r}: {value!r} is not a number") from None
    if kind == "enum":
        return lookup.enum_option(field, str(value))
    if kind == "multi_enum":
        names = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
        return sorted(lookup.enum_option(field, str(n)) for n in names)
    if kind == "date":
        return str(value)[:10]
    if kind == "people":
        people = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
        return sorted(lookup.user(workspace, str(p)) for p in people)
    return str(value)
