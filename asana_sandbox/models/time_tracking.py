"""Time tracking: entries logged on tasks, their categories, and the weekly timesheets that approve them.

A task's `actual_time_minutes` is the sum of its entries (null without any), and follows every entry write;
so does the actual of the budget of the project an entry is attributed to. An entry shows the approval
status of its creator's timesheet for the week (Monday to Sunday) it is entered on, and cannot be written
while that timesheet is submitted or approved: it must be recalled (or rejected) first.
"""

from __future__ import annotations

from datetime import date, timedelta

from asana_sandbox.errors import bad_request, forbidden
from asana_sandbox.inputs import Body
from asana_sandbox.models import resourcing
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import PALETTE, Record, ref
from asana_sandbox.store import Store

BILLABLE_STATUSES = ("billable", "nonBillable", "notApplicable")
CATEGORY_COLORS = PALETTE
# The statuses a timesheet may move to from each one: submit, recall, approve, reject, and resubmit.
TRANSITIONS = {
    "DRAFT": ("SUBMITTED",),
    "SUBMITTED": ("DRAFT", "APPROVED", "REJECTED"),
    "REJECTED": ("SUBMITTED",),
    "APPROVED": (),
}
# A week whose timesheet is waiting for approval or approved keeps its entries as they were submitted.
_LOCKED = ("SUBMITTED", "APPROVED")
# Fields of an entry that only the API sets: the path's task, the token's user, the week's timesheet.
_ENTRY_READ_ONLY = ("task", "created_by", "approval_status")


# -- timesheet weeks --------------------------------------------------------------------------------------
def week_of(day: str) -> tuple[str, str]:
    """The Monday and the Sunday of the week `day` (YYYY-MM-DD) falls in."""
    entered = date.fromisoformat(day)
    monday = entered - timedelta(days=entered.weekday())
    return monday.isoformat(), (monday + timedelta(days=6)).isoformat()


def timesheet_of(changes: Changes, user_gid: str, workspace_gid: str, day: str) -> Record | None:
    """The user's timesheet approval status for the week of `day` in the workspace, if there is one."""
    monday = week_of(day)[0]
    for sheet in changes.store.related("timesheet_approval_status", "user", user_gid):
        if sheet["workspace"]["gid"] == workspace_gid and sheet["start_date"] == monday:
            return sheet
    return None


def _status(changes: Changes, user_gid: str, workspace_gid: str, day: str) -> str:
    sheet = timesheet_of(changes, user_gid, workspace_gid, day)
    return sheet["approval_status"] if sheet else "DRAFT"


def _writable(changes: Changes, user_gid: str, workspace_gid: str, day: str) -> str:
    """The approval status of the week of `day`; 403 when its timesheet is submitted or approved."""
    status = _status(changes, user_gid, workspace_gid, day)
    if status in _LOCKED:
        raise forbidden(
            f"The timesheet of the week of {week_of(day)[0]} is {status.lower()}: its time tracking entries "
            "cannot be changed until it is recalled or rejected"
        )
    return status


# -- time tracking entries --------------------------------------------------------------------------------
def create_entry(changes: Changes, body: Body, task: Record) -> Record:
    """Time logged on `task` by the token's user; `entered_on` defaults to today."""
    body.forbid(*_ENTRY_READ_ONLY)
    minutes = body.integer("duration_minutes", required=True, minimum=1)
    entered_on = body.date("entered_on") or changes.now[:10]
    workspace_gid = task["workspace"]["gid"]
    project = _attributable(changes, body, task)
    categories = _categories(changes, body, workspace_gid, ()) or []
    billable = body.choice("billable_status", BILLABLE_STATUSES) or "notApplicable"
    description = body.text("description") or ""
    assert changes.actor is not None
    status = _writable(changes, changes.actor["gid"], workspace_gid, entered_on)
    entry: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "time_tracking_entry",
        "duration_minutes": minutes,
        "entered_on": entered_on,
        "attributable_to": ref(project) if project else None,
        "created_by": ref(changes.actor),
        "categories": categories,
        "task": ref(task),
        "created_at": changes.now,
        "approval_status": status,
        "billable_status": billable,
        "description": description,
        "_workspace": workspace_gid,
    }
    changes.insert(entry, parent=task)
    _follow(changes, entry, task)
    return entry


def update_entry(changes: Changes, entry: Record, body: Body) -> Record:
    """Minutes, day, project, billable status, description and category; the task stays the same."""
    body.forbid(*_ENTRY_READ_ONLY)
    user_gid, workspace_gid = entry["created_by"]["gid"], entry["_workspace"]
    _writable(changes, user_gid, workspace_gid, entry["entered_on"])
    task = changes.store.get(entry["task"]["gid"], "task")
    before = _project_gid(entry)
    updates: Record = {}
    if body.has("duration_minutes"):
        updates["duration_minutes"] = body.integer("duration_minutes", required=True, minimum=1)
    if body.has("entered_on"):
        day = body.date("entered_on") or changes.now[:10]
        updates["entered_on"] = day
        updates["approval_status"] = _writable(changes, user_gid, workspace_gid, day)
    if body.has("attributable_to") and task is not None:
        project = _attributable(changes, body, task)
        updates["attributable_to"] = ref(project) if project else None
    if body.has("billable_status"):
        updates["billable_status"] = body.choice("billable_status", BILLABLE_STATUSES, required=True)
    if body.has("description"):
        updates["description"] = body.text("description") or ""
    categories = _categories(changes, body, workspace_gid, entry.get("categories") or ())
    if categories is not None:
        updates["categories"] = categories
    changes.update(entry, updates, touch=False)
    if task is not None:
        _follow(changes, entry, task, before)
    return entry


def delete_entry(changes: Changes, entry: Record) -> None:
    """The entry goes; its task's actual time and its project's budget follow."""
    _writable(changes, entry["created_by"]["gid"], entry["_workspace"], entry["entered_on"])
    changes.delete(entry)
    task = changes.store.get(entry["task"]["gid"], "task")
    if task is not None:
        _follow(changes, entry, task)


def _follow(changes: Changes, entry: Record, task: Record, previous_project: str | None = None) -> None:
    """What entries add up to: the task's actual time (null without entries) and the projects' budgets.

    The task's `modified_at` stays: actual time is not among the fields that move it (spec, Task.modified_at).
    """
    entries = changes.store.related("time_tracking_entry", "task", task["gid"])
    total = sum(e["duration_minutes"] for e in entries) if entries else None
    changes.update(task, {"actual_time_minutes": total}, touch=False)
    for project_gid in {previous_project, _project_gid(entry)} - {None}:
        resourcing.refresh_budgets(changes, project_gid)


def follow_projects(changes: Changes, task: Record) -> None:
    """The task joined or left a project: its entries count towards one of its projects.

    The spec: an entry's project "specifies which project's budget a time entry should be counted toward,
    if the task belongs to more than one project. If it only belongs to one project, it should be that
    project." So an entry attributed to a project the task left, or to none, now counts towards the task's
    first project (or none, without one), as a new entry would; the budgets on both sides follow.
    """
    projects = [p["gid"] for p in task.get("projects") or ()]
    first = changes.store.get(projects[0], "project") if projects else None
    moved: set[str | None] = set()
    for entry in changes.store.related("time_tracking_entry", "task", task["gid"]):
        current = _project_gid(entry)
        if current in projects or (current is None and first is None):
            continue
        changes.update(entry, {"attributable_to": ref(first) if first else None}, touch=False)
        moved |= {current, first["gid"] if first else None}
    for project_gid in sorted(p for p in moved if p is not None):
        resourcing.refresh_budgets(changes, project_gid)


def budgets_follow(changes: Changes, entries: list[Record]) -> None:
    """Entries went with their task: the budgets of the projects they counted towards follow."""
    for project_gid in sorted({p for p in map(_project_gid, entries) if p is not None}):
        resourcing.refresh_budgets(changes, project_gid)


def _project_gid(entry: Record) -> str | None:
    project = entry.get("attributable_to")
    return project["gid"] if project else None


def _attributable(changes: Changes, body: Body, task: Record) -> Record | None:
    """The project an entry counts towards: one of the task's projects (its first when none is named)."""
    in_projects = [p["gid"] for p in task.get("projects") or ()]
    project = body.obj("attributable_to", "project")
    if project is None:
        return changes.store.get(in_projects[0], "project") if in_projects else None
    if project["gid"] not in in_projects:
        raise bad_request(f"attributable_to: The task is not in this project: {project['gid']}")
    return project


def _categories(
    changes: Changes, body: Body, workspace_gid: str, kept: tuple[Record, ...] | list[Record]
) -> list[Record] | None:
    """The `categories` of a request (at most one, of the entry's workspace), None when absent.

    An archived category stays on the entries that have it (`kept`) but cannot be given to others.
    """
    found = body.objs("categories", "time_tracking_category")
    if found is None:
        return [] if body.has("categories") else None
    if len(found) > 1:
        raise bad_request("categories: Currently limited to a maximum of 1 category")
    had = {c["gid"] for c in kept}
    for index, category in enumerate(found):
        if category.get("_workspace") != workspace_gid:
            raise bad_request(f"categories: [{index}]: Not a recognized ID: {category['gid']}")
        if category.get("is_archived") and category["gid"] not in had:
            raise bad_request(f"categories: [{index}]: The category is archived: {category['gid']}")
    return [_category_ref(c) for c in found]


def _category_ref(category: Record) -> Record:
    return {**ref(category), "color": category["color"]}


# -- time tracking categories -----------------------------------------------------------------------------
def create_category(changes: Changes, body: Body, workspace: Record) -> Record:
    """A new, active category of the workspace; its color defaults to `none`."""
    body.require("name")
    category: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "time_tracking_category",
        "name": body.text("name", required=True),
        "color": body.choice("color", CATEGORY_COLORS) or "none",
        "is_archived": False,
        "_workspace": workspace["gid"],
    }
    return changes.insert(category, parent=workspace)


def update_category(changes: Changes, category: Record, body: Body) -> Record:
    """Name, color and archival; the entries that carry the category show its new name and color."""
    body.forbid("workspace")
    updates: Record = {}
    if body.has("name"):
        body.require("name")
        updates["name"] = body.text("name", required=True)
    if body.has("color"):
        updates["color"] = body.choice("color", CATEGORY_COLORS, required=True)
    if body.has("is_archived"):
        updates["is_archived"] = body.boolean("is_archived", required=True)
    changes.update(category, updates, touch=False)
    if {"name", "color"} & updates.keys():
        # Entries embed a category's name and color: they show the category as it is now.
        for entry in changes.store.related("time_tracking_entry", "categories", category["gid"]):
            shown = [
                _category_ref(category) if c["gid"] == category["gid"] else c for c in entry["categories"]
            ]
            changes.update(entry, {"categories": shown}, touch=False)
    return category


def delete_category(changes: Changes, category: Record) -> None:
    """The category goes, and with it from every entry that carried it."""
    for entry in list(changes.store.related("time_tracking_entry", "categories", category["gid"])):
        kept = [c for c in entry["categories"] if c["gid"] != category["gid"]]
        changes.update(entry, {"categories": kept}, touch=False)
    changes.delete(category)


# -- timesheet approval statuses --------------------------------------------------------------------------
def create_timesheet(changes: Changes, body: Body, workspace: Record) -> Record:
    """A user's timesheet for one week (a Monday to the following Sunday), starting as a draft."""
    user = body.obj("user", "user", required=True)
    start = body.date("start_date", required=True)
    end = body.date("end_date", required=True)
    assert user is not None and start is not None and end is not None
    if date.fromisoformat(start).weekday() != 0:
        raise bad_request(f"start_date: Must be a Monday: {start}")
    if end != week_of(start)[1]:
        raise bad_request(f"end_date: Must be the Sunday after start_date: {end}")
    if workspace["gid"] not in {w["gid"] for w in user.get("workspaces") or ()}:
        raise bad_request(f"user: Not a member of the workspace: {user['gid']}")
    if timesheet_of(changes, user["gid"], workspace["gid"], start):
        raise bad_request(f"start_date: The user already has a timesheet for the week of {start}")
    sheet: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "timesheet_approval_status",
        "created_at": changes.now,
        "user": ref(user),
        "workspace": ref(workspace),
        "start_date": start,
        "end_date": end,
        "approval_status": "DRAFT",
    }
    changes.insert(sheet, parent=workspace)
    _show_status(changes, sheet)
    return sheet


def update_timesheet(changes: Changes, sheet: Record, body: Body) -> Record:
    """Move the timesheet along (submit, recall, approve, reject); its week's entries show the new status."""
    body.forbid("user", "workspace", "start_date", "end_date")
    wanted = body.choice("approval_status", ("submitted", "draft", "approved", "rejected"), required=True)
    message = body.text("message")
    assert wanted is not None
    target, current = wanted.upper(), sheet["approval_status"]
    if target not in TRANSITIONS.get(current, ()):
        raise bad_request(f"approval_status: Invalid transition from {current.lower()} to {wanted}")
    changes.update(sheet, {"approval_status": target, "_message": message}, touch=False)
    _show_status(changes, sheet)
    return sheet


def _show_status(changes: Changes, sheet: Record) -> None:
    for entry in week_entries(changes.store, sheet):
        changes.update(entry, {"approval_status": sheet["approval_status"]}, touch=False)


def week_entries(store: Store, sheet: Record) -> list[Record]:
    """The entries a timesheet covers: its user's, in its workspace, entered in its week."""
    return [
        e
        for e in store.related("time_tracking_entry", "created_by", sheet["user"]["gid"])
        if e["_workspace"] == sheet["workspace"]["gid"]
        and sheet["start_date"] <= e["entered_on"] <= sheet["end_date"]
    ]
