"""Status updates on projects, portfolios and goals: the newest is its parent's `current_status_update`.

A project's status update may have a deprecated `project_status` twin (`models.project_statuses`): the
same post under its old name, the newest of which is the project's `current_status`. Deleting the update
deletes its twin, and `current_status` falls back as `current_status_update` does.
"""

from __future__ import annotations

from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref, rich_text

PARENTS = ("project", "portfolio", "goal")
SUBTYPES = {
    "project": "project_status_update",
    "portfolio": "portfolio_status_update",
    "goal": "goal_status_update",
}
# "The valid values for status_type depend on the parent of the status update" (the spec).
STATUS_TYPES = {
    "project": ("on_track", "at_risk", "off_track", "on_hold", "complete", "dropped"),
    "portfolio": ("on_track", "at_risk", "off_track", "on_hold", "complete", "dropped"),
    "goal": ("on_track", "at_risk", "off_track", "achieved", "partial", "missed", "dropped"),
}
# A goal's `status` says what its latest update says: green, yellow, red while open, else how it closed.
GOAL_STATUS = {
    "on_track": "green",
    "at_risk": "yellow",
    "off_track": "red",
    "achieved": "achieved",
    "partial": "partial",
    "missed": "missed",
    "dropped": "dropped",
}


def create(changes: Changes, body: Body) -> Record:
    """A new status update on `parent`, which it becomes the current one of."""
    parent = body.obj("parent", PARENTS, required=True)
    assert parent is not None
    kind = parent["resource_type"]
    status_type = body.choice("status_type", STATUS_TYPES[kind], required=True)
    title = body.text("title") or ""
    # The HTML wins when both are given; either one is enough (the spec requires `text`).
    raw_html = body.html("html_text")
    raw_text = None if raw_html else body.text("text")
    if raw_html is None and not raw_text:
        body.require("text")
    text, html_text = rich_text(raw_text, raw_html)
    author = changes.actor_ref()
    update: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "status_update",
        "title": title,
        "resource_subtype": SUBTYPES[kind],
        "text": text,
        "html_text": html_text,
        "status_type": status_type,
        "author": author,
        "created_at": changes.now,
        "created_by": author,
        "hearted": False,
        "hearts": [],
        "liked": False,
        "likes": [],
        "reaction_summary": [],
        "modified_at": changes.now,
        "num_hearts": 0,
        "num_likes": 0,
        "parent": ref(parent),
    }
    changes.insert(update, parent=parent)
    _follow(changes, parent, update)
    return update


def delete(changes: Changes, update: Record) -> None:
    """The update goes, with its project status twin; its parent's current update (and a project's current
    status) become the newest left, or none."""
    parent = changes.store.get(update["parent"]["gid"])
    twins = project_status_twins(changes, update, parent)
    changes.delete(update)
    for twin in twins:
        changes.delete(twin)
    if parent is None:
        return
    if twins:
        follow_project_status(changes, parent)
    if (parent.get("current_status_update") or {}).get("gid") != update["gid"]:
        return
    left = changes.store.related("status_update", "parent", parent["gid"])
    newest = max(left, key=lambda u: u.get("created_at") or "", default=None)
    changes.update(parent, {"current_status_update": _compact(newest) if newest else None}, touch=False)


def project_status_twins(changes: Changes, update: Record, parent: Record | None) -> list[Record]:
    """The project statuses that are `update` under their deprecated name: linked to it when made through
    the API, of the same project, time and title in the datasets."""
    if parent is None or parent.get("resource_type") != "project":
        return []
    post = (update.get("created_at"), update.get("title"))
    return [
        status
        for status in changes.store.related("project_status", "_parent", parent["gid"])
        if status.get("_status_update") == update["gid"]
        or (status.get("_status_update") is None and (status.get("created_at"), status.get("title")) == post)
    ]


def follow_project_status(changes: Changes, project: Record) -> None:
    """`current_status` is the newest project status (the full object, as the datasets embed it)."""
    statuses = changes.store.related("project_status", "_parent", project["gid"])
    # Newest by creation time; of two made in the same millisecond, the later one.
    newest = max(statuses, key=lambda s: (s.get("created_at") or "", statuses.index(s)), default=None)
    current = {k: v for k, v in newest.items() if not k.startswith("_")} if newest else None
    changes.update(project, {"current_status": current}, touch=False)


def delete_for(changes: Changes, parent: Record) -> None:
    """The status updates of a parent that is going away."""
    for update in changes.store.related("status_update", "parent", parent["gid"]):
        changes.delete(update)


def _follow(changes: Changes, parent: Record, update: Record) -> None:
    updates: Record = {"current_status_update": _compact(update)}
    if parent["resource_type"] == "goal":
        updates["status"] = GOAL_STATUS[update["status_type"]]
    # A status update is an association: the parent's modified_at stays, as for its other associations.
    changes.update(parent, updates, touch=False)


def _compact(update: Record) -> Record:
    return {k: update[k] for k in ("gid", "resource_type", "title", "resource_subtype")}
