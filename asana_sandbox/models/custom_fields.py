"""Custom fields: definitions, enum options, the settings that put fields on containers, and field values.

A field's values are copies on the objects that carry them (`custom_fields` of tasks, projects, portfolios,
goals and users), so a change to the field or to one of its options rewrites those copies, and a delete
removes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from asana_sandbox.errors import bad_request, forbidden, missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import PALETTE, VALUE_KEY, Record, custom_field_value, placed, ref
from asana_sandbox.store import Store

TYPES = ("text", "enum", "multi_enum", "number", "date", "people", "reference")
ENUM_TYPES = ("enum", "multi_enum")
FORMATS = ("currency", "identifier", "percentage", "custom", "duration", "none")
REFERENCE_TYPES = ("task", "project", "portfolio", "goal")
OPTION_COLORS = PALETTE
# The spec: "A custom field can have at most 500 enum options (including disabled options)".
MAX_ENUM_OPTIONS = 500
MAX_PRECISION = 6
# A name "must be unique within a workspace and not conflict with names of existing task properties such
# as `Due Date` or `Assignee`" (the spec); compared without case.
RESERVED_NAMES = frozenset(
    name.casefold()
    for name in (
        "Assignee",
        "Due Date",
        "Start Date",
        "Name",
        "Notes",
        "Projects",
        "Tags",
        "Followers",
        "Completed",
        "Dependencies",
        "Created By",
        "Created On",
        "Last Modified",
        "Completed On",
    )
)
# Objects that carry values of custom fields in their own `custom_fields` (users: `PUT /users/{g}`).
VALUE_HOLDERS = ("task", "project", "portfolio", "goal", "user")
# Objects custom fields can be added to (their `custom_field_settings`).
CONTAINERS = ("project", "portfolio", "goal", "team")
# Fields of a definition that its values repeat, and which an update of the definition rewrites in them.
_COPIED = ("name", "precision", "format", "currency_code", "id_prefix")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


# -- definitions --------------------------------------------------------------------------------------
def create(
    changes: Changes, body: Body, workspace: Record | None = None, local_to: Record | None = None
) -> Record:
    """A new custom field in `workspace` (or the body's), global to it unless `local_to` a container."""
    if body.has("owned_by_app"):
        # The spec: for apps that are not allow-listed, "providing this parameter will result in a 403".
        raise forbidden("owned_by_app: Only allow-listed apps can create app-owned custom fields")
    named = body.obj("workspace", "workspace", required=workspace is None)
    if workspace is not None and named is not None and named["gid"] != workspace["gid"]:
        raise bad_request(f"workspace: Not a recognized ID: {named['gid']}")
    workspace = workspace or named
    assert workspace is not None
    kind = body.choice("resource_subtype", TYPES) or body.choice("type", TYPES)
    if kind is None:
        raise missing_input("resource_subtype")
    name = body.text("name", required=True) or ""
    _check_name(changes.store, workspace["gid"], name, local_to=local_to)
    options = _new_options(changes.store, body) if body.raw("enum_options") is not None else []
    if options and kind not in ENUM_TYPES:
        raise bad_request("enum_options: Only enum and multi_enum custom fields have enum options")
    number = _number_settings(body, {"precision": 0, "format": "none"}) if kind == "number" else {}
    gid = changes.store.new_gid()
    field: Record = {
        "gid": gid,
        "resource_type": "custom_field",
        "name": name,
        "type": kind,
        "enum_options": options,
        "enabled": True,
        "representation_type": kind,
        "id_prefix": body.text("id_prefix"),
        "input_restrictions": _restrictions(body) if kind == "reference" else ["task"],
        "is_formula_field": False,
        "date_value": None,
        "enum_value": None,
        "multi_enum_values": [],
        "number_value": None,
        "text_value": None,
        "display_value": None,
        "description": body.text("description") or "",
        "precision": number.get("precision", 0),
        "format": number.get("format", "none"),
        "currency_code": number.get("currency_code"),
        "custom_label": number.get("custom_label"),
        "custom_label_position": number.get("custom_label_position"),
        "is_global_to_workspace": local_to is None,
        "has_notifications_enabled": _flag(body, "has_notifications_enabled", True),
        "asana_created_field": None,
        "is_value_read_only": False,
        "created_by": changes.actor_ref(),
        "people_value": [],
        "reference_value": [],
        "html_text_value": None,
        "privacy_setting": "public_with_guests",
        "default_access_level": "editor",
        "resource_subtype": kind,
        "_workspace": workspace["gid"],
    }
    return changes.insert(field, parent=workspace)


def update(changes: Changes, field: Record, body: Body) -> Record:
    """Name, description and display settings change; the type, workspace and options do not (spec)."""
    if body.has("owned_by_app"):
        raise forbidden("owned_by_app: Only allow-listed apps can create app-owned custom fields")
    workspace = body.obj("workspace", "workspace")
    if workspace is not None and workspace["gid"] != field.get("_workspace"):
        raise bad_request("workspace: Cannot write this property")
    for key in ("resource_subtype", "type"):
        if body.raw(key) is not None and body.raw(key) != field["type"]:
            raise bad_request(f"{key}: Cannot write this property")
    # "An enum custom field's enum_options cannot be updated with this endpoint."
    body.forbid("enum_options")
    updates: Record = {}
    if body.has("name"):
        updates["name"] = body.text("name", required=True)
        if updates["name"].casefold() != field["name"].casefold():
            _check_name(changes.store, field["_workspace"], updates["name"], field=field)
    if body.has("description"):
        updates["description"] = body.text("description") or ""
    if body.has("has_notifications_enabled"):
        updates["has_notifications_enabled"] = _flag(body, "has_notifications_enabled", True)
    if body.has("id_prefix"):
        updates["id_prefix"] = body.text("id_prefix")
    if body.has("input_restrictions") and field["type"] == "reference":
        updates["input_restrictions"] = _restrictions(body)
    if field["type"] == "number":
        updates.update(_number_settings(body, field))
    changed = changes.update(field, updates)
    copied = [key for key in changed if key in _COPIED]
    if copied:
        _rewrite_values(changes, field, lambda entry: _copy_settings(entry, field, copied))
    return field


def delete(changes: Changes, field: Record) -> None:
    """The field goes, and with it its settings on every container and its values on every object."""
    store = changes.store
    for setting in store.related("custom_field_setting", "custom_field", field["gid"]):
        container = store.get(setting["parent"]["gid"])
        if container is not None:
            kept = [s for s in container.get("custom_field_settings") or () if s["gid"] != setting["gid"]]
            changes.update(container, {"custom_field_settings": kept}, touch=False)
        changes.delete(setting)
    for kind in VALUE_HOLDERS:
        for holder in store.related(kind, "custom_fields", field["gid"]):
            kept = [v for v in holder["custom_fields"] if v["gid"] != field["gid"]]
            changes.update(holder, {"custom_fields": kept}, touch=False)
    for membership in store.related("membership", "parent", field["gid"]):
        changes.delete(membership)
    changes.delete(field)


def _check_name(
    store: Store,
    workspace_gid: str,
    name: str,
    *,
    field: Record | None = None,
    local_to: Record | None = None,
) -> None:
    """Global fields have unique names in their workspace; a local field's name is unique on its container."""
    if not name.strip():
        raise missing_input("name")
    if name.strip().casefold() in RESERVED_NAMES:
        raise bad_request(f"name: Custom field name conflicts with an existing task property: {name}")
    if local_to is not None:
        rivals = fields_on(store, local_to)
    elif field is not None and not field.get("is_global_to_workspace", True):
        rivals = [f for c in containers_of(store, field) for f in fields_on(store, c)]
    else:
        rivals = [
            f
            for f in store.related("custom_field", "_workspace", workspace_gid)
            if f.get("is_global_to_workspace", True)
        ]
    wanted = name.strip().casefold()
    if any(
        f["name"].strip().casefold() == wanted for f in rivals if field is None or f["gid"] != field["gid"]
    ):
        raise bad_request(f"name: A custom field named {name!r} already exists in this workspace")


def _flag(body: Body, name: str, default: bool) -> bool:
    value = body.boolean(name)
    return default if value is None else value


def _restrictions(body: Body) -> list[str]:
    value = body.raw("input_restrictions")
    if value is None:
        return ["task"]
    if not isinstance(value, list) or not all(isinstance(v, str) and v in REFERENCE_TYPES for v in value):
        raise bad_request(f"input_restrictions: Not a list of {', '.join(REFERENCE_TYPES)}: {value!r}")
    return list(dict.fromkeys(value))


def _number_settings(body: Body, current: Record) -> Record:
    """Precision and format of a number field, with the settings that depend on the format.

    `currency_code` is non-null exactly for the currency format, the custom label for the custom format
    (their spec descriptions), and the identifier format always has precision 0.
    """
    out: Record = {}
    if body.has("precision"):
        precision = body.integer("precision", required=True, minimum=0)
        assert precision is not None
        if precision > MAX_PRECISION:
            raise bad_request(f"precision: Must be between 0 and {MAX_PRECISION}, inclusive")
        out["precision"] = precision
    if body.has("format"):
        out["format"] = body.choice("format", FORMATS, required=True)
    fmt = out.get("format", current.get("format") or "none")
    if fmt == "currency":
        code = body.text("currency_code") if body.has("currency_code") else current.get("currency_code")
        if not code:
            raise missing_input("currency_code")
        if not _CURRENCY.match(code):
            raise bad_request(f"currency_code: Not an ISO 4217 currency code: {code}")
        out["currency_code"] = code
    else:
        out["currency_code"] = None
    if fmt == "custom":
        label = body.text("custom_label") if body.has("custom_label") else current.get("custom_label")
        position = (
            body.choice("custom_label_position", ("prefix", "suffix"))
            if body.has("custom_label_position")
            else current.get("custom_label_position")
        )
        out["custom_label"], out["custom_label_position"] = label, position or "suffix"
    else:
        out["custom_label"] = out["custom_label_position"] = None
    if fmt == "identifier":
        out["precision"] = 0
    return out


# -- enum options -------------------------------------------------------------------------------------
def _option(store: Store, name: str, color: str | None) -> Record:
    return {
        "gid": store.new_gid(),
        "resource_type": "enum_option",
        "name": name,
        "enabled": True,
        "color": color or "none",
    }


def _new_options(store: Store, body: Body) -> list[Record]:
    """The `enum_options` of a create request, each read like the body of `POST .../enum_options`."""
    raw = body.raw("enum_options")
    if not isinstance(raw, list):
        raise bad_request(f"enum_options: Not an array: {raw!r}")
    if len(raw) > MAX_ENUM_OPTIONS:
        raise bad_request(f"enum_options: A custom field can have at most {MAX_ENUM_OPTIONS} enum options")
    options = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise bad_request(f"enum_options: [{index}]: Not an object: {item!r}")
        entry = Body({f"enum_options[{index}].{k}": v for k, v in item.items()}, store, body.user_gid)
        name = entry.text(f"enum_options[{index}].name", required=True) or ""
        options.append(_option(store, name, entry.choice(f"enum_options[{index}].color", OPTION_COLORS)))
    return options


def find_option(store: Store, option_gid: str) -> tuple[Record, Record] | None:
    """The custom field that holds an enum option, and the option."""
    for field in store.related("custom_field", "enum_options", option_gid):
        for option in field["enum_options"]:
            if option["gid"] == option_gid:
                return field, option
    return None


def add_option(changes: Changes, field: Record, body: Body) -> Record:
    """A new enum option, last or at `insert_before`/`insert_after`; always enabled on creation (spec)."""
    if field["type"] not in ENUM_TYPES:
        raise bad_request("custom_field: Only enum and multi_enum custom fields have enum options")
    options = list(field.get("enum_options") or ())
    if len(options) >= MAX_ENUM_OPTIONS:
        raise bad_request(f"enum_options: A custom field can have at most {MAX_ENUM_OPTIONS} enum options")
    name = body.text("name", required=True) or ""
    color = body.choice("color", OPTION_COLORS)
    body.boolean("enabled")
    anchor = body.anchor()
    option = _option(changes.store, name, color)
    ordered = placed(options, option, anchor)
    if ordered is None:
        raise _not_an_option("insert_before" if anchor and anchor[0] == "before" else "insert_after", anchor)
    changes.update(field, {"enum_options": ordered})
    return option


def move_option(changes: Changes, field: Record, body: Body) -> Record:
    """Move an option before or after another option of the same field."""
    gid = body.gid("enum_option", body.raw("enum_option")) if body.raw("enum_option") is not None else None
    if gid is None:
        raise missing_input("enum_option")
    options = list(field.get("enum_options") or ())
    option = next((o for o in options if o["gid"] == gid), None)
    if option is None:
        raise bad_request(f"enum_option: Not a recognized ID: {gid}")
    anchor = body.anchor("before_enum_option", "after_enum_option")
    if anchor is None:
        raise bad_request("before_enum_option: One of before_enum_option or after_enum_option is required")
    if anchor[1] == gid:
        return option
    ordered = placed(options, option, anchor)
    if ordered is None:
        raise _not_an_option(f"{anchor[0]}_enum_option", anchor)
    changes.update(field, {"enum_options": ordered})
    return option


def update_option(changes: Changes, field: Record, option: Record, body: Body) -> Record:
    """Rename, recolor, enable or disable an option; values that hold it show the change."""
    updates: Record = {}
    if body.has("name"):
        updates["name"] = body.text("name", required=True)
    if body.has("color"):
        updates["color"] = body.choice("color", OPTION_COLORS, required=True)
    if body.has("enabled"):
        updates["enabled"] = body.boolean("enabled", required=True)
        others = [o for o in field["enum_options"] if o["gid"] != option["gid"] and o.get("enabled", True)]
        if updates["enabled"] is False and not others:
            raise bad_request("enabled: Enum custom fields require at least one enabled enum option")
    new = {**option, **updates}
    if new == option:
        return option
    options = [new if o["gid"] == option["gid"] else o for o in field["enum_options"]]
    changes.update(field, {"enum_options": options})
    _rewrite_values(changes, field, lambda entry: _with_option(entry, new))
    return new


def _not_an_option(name: str, anchor: tuple[str, str] | None) -> Exception:
    return bad_request(f"{name}: Not a recognized ID: {anchor[1] if anchor else ''}")


# -- settings: which fields a project, portfolio, goal or team offers ---------------------------------
def settings_of(store: Store, container: Record) -> list[Record]:
    """The container's custom field settings, in its order."""
    out = (store.get(s["gid"], "custom_field_setting") for s in container.get("custom_field_settings") or ())
    return [s for s in out if s is not None]


def fields_on(store: Store, container: Record) -> list[Record]:
    """The custom fields a container offers, in its order."""
    out = (store.get(s["custom_field"]["gid"], "custom_field") for s in settings_of(store, container))
    return [f for f in out if f is not None]


def containers_of(store: Store, field: Record) -> list[Record]:
    settings = store.related("custom_field_setting", "custom_field", field["gid"])
    return [c for c in (store.get(s["parent"]["gid"]) for s in settings) if c is not None]


def add_setting(changes: Changes, container: Record, body: Body, workspace: Record) -> Record:
    """Put a field on a container (`custom_field` names one, or describes a new field local to it).

    A project's tasks get the field with an empty value, as Asana shows them.
    """
    raw = body.raw("custom_field")
    if raw is None:
        raise missing_input("custom_field")
    important = _flag(body, "is_important", False)
    anchor = body.anchor()
    settings = list(container.get("custom_field_settings") or ())
    if anchor is not None and all(s["gid"] != anchor[1] for s in settings):
        raise bad_request(f"insert_{anchor[0]}: Not a recognized ID: {anchor[1]}")
    if isinstance(raw, dict) and set(raw) - {"gid", "resource_type"}:
        nested = Body(raw, changes.store, body.user_gid)
        field = create(changes, nested, workspace, local_to=container)
    else:
        field = body.obj("custom_field", "custom_field", required=True)
        assert field is not None
        if field.get("_workspace") != workspace["gid"]:
            raise bad_request(f"custom_field: Not a recognized ID: {field['gid']}")
        if any(f["gid"] == field["gid"] for f in fields_on(changes.store, container)):
            raise bad_request(
                f"custom_field: Custom field {field['gid']} is already on this {container['resource_type']}"
            )
    setting: Record = {"gid": changes.store.new_gid(), "resource_type": "custom_field_setting"}
    if container["resource_type"] == "project":
        setting["project"] = ref(container)  # deprecated twin of `parent`, on project settings only
    setting.update({"is_important": important, "parent": ref(container), "custom_field": ref(field)})
    changes.insert(setting, parent=container)
    compact = {"gid": setting["gid"], "resource_type": "custom_field_setting"}
    ordered = placed(settings, compact, anchor)
    # An association, not an edit of the container: its modified_at stays (the spec's note on projects).
    changes.update(container, {"custom_field_settings": ordered}, touch=False)
    if container["resource_type"] == "project":
        for task in changes.store.related("task", "projects", container["gid"]):
            if all(v["gid"] != field["gid"] for v in task.get("custom_fields") or ()):
                values = [*(task.get("custom_fields") or ()), custom_field_value(field)]
                changes.update(task, {"custom_fields": values}, touch=False)
    return setting


def remove_setting(changes: Changes, container: Record, body: Body) -> None:
    """Take a field off a container; a project's tasks lose its value unless another project has it."""
    field = body.obj("custom_field", "custom_field", required=True)
    assert field is not None
    store = changes.store
    setting = next(
        (s for s in settings_of(store, container) if s["custom_field"]["gid"] == field["gid"]), None
    )
    if setting is None:
        raise bad_request(
            f"custom_field: Custom field {field['gid']} is not on this {container['resource_type']}"
        )
    kept = [s for s in container.get("custom_field_settings") or () if s["gid"] != setting["gid"]]
    changes.update(container, {"custom_field_settings": kept}, touch=False)
    changes.delete(setting)
    if container["resource_type"] != "project":
        return
    for task in store.related("task", "projects", container["gid"]):
        others = (store.get(p["gid"], "project") for p in task.get("projects") or ())
        if any(field["gid"] in {f["gid"] for f in fields_on(store, p)} for p in others if p):
            continue
        kept_values = [v for v in task.get("custom_fields") or () if v["gid"] != field["gid"]]
        if len(kept_values) != len(task.get("custom_fields") or ()):
            changes.update(task, {"custom_fields": kept_values}, touch=False)


def remove_all_settings(changes: Changes, container: Record) -> None:
    """The settings of a container that is going away."""
    for setting in changes.store.related("custom_field_setting", "parent", container["gid"]):
        changes.delete(setting)


# -- values -------------------------------------------------------------------------------------------
def display_value(entry: Record, field: Record | None = None) -> str | None:
    """The value as text, as `display_value` shows it (null when unset); numbers at the field's precision."""
    kind = entry.get("type") or entry.get("resource_subtype")
    value = entry.get(VALUE_KEY.get(kind or "", "text_value"))
    if value in (None, []):
        return None
    if kind == "number":
        return f"{value:.{(field or entry).get('precision') or 0}f}"
    if kind == "enum":
        return value["name"]
    if kind == "date":
        return value.get("date_time") or value.get("date")
    if kind in ("multi_enum", "people", "reference"):
        return ", ".join(v.get("name") or "" for v in value)
    return str(value)


def values_from(body: Body, holder: Record, workspace_gid: str, name: str = "custom_fields") -> list[Record]:
    """The holder's `custom_fields` after the body's `{custom_field_gid: value}` object is applied.

    Values follow the field's type (text, number, enum option gid, list of option gids, date or date-time,
    list of users, list of objects); null clears a value. Nothing is written: the caller applies the list.
    """
    raw = body.raw(name)
    if not isinstance(raw, dict):
        raise bad_request(f"{name}: Not an object: {raw!r}")
    values = [dict(v) for v in holder.get("custom_fields") or ()]
    for key, value in raw.items():
        field = body.lookup(name, key, "custom_field")
        if field.get("_workspace") != workspace_gid:
            raise bad_request(f"{name}: Not a recognized ID: {field['gid']}")
        if field.get("is_value_read_only"):
            raise bad_request(f"{name}: Custom field {field['gid']} is read only")
        path = f"{name}.{field['gid']}"
        reader = Body({path: value}, body.store, body.user_gid)
        entry = next((v for v in values if v["gid"] == field["gid"]), None)
        if entry is None:
            entry = custom_field_value(field)
            values.append(entry)
        entry[VALUE_KEY.get(field["type"], "text_value")] = _read_value(reader, path, field)
        entry["display_value"] = display_value(entry, field)
    return values


def _read_value(reader: Body, path: str, field: Record) -> Any:
    kind = field["type"]
    if reader.raw(path) is None:
        return [] if kind in ("multi_enum", "people", "reference") else None
    if kind == "text":
        return reader.text(path)
    if kind == "number":
        return reader.number(path)
    if kind == "date":
        return _date_value(reader, path)
    if kind == "people":
        return [ref(u) for u in reader.objs(path, "user") or ()]
    if kind == "reference":
        return [ref(o) for o in reader.objs(path, field.get("input_restrictions") or REFERENCE_TYPES) or ()]
    options = {o["gid"]: o for o in field.get("enum_options") or ()}
    raw = reader.raw(path)
    chosen = [raw] if kind == "enum" else raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(chosen, list):
        raise bad_request(f"{path}: Not an array: {raw!r}")
    picked = []
    for item in chosen:
        gid = reader.gid(path, item.strip() if isinstance(item, str) else item)
        option = options.get(gid)
        if option is None or not option.get("enabled", True):
            raise bad_request(f"{path}: Not a recognized enum option: {gid}")
        picked.append(dict(option))
    return picked[0] if kind == "enum" else picked


def _date_value(reader: Body, path: str) -> Record:
    """`"YYYY-MM-DD"`, an ISO 8601 date-time, or `{"date": ...}` / `{"date_time": ...}`."""
    raw = reader.raw(path)
    if isinstance(raw, dict):
        if raw.get("date_time") is not None:
            inner = Body({path + ".date_time": raw["date_time"]}, reader.store, reader.user_gid)
            moment = inner.datetime(path + ".date_time")
            return {"date": moment[:10] if moment else None, "date_time": moment}
        inner = Body({path + ".date": raw.get("date")}, reader.store, reader.user_gid)
        return {"date": inner.date(path + ".date", required=True), "date_time": None}
    if isinstance(raw, str) and len(raw) > 10:
        moment = reader.datetime(path)
        return {"date": moment[:10] if moment else None, "date_time": moment}
    return {"date": reader.date(path), "date_time": None}


def _rewrite_values(changes: Changes, field: Record, rewrite: Callable[[Record], Record]) -> None:
    """Apply `rewrite` to every value of `field` on the objects that carry one (their modified_at stays)."""
    for kind in VALUE_HOLDERS:
        for holder in changes.store.related(kind, "custom_fields", field["gid"]):
            values = [rewrite(dict(v)) if v["gid"] == field["gid"] else v for v in holder["custom_fields"]]
            changes.update(holder, {"custom_fields": values}, touch=False)


def drop_references(changes: Changes, record: Record) -> None:
    """A task, project, portfolio or goal that is going away leaves the reference values that hold it."""
    for kind in VALUE_HOLDERS:
        for holder in changes.store.related(kind, "custom_fields.reference_value", record["gid"]):
            values = [_without_reference(dict(v), record["gid"]) for v in holder["custom_fields"]]
            changes.update(holder, {"custom_fields": values}, touch=False)


def _without_reference(entry: Record, gid: str) -> Record:
    held = entry.get("reference_value")
    if isinstance(held, list) and any(r.get("gid") == gid for r in held):
        entry["reference_value"] = [r for r in held if r.get("gid") != gid]
        entry["display_value"] = display_value(entry)
    return entry


def _copy_settings(entry: Record, field: Record, keys: list[str]) -> Record:
    for key in keys:
        if key in entry or key == "name":
            entry[key] = field[key]
    entry["display_value"] = display_value(entry, field)
    return entry


def _with_option(entry: Record, option: Record) -> Record:
    if isinstance(entry.get("enum_value"), dict) and entry["enum_value"]["gid"] == option["gid"]:
        entry["enum_value"] = dict(option)
    if entry.get("multi_enum_values"):
        entry["multi_enum_values"] = [
            dict(option) if o["gid"] == option["gid"] else o for o in entry["multi_enum_values"]
        ]
    entry["display_value"] = display_value(entry)
    return entry
