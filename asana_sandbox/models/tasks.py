"""Tasks: create, update, delete; subtasks and parents, projects and sections, followers, dependencies; order.

`modified_at` follows OAS TaskBase.modified_at: edits of the task's own fields and new stories move it;
moving the task to another container (project, section, parent) and adding a subtask to it do not. Every
change appends its events through `Changes`, and the system stories Asana writes through `models.stories`.

Order: every list of tasks follows the store's one order of tasks, which placing a task changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from asana_sandbox.errors import bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models import stories
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import VALUE_KEY, Record, blank_task, custom_field_value, ref, rich_text

MAX_PROJECTS = 20  # OAS addProject: "A task can have at most 20 projects multi-homed to it."
MAX_LINKS = 30  # OAS addDependencies: "at most 30 dependents and dependencies combined"
SUBTYPES = ("default_task", "milestone", "approval", "custom")
APPROVAL_STATUSES = ("pending", "approved", "rejected", "changes_requested")
ASSIGNEE_STATUSES = ("today", "upcoming", "later", "new", "inbox")
CREATE_ONLY = ("projects", "memberships", "parent", "followers", "tags", "workspace")
EXTERNAL_GID_MAX, EXTERNAL_DATA_MAX = 1024, 32768  # asana-api.md 3.12
NO_HOME = "You should specify one of workspace, parent, projects"
_DATE_FIELDS = ("start_on", "due_at", "due_on")


# -- order ----------------------------------------------------------------------------------------------
def members(changes: Changes, container: Record) -> list[Record]:
    """The tasks in a project or section, or the subtasks of a task, in the order lists show them."""
    store, gid = changes.store, container["gid"]
    if container["resource_type"] == "project":
        return store.related("task", "projects", gid)
    if container["resource_type"] == "section":
        return store.related("task", "memberships.section", gid)
    return store.related("task", "parent", gid)


def place(
    changes: Changes,
    task: Record,
    container: Record,
    *,
    before: Record | None = None,
    after: Record | None = None,
    first: bool = False,
) -> None:
    """Put `task` before or after an anchor, first, or (by default) last among `container`'s tasks.

    Every list follows the store's one order of tasks (`Changes.move`), so a position holds in each
    container the task shares with its neighbours.
    """
    if before is not None or after is not None:
        changes.move(task, before=before, after=after)
    elif first:
        others = [t for t in members(changes, container) if t["gid"] != task["gid"]]
        if others:
            changes.move(task, before=others[0])
    else:
        changes.move(task)  # last of the store's order: last in every list that shows it


# -- reading a request -----------------------------------------------------------------------------------
def read_fields(body: Body, task: Record | None, actor: Record | None, now: str) -> Record:
    """The task's own plain fields that the body sets (name, notes, dates, completion, subtype...).

    `task` is the task being updated (None on a create): dates and approval follow its current values.
    """
    out: Record = {}
    if body.has("name"):
        out["name"] = body.text("name") or ""
    if body.has("html_notes") or body.has("notes"):
        rich = body.text("html_notes") if body.has("html_notes") else None
        notes, html_notes = rich_text(None if rich else body.text("notes"), rich)
        out.update(notes=notes, html_notes=html_notes)
    if body.has("resource_subtype"):
        out["resource_subtype"] = body.choice("resource_subtype", SUBTYPES) or "default_task"
    out.update(_dates(body))
    if body.has("completed"):
        done = body.boolean("completed")
        if done is None:
            raise bad_request("completed: Not a boolean: None")
        out["completed"] = done
    if body.has("approval_status"):
        status = body.choice("approval_status", APPROVAL_STATUSES)
        subtype = out.get("resource_subtype") or (task or {}).get("resource_subtype") or "default_task"
        if subtype != "approval":
            raise bad_request("approval_status: Only approval tasks have an approval status")
        out["approval_status"] = status
        # Kept in step with `completed` (OAS TaskBase.approval_status): pending is incomplete.
        out.setdefault("completed", status != "pending")
    elif out.get("completed") is not None and (
        (out.get("resource_subtype") or (task or {}).get("resource_subtype")) == "approval"
    ):
        out["approval_status"] = "approved" if out["completed"] else "pending"
    if "completed" in out and out["completed"] != (task or {}).get("completed", False):
        out["completed_at"] = now if out["completed"] else None
        out["completed_by"] = ref(actor) if out["completed"] and actor else None
    if out.get("resource_subtype") == "approval" and task is None:
        out.setdefault("approval_status", "pending")
    if body.has("liked"):
        liked = body.boolean("liked")
        out["_liked"] = bool(liked)
    return out


def _dates(body: Body) -> Record:
    """due_on / due_at / start_on / start_at with Asana's rules on how they combine."""
    out: Record = {}
    due_on, due_at = body.date("due_on"), body.datetime("due_at")
    if due_on is not None and due_at is not None:
        raise bad_request("You may only provide one of due_on or due_at!")
    if body.has("due_at"):
        # A due time also sets the day it falls on (in UTC, as the sandbox's users live in UTC).
        out.update(due_at=due_at, due_on=due_at[:10] if due_at else None)
    if body.has("due_on") and (due_on is not None or not body.has("due_at")):
        out.update(due_on=due_on, due_at=None)
    has_due = body.has("due_on") or body.has("due_at")
    if body.has("start_on"):
        if not has_due:
            raise bad_request("start_on: due_on or due_at must be present in the request with start_on")
        out.update(start_on=body.date("start_on"), start_at=None)
    if body.has("start_at"):
        if not body.has("due_at"):
            raise bad_request("start_at: due_at must be present in the request with start_at")
        start_at = body.datetime("start_at")
        out.update(start_at=start_at, start_on=start_at[:10] if start_at else None)
    start, due = out.get("start_on"), out.get("due_on")
    if start and due and date.fromisoformat(start) > date.fromisoformat(due):
        raise bad_request("start_on: The start date must be on or before the due date")
    return out


def read_assignee(body: Body, workspace: Record) -> Record | None:
    """The body's assignee (a gid, `me` or an email): a user of the task's workspace, or None."""
    user = body.obj("assignee", "user")
    if user is None:
        return None
    if all(w.get("gid") != workspace["gid"] for w in user.get("workspaces") or ()):
        kind = "Organization" if workspace.get("is_organization") else "Workspace"
        raise bad_request(f"assignee: Not a user in {kind}: {body.raw('assignee')}")
    return user


def read_external(body: Body, client_id: str | None) -> Record | None:
    """`external` (`{gid, data}`): app data of the OAuth app making the request (asana-api.md 3.12)."""
    if not body.has("external"):
        return None
    if client_id is None:
        raise bad_request("external: Only OAuth apps can write external data; a personal access token cannot")
    value = body.raw("external")
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - {"gid", "data"}:
        raise bad_request("external: Not an object with gid and data")
    gid, data = value.get("gid"), value.get("data")
    for name, item, limit in (("gid", gid, EXTERNAL_GID_MAX), ("data", data, EXTERNAL_DATA_MAX)):
        if item is not None and not isinstance(item, str):
            raise bad_request(f"external.{name}: Not a string")
        if item is not None and len(item) > limit:
            raise bad_request(f"external.{name}: Exceeds the maximum length of {limit}")
    return {"gid": gid, "data": data}


# -- external data ---------------------------------------------------------------------------------------
def external_of(task: Record, client_id: str | None) -> Record | None:
    """The `external` value the OAuth app `client_id` set on the task (none for other apps or a PAT)."""
    if client_id is None:
        return None
    value = (task.get("_external") or {}).get(client_id)
    return dict(value) if value else None


def by_external(changes_or_store: Any, client_id: str | None, key: str) -> Record | None:
    """The task whose external gid, set by the OAuth app `client_id`, is `key` (`GET /tasks/external:key`)."""
    store = getattr(changes_or_store, "store", changes_or_store)
    if client_id is None:
        return None
    for task in store.all("task"):
        value = (task.get("_external") or {}).get(client_id)
        if value and value.get("gid") == key:
            return task
    return None


def _set_external(changes: Changes, task: Record, client_id: str, value: Record) -> None:
    kept = {k: v for k, v in (task.get("_external") or {}).items() if k != client_id}
    if value:
        kept[client_id] = value
    changes.update(task, {"_external": kept})


# -- custom fields ---------------------------------------------------------------------------------------
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
        key = next(k for k in custom_field_value(cf) if k in VALUE_KEY.values())
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


# -- create ----------------------------------------------------------------------------------------------
def create_task(
    changes: Changes,
    workspace: Record,
    *,
    name: str = "",
    parent: Record | None = None,
    homes: Sequence[tuple[Record, Record | None]] = (),
    assignee: Record | None = None,
    followers: Sequence[Record] = (),
    tags: Sequence[Record] = (),
    fields: Mapping[str, Any] | None = None,
    custom_fields: Sequence[Record] = (),
) -> Record:
    """A new task: in `homes` ((project, section) pairs), under `parent`, or in the workspace only.

    `fields` are the task's own plain fields (notes, dates, completed...); `custom_fields` entries override
    the empty values of the projects' fields. The creator follows the task, and so does the assignee.
    Reports it `added` to its parent task, first project or workspace, and to each other project.
    """
    actor = changes.actor or {"gid": "0", "resource_type": "user", "name": None}
    task = blank_task(changes.store.new_gid(), workspace, changes.now, actor, name)
    projects = [p for p, _ in homes]
    entries = blank_values(changes, projects)
    given = {e["gid"]: e for e in custom_fields}
    entries = [given.get(e["gid"], e) for e in entries]
    people = [ref(u) for u in (actor, *followers)]
    if assignee is not None:
        people.append(ref(assignee))
        task.update(assignee=ref(assignee), assigned_by=ref(actor), assignee_status="inbox")
    task.update(
        memberships=[_membership(changes, p, s) for p, s in homes],
        projects=[ref(p) for p in projects],
        parent=ref(parent) if parent else None,
        followers=list({u["gid"]: u for u in people}.values()),
        tags=[ref(t) for t in tags],
        custom_fields=entries,
    )
    own = dict(fields or {})
    liked = own.pop("_liked", None)
    task.update(own)
    if liked:
        task.update(_likes(task, actor, True))
    container = parent or (projects[0] if projects else workspace)
    changes.insert(task, parent=container)
    for project in projects[1:]:
        changes.added(task, project)
    # A new task comes last in the store's order, so last in each of its containers.
    if parent is not None:
        _count_subtasks(changes, parent, +1)
    return task


def _count_subtasks(changes: Changes, parent: Record, delta: int) -> None:
    """Keep the parent's derived `num_subtasks` in step. Not a change of the parent's own: no event and no
    `modified_at` (the subtask's `added`/`removed`/`deleted` events, with the parent, report it)."""
    changes.store.update(parent["gid"], {"num_subtasks": max(0, parent.get("num_subtasks", 0) + delta)})


def homes(store: Any, task: Record) -> list[tuple[Record, Record | None]]:
    """A task's (project, section) memberships as live records, to create another task beside it."""
    out: list[tuple[Record, Record | None]] = []
    for membership in task.get("memberships") or ():
        project = store.get((membership.get("project") or {}).get("gid", ""), "project")
        section = store.get((membership.get("section") or {}).get("gid", ""), "section")
        if project is not None:
            out.append((project, section))
    return out


def _membership(changes: Changes, project: Record, section: Record | None) -> Record:
    section = section or first_section(changes, project)
    out: Record = {"project": ref(project)}
    if section is not None:
        out["section"] = ref(section)
    return out


def first_section(changes: Changes, project: Record) -> Record | None:
    """Where a task added to a project without a section goes: the project's first section."""
    sections = changes.store.related("section", "project", project["gid"])
    return sections[0] if sections else None


def create_from_body(
    changes: Changes, body: Body, *, parent: Record | None = None, client_id: str | None = None
) -> Record:
    """`POST /tasks` (and `POST /tasks/{t}/subtasks` with `parent`): read and check the body, then create."""
    parent = parent or body.obj("parent", "task")
    projects = body.objs("projects", "project") or []
    homes: list[tuple[Record, Record | None]] = [(p, None) for p in projects]
    for k, membership in enumerate(body.raw("memberships") or ()):
        homes.append(_read_membership(body, k, membership))
    workspace = body.obj("workspace", "workspace")
    if workspace is None:
        anchor = parent or (homes[0][0] if homes else None)
        if anchor is None:
            raise bad_request(NO_HOME)
        workspace = changes.store.get(anchor["workspace"]["gid"], "workspace")
        assert workspace is not None
    for project, _ in homes:
        if project["workspace"]["gid"] != workspace["gid"]:
            raise bad_request(f"projects: Project {project['gid']} is not in workspace {workspace['gid']}")
    if parent is not None and parent["workspace"]["gid"] != workspace["gid"]:
        raise bad_request(f"parent: Task {parent['gid']} is not in workspace {workspace['gid']}")
    homes = _unique_homes(homes)
    if len(homes) > MAX_PROJECTS:
        raise bad_request(f"projects: A task can have at most {MAX_PROJECTS} projects")
    fields = read_fields(body, None, changes.actor, changes.now)
    assignee = read_assignee(body, workspace)
    if body.has("assignee_status"):
        if assignee is None:
            raise bad_request("assignee_status: Can only be set on a task with an assignee")
        fields["assignee_status"] = body.choice("assignee_status", ASSIGNEE_STATUSES)
    if body.has("assignee_section"):
        section = body.obj("assignee_section", "section")
        fields["assignee_section"] = ref(section) if section else None
    followers = body.objs("followers", "user") or []
    tags = body.objs("tags", "tag") or []
    for tag in tags:
        if tag["workspace"]["gid"] != workspace["gid"]:
            raise bad_request(f"tags: Tag {tag['gid']} is not in workspace {workspace['gid']}")
    entries: list[Record] = []
    if body.has("custom_fields"):
        blank = blank_values(changes, [p for p, _ in homes])
        entries, _ = custom_values(changes, blank, body.raw("custom_fields"))
    external = read_external(body, client_id)
    task = create_task(
        changes,
        workspace,
        name=fields.pop("name", ""),
        parent=parent,
        homes=homes,
        assignee=assignee,
        followers=followers,
        tags=tags,
        fields=fields,
        custom_fields=entries,
    )
    if external and client_id:
        _set_external(changes, task, client_id, external)
    return task


def _unique_homes(homes: list[tuple[Record, Record | None]]) -> list[tuple[Record, Record | None]]:
    """One home per project; a membership's section wins over a bare `projects` entry."""
    out: dict[str, tuple[Record, Record | None]] = {}
    for project, section in homes:
        if project["gid"] not in out or section is not None:
            out[project["gid"]] = (project, section)
    return list(out.values())


def _read_membership(body: Body, k: int, membership: Any) -> tuple[Record, Record | None]:
    name = f"memberships: [{k}]"
    if not isinstance(membership, dict):
        raise bad_request(f"{name}: Not an object: {membership!r}")
    if membership.get("project") is None:
        raise bad_request(f"{name}: project: Missing required field")
    project = body.lookup(f"{name}: project", membership["project"], "project")
    section = None
    if membership.get("section") is not None:
        section = body.lookup(f"{name}: section", membership["section"], "section")
        if (section.get("project") or {}).get("gid") != project["gid"]:
            raise bad_request(f"{name}: section: Section {section['gid']} is not in project {project['gid']}")
    return project, section


# -- update ----------------------------------------------------------------------------------------------
def update_from_body(changes: Changes, task: Record, body: Body, *, client_id: str | None = None) -> Record:
    """`PUT /tasks/{t}`: only the given fields change; creation-only fields are refused."""
    body.forbid(*CREATE_ONLY)
    fields = read_fields(body, task, changes.actor, changes.now)
    workspace = changes.store.get(task["workspace"]["gid"], "workspace") or task["workspace"]
    if body.has("assignee"):
        assignee = read_assignee(body, workspace)
        fields["assignee"] = ref(assignee) if assignee else None
    if body.has("assignee_status"):
        assignee_ref = fields["assignee"] if "assignee" in fields else task.get("assignee")
        if assignee_ref is None:
            raise bad_request("assignee_status: Can only be set on a task with an assignee")
        fields["assignee_status"] = body.choice("assignee_status", ASSIGNEE_STATUSES)
    if body.has("assignee_section"):
        section = body.obj("assignee_section", "section")
        fields["assignee_section"] = ref(section) if section else None
    if body.has("custom_type"):
        custom_type = body.obj("custom_type", "custom_type")
        fields["custom_type"] = ref(custom_type) if custom_type else None
        if custom_type is not None:
            fields["resource_subtype"] = "custom"
    if body.has("custom_type_status_option"):
        fields["custom_type_status_option"] = _status_option(changes, task, fields, body)
    if body.has("custom_fields"):
        entries, _ = custom_values(changes, task.get("custom_fields") or [], body.raw("custom_fields"))
        fields["custom_fields"] = entries
    external = read_external(body, client_id)
    apply_fields(changes, task, fields)
    if external is not None and client_id:
        _set_external(changes, task, client_id, external)
    return task


def _status_option(changes: Changes, task: Record, fields: Record, body: Body) -> Record | None:
    value = body.raw("custom_type_status_option")
    if value is None:
        return None
    gid = body.gid("custom_type_status_option", value)
    type_ref = fields.get("custom_type", task.get("custom_type")) or {}
    custom_type = changes.store.get(type_ref.get("gid", ""), "custom_type") or {}
    for option in custom_type.get("status_options") or ():
        if option["gid"] == gid:
            return ref(option)
    raise bad_request(f"custom_type_status_option: Not a recognized ID: {gid}")


def apply_fields(changes: Changes, task: Record, fields: Mapping[str, Any]) -> list[str]:
    """Change the task's own fields and write the system stories Asana writes for them.

    Takes resolved values (as `read_fields` returns, `assignee` a compact user or None, `custom_fields` the
    full entries). Returns the fields that changed.
    """
    updates = dict(fields)
    liked = updates.pop("_liked", None)
    if liked is not None:
        updates.update(_likes(task, changes.actor, liked))
    old = {k: task.get(k) for k in updates}
    if "assignee" in updates and (updates["assignee"] or {}).get("gid") != (task.get("assignee") or {}).get(
        "gid"
    ):
        assignee = updates["assignee"]
        updates["assigned_by"] = changes.actor_ref() if assignee else None
        updates.setdefault("assignee_status", "inbox" if assignee else None)
        if assignee and all(f["gid"] != assignee["gid"] for f in task.get("followers") or ()):
            # Asana makes the assignee a follower.
            updates["followers"] = [*(task.get("followers") or ()), dict(assignee)]
    old_dates = {k: task.get(k) for k in _DATE_FIELDS}
    liked_only = set(updates) <= {"liked", "likes", "num_likes", "hearted", "hearts", "num_hearts"}
    changed = changes.update(task, updates, touch=not liked_only)
    _stories_for(changes, task, changed, old, old_dates)
    return changed


def _likes(task: Record, actor: Record | None, liked: bool) -> Record:
    if actor is None:
        return {}
    likes = [x for x in task.get("likes") or () if (x.get("user") or {}).get("gid") != actor["gid"]]
    if liked:
        likes.append({"gid": f"{task['gid']}-{actor['gid']}", "user": ref(actor)})
    return {
        "liked": liked,
        "likes": likes,
        "num_likes": len(likes),
        "hearted": liked,
        "hearts": likes,
        "num_hearts": len(likes),
    }


def _stories_for(
    changes: Changes, task: Record, changed: Sequence[str], old: Record, old_dates: Record
) -> None:
    """The system stories Asana writes on a task for changes of its own fields."""
    if "name" in changed:
        new = task["name"]
        stories.add(
            changes, task, "name_changed", f'changed the name to "{new}"', old_name=old["name"], new_name=new
        )
    if "notes" in changed or "html_notes" in changed:
        stories.add(changes, task, "notes_changed", "changed the description")
    if "completed" in changed:
        if task["completed"]:
            stories.add(changes, task, "marked_complete", "marked this task complete")
        else:
            stories.add(changes, task, "marked_incomplete", "marked incomplete")
    if {"due_on", "due_at", "start_on"} & set(changed):
        new_dates = {k: task.get(k) for k in _DATE_FIELDS}
        if task.get("due_on"):
            subtype, text = "due_date_changed", f"changed the due date to {stories.due_text(task['due_on'])}"
        elif "start_on" in changed and task.get("start_on"):
            subtype, text = (
                "starting_date_changed",
                f"changed the start date to {stories.due_text(task['start_on'])}",
            )
        else:
            subtype, text = "due_date_changed", "removed the due date"
        stories.add(changes, task, subtype, text, old_dates=old_dates, new_dates=new_dates)
    if "assignee" in changed:
        assignee = task.get("assignee")
        if assignee:
            stories.add(
                changes, task, "assigned", f"assigned to {assignee.get('name')}", assignee=dict(assignee)
            )
        else:
            stories.add(changes, task, "unassigned", "unassigned")
    if "approval_status" in changed:
        stories.add(
            changes,
            task,
            "approval_status_changed",
            f"changed the approval status to {task['approval_status']}",
            old_approval_status=old.get("approval_status"),
            new_approval_status=task["approval_status"],
        )
    if "resource_subtype" in changed:
        new_subtype = task["resource_subtype"]
        stories.add(
            changes,
            task,
            "resource_subtype_changed",
            f"changed this task to a {new_subtype.replace('_', ' ')}",
            old_resource_subtype=old.get("resource_subtype"),
            new_resource_subtype=new_subtype,
        )
    if "custom_fields" in changed:
        before = {e["gid"]: e for e in old.get("custom_fields") or ()}
        for entry in task["custom_fields"]:
            previous = before.get(entry["gid"])
            if previous is not None and previous != entry:
                custom_field_story(changes, task, previous, entry)


def custom_field_story(changes: Changes, task: Record, old: Record, new: Record) -> Record:
    """`<type>_custom_field_changed`, with the field and its old and new values."""
    kind = new["type"]
    key = VALUE_KEY.get(kind)
    field = {k: new[k] for k in ("gid", "resource_type", "name", "type", "resource_subtype") if k in new}
    extra: Record = {"custom_field": field}
    if key:
        extra[f"new_{key}"] = new.get(key)
        extra[f"old_{key}"] = old.get(key)
    shown = new.get("display_value")
    text = f"changed {new.get('name')} to {shown}" if shown else f"cleared {new.get('name')}"
    return stories.add(changes, task, f"{kind}_custom_field_changed", text, **extra)


# -- projects and sections --------------------------------------------------------------------------------
def _place_in_project(
    changes: Changes,
    task: Record,
    project: Record,
    section: Record | None,
    *,
    before: Record | None = None,
    after: Record | None = None,
    first: bool = False,
) -> None:
    """Order the task in the project: at an anchor, or first or last of its section there (so the project
    lists section by section), or of the project when it has no section."""
    if before is not None or after is not None:
        place(changes, task, project, before=before, after=after)
        return
    section_gid = next(
        (
            m.get("section", {}).get("gid")
            for m in task["memberships"]
            if m["project"]["gid"] == project["gid"]
        ),
        None,
    )
    section = section or (changes.store.get(section_gid, "section") if section_gid else None)
    place(changes, task, section or project, first=first)


def add_project(
    changes: Changes,
    task: Record,
    project: Record,
    section: Record | None = None,
    *,
    before: Record | None = None,
    after: Record | None = None,
    first: bool = False,
) -> None:
    """Add the task to a project (or move it within one), in a section and at a position.

    Moving between containers leaves `modified_at` alone (OAS TaskBase.modified_at), its stories included.
    """
    if project["workspace"]["gid"] != task["workspace"]["gid"]:
        raise bad_request("project: The project and the task must be in the same workspace")
    if section is not None and (section.get("project") or {}).get("gid") != project["gid"]:
        raise bad_request(f"section: Section {section['gid']} is not in project {project['gid']}")
    for name, anchor in (("insert_before", before), ("insert_after", after)):
        if anchor is None:
            continue
        if (
            all(p["gid"] != project["gid"] for p in anchor.get("projects") or ())
            or anchor["gid"] == task["gid"]
        ):
            raise bad_request(f"{name}: Task {anchor['gid']} is not in project {project['gid']}")
        if section is not None and all(
            (m.get("section") or {}).get("gid") != section["gid"] for m in anchor.get("memberships") or ()
        ):
            raise bad_request(f"{name}: Task {anchor['gid']} is not in section {section['gid']}")
    anchor_section = None
    if section is None and (before or after) is not None:
        anchor = before or after
        assert anchor is not None
        anchor_section = next(
            (m.get("section") for m in anchor["memberships"] if m["project"]["gid"] == project["gid"]), None
        )
        section = changes.store.get(anchor_section["gid"], "section") if anchor_section else None
    current = next((m for m in task["memberships"] if m["project"]["gid"] == project["gid"]), None)
    if current is None:
        if len(task["projects"]) >= MAX_PROJECTS:
            raise bad_request(f"project: A task can have at most {MAX_PROJECTS} projects")
        membership = _membership(changes, project, section)
        projects = [*task["projects"], ref(project)]
        changes.update(
            task,
            {
                "projects": projects,
                "memberships": [*task["memberships"], membership],
                "custom_fields": blank_values(changes, projects, task.get("custom_fields") or ()),
            },
            touch=False,
        )
        changes.added(task, project)
        new_section = changes.store.get(membership.get("section", {}).get("gid", ""), "section")
        if new_section is not None:
            changes.added(task, new_section)
        stories.add(
            changes,
            task,
            "added_to_project",
            f"added to {project.get('name')}",
            touch=False,
            project=ref(project),
        )
        _place_in_project(changes, task, project, new_section, before=before, after=after, first=first)
        return
    old_section = changes.store.get((current.get("section") or {}).get("gid", ""), "section")
    if section is not None and (old_section is None or old_section["gid"] != section["gid"]):
        memberships = [
            {**m, "section": ref(section)} if m["project"]["gid"] == project["gid"] else m
            for m in task["memberships"]
        ]
        changes.update(task, {"memberships": memberships}, touch=False)
        if old_section is not None:
            changes.removed(task, old_section)
        changes.added(task, section)
        stories.add(
            changes,
            task,
            "section_changed",
            f"moved this task from {(old_section or {}).get('name')} to {section.get('name')}",
            touch=False,
            project=ref(project),
            old_section=ref(old_section) if old_section else None,
            new_section=ref(section),
        )
    _place_in_project(changes, task, project, section, before=before, after=after, first=first)


def remove_project(changes: Changes, task: Record, project: Record) -> None:
    """Take the task out of a project (it stays in the workspace); values of fields only that project
    carried go with it. `modified_at` stays (a move between containers)."""
    if all(p["gid"] != project["gid"] for p in task["projects"]):
        return
    projects = [p for p in task["projects"] if p["gid"] != project["gid"]]
    changes.update(
        task,
        {
            "projects": projects,
            "memberships": [m for m in task["memberships"] if m["project"]["gid"] != project["gid"]],
            "custom_fields": _kept_values(changes, task, projects),
        },
        touch=False,
    )
    changes.removed(task, project)
    stories.add(
        changes,
        task,
        "removed_from_project",
        f"removed from {project.get('name')}",
        touch=False,
        project=ref(project),
    )


def _kept_values(changes: Changes, task: Record, projects: Sequence[Record]) -> list[Record]:
    still = {cf["gid"] for cf in fields_of(changes, projects)}
    return [e for e in task.get("custom_fields") or () if e["gid"] in still]


# -- parents ---------------------------------------------------------------------------------------------
def set_parent(
    changes: Changes,
    task: Record,
    parent: Record | None,
    *,
    before: Record | None = None,
    after: Record | None = None,
) -> Record:
    """Make the task a subtask of `parent` (or of nothing), ordered among its siblings; refuse cycles."""
    if parent is not None:
        if parent["workspace"]["gid"] != task["workspace"]["gid"]:
            raise bad_request("parent: The parent and the task must be in the same workspace")
        if any(node["gid"] == task["gid"] for node in changes.task_chain(parent)):
            raise bad_request("parent: A task cannot be its own parent or a subtask of one of its subtasks")
    for name, anchor in (("insert_before", before), ("insert_after", after)):
        if anchor is None:
            continue
        if parent is None or (anchor.get("parent") or {}).get("gid") != parent["gid"]:
            raise bad_request(f"{name}: Task {anchor['gid']} is not a subtask of the parent")
        if anchor["gid"] == task["gid"]:
            raise bad_request(f"{name}: A task cannot be placed relative to itself")
    old_gid = (task.get("parent") or {}).get("gid")
    old = changes.store.get(old_gid, "task") if old_gid else None
    if (parent or {}).get("gid") != old_gid:
        if old is not None:
            _count_subtasks(changes, old, -1)
        changes.update(task, {"parent": ref(parent) if parent else None}, touch=False)
        if old is not None:
            changes.removed(task, old)
            stories.add(
                changes,
                task,
                "removed_from_task",
                f"removed from {old.get('name')}",
                touch=False,
                task=ref(old),
            )
        if parent is not None:
            _count_subtasks(changes, parent, +1)
            changes.added(task, parent)
            stories.add(
                changes,
                task,
                "added_to_task",
                f"added to {parent.get('name')}",
                touch=False,
                task=ref(parent),
            )
    if parent is not None:
        place(changes, task, parent, before=before, after=after)
    return task


# -- followers -------------------------------------------------------------------------------------------
def add_followers(changes: Changes, task: Record, users: Sequence[Record]) -> Record:
    followers = list(task.get("followers") or ())
    new = [u for u in users if all(f["gid"] != u["gid"] for f in followers)]
    if not new:
        return task
    changes.update(task, {"followers": [*followers, *(ref(u) for u in new)]}, touch=False)
    for user in new:
        stories.add(
            changes,
            task,
            "collaborator_added",
            f"added {user.get('name')} as a collaborator",
            follower=ref(user),
        )
    return task


def remove_followers(changes: Changes, task: Record, users: Sequence[Record]) -> Record:
    gone = {u["gid"] for u in users}
    followers = [f for f in task.get("followers") or () if f["gid"] not in gone]
    changes.update(task, {"followers": followers}, touch=False)
    return task


# -- dependencies ----------------------------------------------------------------------------------------
_OPPOSITE = {"dependencies": "dependents", "dependents": "dependencies"}


def link(changes: Changes, task: Record, field: str, others: Sequence[Record]) -> None:
    """Add `others` to the task's `dependencies` or `dependents`; the other side follows."""
    opposite = _OPPOSITE[field]
    for other in others:
        if other["gid"] == task["gid"]:
            raise bad_request(f"{field}: A task cannot depend on itself")
        if other["workspace"]["gid"] != task["workspace"]["gid"]:
            raise bad_request(f"{field}: Task {other['gid']} is not in the task's workspace")
    new = [o for o in others if all(x["gid"] != o["gid"] for x in task.get(field) or ())]
    if not new:
        return
    for node in (task, *new):
        extra = len(new) if node is task else 1
        if len(node.get("dependencies") or ()) + len(node.get("dependents") or ()) + extra > MAX_LINKS:
            raise bad_request(
                f"{field}: A task can have at most {MAX_LINKS} dependents and dependencies combined"
            )
    blocker_field = "dependencies"
    for other in new:
        waiter, blocker = (task, other) if field == blocker_field else (other, task)
        if _waits_on(changes, blocker, waiter["gid"]):
            raise bad_request(f"{field}: Task {other['gid']} would make a circular dependency")
    changes.update(task, {field: [*(task.get(field) or ()), *(ref(o) for o in new)]}, touch=False)
    for other in new:
        changes.update(other, {opposite: [*(other.get(opposite) or ()), ref(task)]}, touch=False)
        waiter, blocker = (task, other) if field == blocker_field else (other, task)
        stories.add(
            changes,
            waiter,
            "dependency_added",
            f"added a dependency on {blocker.get('name')}",
            dependency=ref(blocker),
        )
        stories.add(
            changes,
            blocker,
            "dependent_added",
            f"added {waiter.get('name')} as a dependent",
            dependency=ref(waiter),
        )


def unlink(changes: Changes, task: Record, field: str, others: Sequence[Record]) -> None:
    """Remove `others` from the task's `dependencies` or `dependents`, on both sides."""
    opposite = _OPPOSITE[field]
    gone = {o["gid"] for o in others} & {x["gid"] for x in task.get(field) or ()}
    if not gone:
        return
    changes.update(task, {field: [x for x in task.get(field) or () if x["gid"] not in gone]}, touch=False)
    for other in others:
        if other["gid"] not in gone:
            continue
        kept = [x for x in other.get(opposite) or () if x["gid"] != task["gid"]]
        changes.update(other, {opposite: kept}, touch=False)
        waiter, blocker = (task, other) if field == "dependencies" else (other, task)
        stories.add(
            changes,
            waiter,
            "dependency_removed",
            f"removed a dependency on {blocker.get('name')}",
            dependency=ref(blocker),
        )
        stories.add(
            changes,
            blocker,
            "dependent_removed",
            f"removed {waiter.get('name')} as a dependent",
            dependency=ref(waiter),
        )


def _waits_on(changes: Changes, task: Record, target_gid: str) -> bool:
    """Whether `task` already waits, directly or through others, on the task `target_gid`."""
    seen, stack = set(), [task]
    while stack:
        node = stack.pop()
        for dep in node.get("dependencies") or ():
            if dep["gid"] == target_gid:
                return True
            if dep["gid"] not in seen:
                seen.add(dep["gid"])
                found = changes.store.get(dep["gid"], "task")
                if found is not None:
                    stack.append(found)
    return False


# -- delete ----------------------------------------------------------------------------------------------
def subtree(changes: Changes, task: Record) -> list[Record]:
    """The task and every subtask below it, children before their parents."""
    children: dict[str, list[Record]] = {}
    for t in changes.store.all("task"):
        parent = t.get("parent")
        if parent:
            children.setdefault(parent["gid"], []).append(t)
    out: list[Record] = []

    def visit(node: Record) -> None:
        for child in children.get(node["gid"], ()):
            visit(child)
        out.append(node)

    visit(task)
    return out


def delete_task(
    changes: Changes,
    task: Record,
    doomed: Sequence[Record] | None = None,
    hangers: Sequence[str] | None = None,
) -> list[Record]:
    """Delete the task and its subtasks, with their stories, attachments and time entries (404 afterwards).

    Other tasks lose their links to them; the parent's `num_subtasks` follows. Each deleted task is
    reported `deleted` on its streams (its projects, parent chain and workspace). Returns the deleted tasks.
    `doomed` (the subtree, children first) and `hangers` (the gids of what hangs on it) may be given by a
    caller that indexes them already, as the mutation step does.
    """
    doomed = list(doomed) if doomed is not None else subtree(changes, task)
    gone = {t["gid"] for t in doomed}
    for record in doomed:
        for field, opposite in _OPPOSITE.items():
            for link_ref in record.get(field) or ():
                peer = changes.store.get(link_ref["gid"], "task")
                if peer is not None and peer["gid"] not in gone:
                    kept = [x for x in peer.get(opposite) or () if x["gid"] not in gone]
                    # The link goes with the deleted task: Asana reports the delete, not this.
                    changes.store.update(peer["gid"], {opposite: kept})
    hangers = (
        list(hangers)
        if hangers is not None
        else [
            hanger["gid"]
            for kind, key in (("story", "target"), ("attachment", "parent"), ("time_tracking_entry", "task"))
            for record in doomed
            for hanger in changes.store.related(kind, key, record["gid"])
        ]
    )
    for gid in hangers:
        # What hangs on a deleted task goes with it; Asana reports only the task deleted.
        changes.store.delete(gid)
    parent_gid = (task.get("parent") or {}).get("gid")
    for record in doomed:  # children first: their events still reach the parent chain
        changes.delete(record)
    parent = changes.store.get(parent_gid, "task") if parent_gid else None
    if parent is not None:
        _count_subtasks(changes, parent, -1)
    return doomed
