"""Tags: create, update, delete, and a task's tags."""

from __future__ import annotations

from asana_sandbox.errors import bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref

COLORS = (
    *(
        f"dark-{c}"
        for c in ("pink", "green", "blue", "red", "teal", "brown", "orange", "purple", "warm-gray")
    ),
    *(
        f"light-{c}"
        for c in ("pink", "green", "blue", "red", "teal", "brown", "orange", "purple", "warm-gray")
    ),
)


def _color(body: Body) -> str | None:
    return body.choice("color", COLORS) if body.raw("color") is not None else None


def create(changes: Changes, body: Body, workspace: Record | None = None) -> Record:
    """A new tag in `workspace` (from the path) or the body's `workspace`; the creator follows it."""
    workspace = workspace or body.obj("workspace", "workspace", required=True)
    assert workspace is not None
    name = body.text("name") or ""
    followers = body.objs("followers", "user") or []
    if changes.actor and all(f["gid"] != changes.actor["gid"] for f in followers):
        followers.insert(0, changes.actor)
    gid = changes.store.new_gid()
    tag: Record = {
        "gid": gid,
        "resource_type": "tag",
        "name": name,
        "color": _color(body),
        "notes": body.text("notes") or "",
        "created_at": changes.now,
        "followers": [ref(u) for u in followers],
        "workspace": ref(workspace),
        "permalink_url": f"https://app.asana.com/0/{gid}/list",
    }
    return changes.insert(tag, parent=workspace)


def update(changes: Changes, tag: Record, body: Body) -> Record:
    """Name, color and notes can change; the workspace and followers are set at creation."""
    body.forbid("workspace", "followers")
    updates: Record = {}
    if body.has("name"):
        updates["name"] = body.text("name") or ""
    if body.has("color"):
        updates["color"] = _color(body)
    if body.has("notes"):
        updates["notes"] = body.text("notes") or ""
    changes.update(tag, updates)
    return tag


def delete(changes: Changes, tag: Record) -> None:
    """The tag goes, and with it from every task that carried it (their modified_at stays)."""
    for task in list(changes.store.related("task", "tags", tag["gid"])):
        kept = [t for t in task.get("tags") or () if t["gid"] != tag["gid"]]
        changes.update(task, {"tags": kept}, touch=False)
    changes.delete(tag)


def add_to_task(changes: Changes, task: Record, tag: Record) -> None:
    """Tag a task (once); the task's `modified_at` moves, as for any edit of its own fields."""
    if tag.get("workspace", {}).get("gid") != task.get("workspace", {}).get("gid"):
        raise bad_request("tag: The tag and the task must be in the same workspace")
    tags = list(task.get("tags") or ())
    if any(t["gid"] == tag["gid"] for t in tags):
        return
    changes.update(task, {"tags": [*tags, ref(tag)]})
    changes.added(task, tag)


def remove_from_task(changes: Changes, task: Record, tag: Record) -> None:
    tags = list(task.get("tags") or ())
    if all(t["gid"] != tag["gid"] for t in tags):
        return
    changes.update(task, {"tags": [t for t in tags if t["gid"] != tag["gid"]]})
    changes.removed(task, tag)
