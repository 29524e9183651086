"""Sections: create, rename, order within their project, delete, and moving tasks into them.

Order is the store's order of sections (and of tasks), so every list shows the manual order: a new section
goes last unless placed, a task added to a section goes to its top unless placed (as the spec says).
"""

from __future__ import annotations

from asana_sandbox.errors import bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models import tasks
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref
from asana_sandbox.store import Store

DEFAULT_NAME = "Untitled section"


def of_project(store: Store, project: Record) -> list[Record]:
    """The project's sections in their order."""
    return store.related("section", "project", project["gid"])


def new(changes: Changes, project: Record, name: str) -> Record:
    """A section at the end of `project` (also a new project's first section)."""
    section: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "section",
        "name": name,
        "created_at": changes.now,
        "project": ref(project),
        "projects": [ref(project)],
    }
    return changes.insert(section, parent=project)


def _name(body: Body) -> str:
    body.require("name")  # the spec: "This cannot be an empty string"
    name = body.text("name", required=True)
    assert name is not None
    return name


def _anchors(body: Body, project: Record, before: str, after: str) -> tuple[Record | None, Record | None]:
    """The sections of `project` named by the `before` / `after` fields (at most one of them)."""
    if body.raw(before) is not None and body.raw(after) is not None:
        raise bad_request(f"{before}: Cannot be provided together with {after}")
    found = []
    for name in (before, after):
        section = body.obj(name, "section")
        if section is not None and section["project"]["gid"] != project["gid"]:
            raise bad_request(f"{name}: Sections cannot be moved between projects")
        found.append(section)
    return found[0], found[1]


def _place(changes: Changes, section: Record, before: Record | None, after: Record | None) -> None:
    if (before or after) is not None and (before or after) is not section:
        changes.move(section, before=before, after=after)


def create(changes: Changes, body: Body, project: Record) -> Record:
    name = _name(body)
    before, after = _anchors(body, project, "insert_before", "insert_after")
    section = new(changes, project, name)
    _place(changes, section, before, after)
    return section


def update(changes: Changes, section: Record, body: Body) -> Record:
    """Rename (the spec makes `name` required here too), and move with `insert_before` / `insert_after`."""
    project = changes.store.get(section["project"]["gid"]) or section["project"]
    name = _name(body)
    before, after = _anchors(body, project, "insert_before", "insert_after")
    changes.update(section, {"name": name}, touch=False)
    _place(changes, section, before, after)
    return section


def insert(changes: Changes, project: Record, body: Body) -> None:
    """`POST /projects/{gid}/sections/insert`: move `section` before or after another of the project."""
    section = body.obj("section", "section", required=True)
    assert section is not None
    if section["project"]["gid"] != project["gid"]:
        raise bad_request("section: Sections cannot be moved between projects")
    before, after = _anchors(body, project, "before_section", "after_section")
    if before is None and after is None:
        raise bad_request("before_section: One of before_section or after_section is required")
    _place(changes, section, before, after)


def delete(changes: Changes, section: Record) -> None:
    """Only an empty section goes, and never a project's last one (deleteSection's rules).

    A task whose `assignee_section` it is sits in it too, in its assignee's My Tasks.
    """
    if tasks.members(changes, section) or changes.store.related("task", "assignee_section", section["gid"]):
        raise bad_request("section: Sections must be empty to be deleted")
    project = changes.store.get(section["project"]["gid"], "project")
    if project is not None and len(of_project(changes.store, project)) <= 1:
        raise bad_request("section: The last remaining section cannot be deleted")
    changes.delete(section)


def add_task(changes: Changes, section: Record, body: Body) -> None:
    """Move a task into `section`, out of the project's other sections (into the project if need be).

    It goes to the top of the section unless `insert_before` / `insert_after` place it; its `modified_at`
    stays, as for any move between containers (asana-api.md).
    """
    task = body.obj("task", "task", required=True)
    assert task is not None
    if body.raw("insert_before") is not None and body.raw("insert_after") is not None:
        raise bad_request("insert_before: Cannot be provided together with insert_after")
    before, after = body.obj("insert_before", "task"), body.obj("insert_after", "task")
    if task.get("resource_subtype") == "section":
        raise bad_request("task: Separators cannot be added to a section")
    project = changes.store.get(section["project"]["gid"], "project")
    assert project is not None
    tasks.add_project(changes, task, project, section, before=before, after=after, first=True)
