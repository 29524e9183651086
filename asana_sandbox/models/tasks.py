"""Tasks: create, update and delete, with the system stories Asana writes; the domain's entry point.

`modified_at` follows OAS TaskBase.modified_at: edits of the task's own fields and new stories move it;
moving the task to another container (project, section, parent) and adding a subtask to it do not. Every
change appends its events through `Changes`, and its stories through `models.stories`.

Where a task lives (projects, sections, parent, order) is `task_homes`, its followers and dependencies
`task_links`, its custom field values `task_values`; their operations are re-exported here, so that
`models.tasks` is the one name the routes, the mutation step and the other models use for tasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from asana_sandbox.errors import bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models import custom_fields, goals, stories, time_tracking
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import VALUE_KEY, Record, blank_task, ref, rich_text
from asana_sandbox.models.task_homes import (
    MAX_PROJECTS,
    count_subtasks,
    membership,
)
from asana_sandbox.models.task_homes import (
    add_project as add_project,
)
from asana_sandbox.models.task_homes import (
    first_section as first_section,
)
from asana_sandbox.models.task_homes import (
    homes as homes,
)
from asana_sandbox.models.task_homes import (
    members as members,
)
from asana_sandbox.models.task_homes import (
    place as place,
)
from asana_sandbox.models.task_homes import (
    remove_project as remove_project,
)
from asana_sandbox.models.task_homes import (
    set_parent as set_parent,
)
from asana_sandbox.models.task_links import (
    OPPOSITE,
)
from asana_sandbox.models.task_links import (
    add_followers as add_followers,
)
from asana_sandbox.models.task_links import (
    link as link,
)
from asana_sandbox.models.task_links import (
    remove_followers as remove_followers,
)
from asana_sandbox.models.task_links import (
    unlink as unlink,
)
from asana_sandbox.models.task_values import blank_values, custom_values, number_custom_ids
from asana_sandbox.store import Store

SUBTYPES = ("default_task", "milestone", "approval", "custom")
APPROVAL_STATUSES = ("pending", "approved", "rejected", "changes_requested")
ASSIGNEE_STATUSES = ("today", "upcoming", "later", "new", "inbox")
CREATE_ONLY = ("projects", "memberships", "parent", "followers", "tags", "workspace")
EXTERNAL_GID_MAX, EXTERNAL_DATA_MAX = 1024, 32768  # asana-api.md 3.12
NO_HOME = "You should specify one of workspace, parent, projects"
_DATE_FIELDS = ("start_on", "due_at", "due_on")


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


def by_external(store: Store, client_id: str | None, key: str) -> Record | None:
    """The task whose external gid, set by the OAuth app `client_id`, is `key` (`GET /tasks/external:key`)."""
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
    # Values given (a duplicate's) override the empty ones, except custom IDs: a new task gets its own.
    given = {e["gid"]: e for e in custom_fields if e.get("representation_type") != "custom_id"}
    entries = number_custom_ids(changes, [given.get(e["gid"], e) for e in entries])
    people = [ref(u) for u in (actor, *followers)]
    if assignee is not None:
        people.append(ref(assignee))
        task.update(assignee=ref(assignee), assigned_by=ref(actor), assignee_status="inbox")
    task.update(
        memberships=[membership(changes, p, s) for p, s in homes],
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
    for home in task["memberships"]:  # and to its section in each project, as a move there would be
        section = changes.store.get((home.get("section") or {}).get("gid", ""), "section")
        if section is not None:
            changes.added(task, section)
    # A new task comes last in the store's order, so last in each of its containers.
    if parent is not None:
        count_subtasks(changes, parent, +1)
    return task


def create_from_body(
    changes: Changes, body: Body, *, parent: Record | None = None, client_id: str | None = None
) -> Record:
    """`POST /tasks` (and `POST /tasks/{t}/subtasks` with `parent`): read and check the body, then create."""
    parent = parent or body.obj("parent", "task")
    projects = body.objs("projects", "project") or []
    places: list[tuple[Record, Record | None]] = [(p, None) for p in projects]
    for k, entry in enumerate(body.raw("memberships") or ()):
        places.append(_read_membership(body, k, entry))
    workspace = body.obj("workspace", "workspace")
    if workspace is None:
        anchor = parent or (places[0][0] if places else None)
        if anchor is None:
            raise bad_request(NO_HOME)
        workspace = changes.store.get(anchor["workspace"]["gid"], "workspace")
        assert workspace is not None
    for project, _ in places:
        if project["workspace"]["gid"] != workspace["gid"]:
            raise bad_request(f"projects: Project {project['gid']} is not in workspace {workspace['gid']}")
    if parent is not None and parent["workspace"]["gid"] != workspace["gid"]:
        raise bad_request(f"parent: Task {parent['gid']} is not in workspace {workspace['gid']}")
    places = _unique_homes(places)
    if len(places) > MAX_PROJECTS:
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
        blank = blank_values(changes, [p for p, _ in places])
        entries, _ = custom_values(changes, blank, body.raw("custom_fields"), workspace["gid"])
    external = read_external(body, client_id)
    task = create_task(
        changes,
        workspace,
        name=fields.pop("name", ""),
        parent=parent,
        homes=places,
        assignee=assignee,
        followers=followers,
        tags=tags,
        fields=fields,
        custom_fields=entries,
    )
    if external and client_id:
        _set_external(changes, task, client_id, external)
    return task


def _unique_homes(places: list[tuple[Record, Record | None]]) -> list[tuple[Record, Record | None]]:
    """One home per project; a membership's section wins over a bare `projects` entry."""
    out: dict[str, tuple[Record, Record | None]] = {}
    for project, section in places:
        if project["gid"] not in out or section is not None:
            out[project["gid"]] = (project, section)
    return list(out.values())


def _read_membership(body: Body, k: int, entry: Any) -> tuple[Record, Record | None]:
    name = f"memberships: [{k}]"
    if not isinstance(entry, dict):
        raise bad_request(f"{name}: Not an object: {entry!r}")
    if entry.get("project") is None:
        raise bad_request(f"{name}: project: Missing required field")
    project = body.lookup(f"{name}: project", entry["project"], "project")
    section = None
    if entry.get("section") is not None:
        section = body.lookup(f"{name}: section", entry["section"], "section")
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
        given = body.raw("custom_fields")
        entries, _ = custom_values(changes, task.get("custom_fields") or [], given, workspace["gid"])
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
    """Delete the task and its subtasks, with their stories, attachments, time entries and the goal
    relationships in which they supported a goal (404 afterwards); the budgets the entries counted towards
    follow, and reference custom field values that held them let go of them.

    Other tasks lose their links to them; the parent's `num_subtasks` follows. Each deleted task is
    reported `deleted` on its streams (its projects, parent chain and workspace). Returns the deleted tasks.
    `doomed` (the subtree, children first) and `hangers` (the gids of what hangs on it) may be given by a
    caller that indexes them already, as the mutation step does.
    """
    doomed = list(doomed) if doomed is not None else subtree(changes, task)
    gone = {t["gid"] for t in doomed}
    for record in doomed:
        for field, opposite in OPPOSITE.items():
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
    entries = [
        record
        for record in (changes.store.get(gid) for gid in hangers)
        if record is not None and record["resource_type"] == "time_tracking_entry"
    ]
    for gid in hangers:
        # What hangs on a deleted task goes with it; Asana reports only the task deleted.
        changes.store.delete(gid)
    time_tracking.budgets_follow(changes, entries)
    for record in doomed:
        goals.drop_supporting(changes, record)
        custom_fields.drop_references(changes, record)
    parent_gid = (task.get("parent") or {}).get("gid")
    for record in doomed:  # children first: their events still reach the parent chain
        changes.delete(record)
    parent = changes.store.get(parent_gid, "task") if parent_gid else None
    if parent is not None:
        count_subtasks(changes, parent, -1)
    return doomed
