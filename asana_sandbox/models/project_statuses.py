"""Project statuses (deprecated in favour of status updates): create and delete, never modified.

A project status is a status update under its old name: each one made here is also a `status_update` of the
project (its twin), so `current_status` and `current_status_update` both follow the newest one, and
`/status_updates?parent=` lists it. Deleting either name deletes both (`status_updates.delete` takes the
project status along).
"""

from __future__ import annotations

from asana_sandbox.inputs import Body
from asana_sandbox.models import status_updates
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, rich_text

COLORS = ("green", "yellow", "red", "blue", "complete")
# The status update kind of each color (the project status texts: green on track, yellow at risk, red
# behind, blue on hold).
STATUS_TYPES = {
    "green": "on_track",
    "yellow": "at_risk",
    "red": "off_track",
    "blue": "on_hold",
    "complete": "complete",
}


def create(changes: Changes, body: Body, project: Record) -> Record:
    """`text` (or `html_text`) and `color` are required, as they always were for project statuses."""
    color = body.choice("color", COLORS, required=True)
    assert color is not None
    html = body.html("html_text")
    raw = None if html else body.text("text")
    if html is None and not raw:
        body.require("text")
    text, html_text = rich_text(raw, html)
    title = body.text("title") or ""
    actor = changes.actor_ref()
    twin = status_updates.create(
        changes,
        Body(
            {
                "parent": project["gid"],
                "status_type": STATUS_TYPES[color],
                "title": title,
                "text": text,
                "html_text": html_text,
            },
            changes.store,
            (changes.actor or {}).get("gid", ""),
        ),
    )
    status: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "project_status",
        "title": title,
        "text": text,
        "html_text": html_text,
        "color": color,
        "author": actor,
        "created_at": changes.now,
        "created_by": actor,
        "modified_at": changes.now,
        "_parent": project["gid"],
        "_status_update": twin["gid"],
    }
    changes.insert(status, parent=project)
    status_updates.follow_project_status(changes, project)
    return status


def delete(changes: Changes, status: Record) -> None:
    """The status goes with its status update twin; the project's current ones become the newest left."""
    project = changes.store.get(status.get("_parent") or "", "project")
    twin = _twin(changes, status, project)
    changes.delete(status)
    if twin is not None:
        status_updates.delete(changes, twin)
    if project is not None:
        status_updates.follow_project_status(changes, project)


def _twin(changes: Changes, status: Record, project: Record | None) -> Record | None:
    """The status update of the same post: linked when made here; by time and title in the datasets."""
    linked = changes.store.get(status.get("_status_update") or "", "status_update")
    if linked is not None or project is None:
        return linked
    for update in changes.store.related("status_update", "parent", project["gid"]):
        if (update.get("created_at"), update.get("title")) == (status.get("created_at"), status.get("title")):
            return update
    return None
