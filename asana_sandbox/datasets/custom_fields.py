"""Custom fields (with enum options), the settings that put them on projects, goals and teams, the values
tasks carry, and custom task types."""

from __future__ import annotations

from asana_sandbox.models import records

from . import words
from .builder import SPAN_MS, Builder, Record, day, ref
from .workspaces import Space

CUSTOM_FIELD_TYPES = ("text", "number", "enum", "multi_enum", "date", "people")


def custom_fields(b: Builder, space: Space, count: int) -> None:
    """`count` workspace custom fields, cycling through every type so all six are always present."""
    used: set[str] = set()
    for i in range(count):
        kind = CUSTOM_FIELD_TYPES[i % len(CUSTOM_FIELD_TYPES)]
        names = words.CUSTOM_FIELD_NAMES[kind]
        name = names[(i // len(CUSTOM_FIELD_TYPES)) % len(names)]
        if name in used:
            name = f"{name} {i // (len(CUSTOM_FIELD_TYPES) * len(names)) + 1}"
        used.add(name)
        gid = b.gid()
        options: list[Record] = []
        if kind in ("enum", "multi_enum"):
            labels = words.ENUM_OPTIONS.get(name.split(" ")[0], ("One", "Two", "Three"))
            options = [
                {
                    "gid": b.gid(),
                    "resource_type": "enum_option",
                    "name": label,
                    "enabled": True,
                    "color": b.pick(("blue", "green", "red", "yellow", "orange", "purple")),
                }
                for label in labels
            ]
        number_format = b.pick(("none", "currency", "percentage")) if kind == "number" else None
        space.custom_fields.append(b.add(_custom_field(b, space, gid, name, kind, options, number_format)))


def _custom_field(
    b: Builder,
    space: Space,
    gid: str,
    name: str,
    kind: str,
    options: list[Record],
    number_format: str | None,
    representation: str | None = None,
    id_prefix: str | None = None,
) -> Record:
    return {
        "gid": gid,
        "resource_type": "custom_field",
        "name": name,
        "type": kind,
        "enum_options": options,
        "enabled": True,
        "representation_type": representation or kind,
        "id_prefix": id_prefix,
        "input_restrictions": ["task"],
        "is_formula_field": False,
        "date_value": None,
        "enum_value": None,
        "multi_enum_values": [],
        "number_value": None,
        "text_value": None,
        "display_value": None,
        "description": f"{name} of the work item.",
        "precision": 2 if number_format == "currency" else 0,
        "format": number_format or "none",
        "currency_code": "EUR" if number_format == "currency" else None,
        "custom_label": None,
        "custom_label_position": None,
        "is_global_to_workspace": True,
        "has_notifications_enabled": True,
        "asana_created_field": None,
        "is_value_read_only": representation == "custom_id",
        "created_by": ref(b.pick(space.users)),
        "people_value": [],
        "reference_value": [],
        "html_text_value": None,
        "privacy_setting": "public_with_guests",
        "default_access_level": "editor",
        "resource_subtype": kind,
        "_workspace": space.workspace["gid"],
    }


def custom_id_field(b: Builder, space: Space) -> None:
    """A "Task ID" field (representation `custom_id`) numbering the tasks of the first active project.

    Asana fills such a field itself: each task gets `<id_prefix>-<n>` as its read-only display value, the
    key of `GET /workspaces/{g}/tasks/custom_id/{custom_id}`. Added after the tasks exist, so it shifts no
    other generated record.
    """
    project = next((p for p in space.projects if not p["archived"]), None)
    if project is None:
        return
    prefix = "".join(w[0] for w in project["name"].split()[:3]).upper() or "ID"
    cf = b.add(_custom_field(b, space, b.gid(), "Task ID", "text", [], None, "custom_id", prefix))
    space.custom_fields.append(cf)
    _setting(b, project, cf)
    numbered = [t for t in space.tasks if any(p["gid"] == project["gid"] for p in t.get("projects") or ())]
    for n, task in enumerate(numbered, start=1):
        value = f"{prefix}-{n}"
        task["custom_fields"].append(
            {
                "gid": cf["gid"],
                "resource_type": "custom_field",
                "name": cf["name"],
                "type": "text",
                "resource_subtype": "text",
                "representation_type": "custom_id",
                "id_prefix": prefix,
                "enabled": True,
                "text_value": value,
                "display_value": value,
            }
        )


def settings_on_goals_and_teams(b: Builder, space: Space) -> None:
    """Custom fields added to the first goal and the first team (settings exist on both in Asana)."""
    for owner in space.goals[:1] + space.teams[:1]:
        for cf in b.sample(space.custom_fields, 2):
            _setting(b, owner, cf)


def settings_on_project(b: Builder, space: Space, project: Record, count: int) -> None:
    for cf in b.sample(space.custom_fields, count):
        _setting(b, project, cf)


def _setting(b: Builder, parent: Record, cf: Record) -> None:
    """A custom_field_setting of `cf` on `parent`; only a project's setting has the deprecated `project`."""
    setting: Record = {"gid": b.gid(), "resource_type": "custom_field_setting"}
    if parent["resource_type"] == "project":
        setting["project"] = ref(parent)
    setting.update({"is_important": b.chance(0.5), "parent": ref(parent), "custom_field": ref(cf)})
    b.add(setting)
    parent["custom_field_settings"].append({"gid": setting["gid"], "resource_type": "custom_field_setting"})


def custom_field_value(b: Builder, cf: Record, users: list[Record], set_value: bool = True) -> Record:
    """The entry a task carries for `cf`: the field's identity plus its value (null when unset)."""
    kind = cf["type"]
    value: object = None
    display: str | None = None
    if kind == "text":
        value = display = f"{cf['name'][:3].upper()}-{b.rng.randint(100, 9999)}" if set_value else None
    elif kind == "number":
        precision = cf["precision"] or 0
        number = round(b.rng.uniform(1, 500), precision) if set_value else None
        if number is not None and precision == 0:
            number = int(number)
        value, display = number, None if number is None else f"{number:.{precision}f}"
    elif kind == "enum":
        option = b.pick(cf["enum_options"]) if set_value else None
        value, display = (dict(option), option["name"]) if option else (None, None)
    elif kind == "multi_enum":
        chosen = b.sample(cf["enum_options"], b.rng.randint(1, 2)) if set_value else []
        value, display = [dict(o) for o in chosen], ", ".join(o["name"] for o in chosen) or None
    elif kind == "date":
        date = day(b.when(0, SPAN_MS)) if set_value else None
        value, display = ({"date": date}, date) if date else (None, None)  # date_time only with a time
    elif kind == "people":
        people = b.sample(users, b.rng.randint(1, 2)) if set_value else []
        value, display = [ref(p) for p in people], ", ".join(p["name"] for p in people) or None
    # The generated tasks carry the field's identity and value only, not its display settings.
    identity = {"gid": cf["gid"], "name": cf["name"], "type": kind}
    return records.custom_field_value(identity, value, display)


def custom_types(b: Builder, space: Space, count: int) -> None:
    """Custom task types (e.g. "Bug ticket") available in a few projects."""
    for name in ("Bug ticket", "Feature request", "Incident", "Request")[:count]:
        options = [
            {
                "gid": b.gid(),
                "resource_type": "custom_type_status_option",
                "name": label,
                "enabled": True,
                "color": color,
                "completion_state": state,
            }
            for label, color, state in (
                ("Open", "blue", "Incomplete"),
                ("In progress", "yellow", "Incomplete"),
                ("Closed", "green", "Complete"),
            )
        ]
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "custom_type",
                "name": name,
                "status_options": options,
                "_workspace": space.workspace["gid"],
                "_projects": [p["gid"] for p in b.sample(space.projects, 3)],
            }
        )
