"""Where a task lives: its projects and sections, its parent, and its place in the order lists show.

Moving a task between containers leaves its `modified_at` alone (OAS TaskBase.modified_at), the stories of the
move included; the move is reported `removed`/`added` with the container. Every list of tasks follows the
store's one order of tasks (`Changes.move`), which placing a task changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import bad_request
from asana_sandbox.models import stories, time_tracking
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref
from asana_sandbox.models.task_values import blank_values, fields_of, number_custom_ids
from asana_sandbox.store import Store

MAX_PROJECTS = 20  # OAS addProject: "A task can have at most 20 projects multi-homed to it."


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


def count_subtasks(changes: Changes, parent: Record, delta: int) -> None:
    """Keep the parent's derived `num_subtasks` in step. Not a change of the parent's own: no event and no
    `modified_at` (the subtask's `added`/`removed`/`deleted` events, with the parent, report it)."""
    changes.store.update(parent["gid"], {"num_subtasks": max(0, parent.get("num_subtasks", 0) + delta)})


def homes(store: Store, task: Record) -> list[tuple[Record, Record | None]]:
    """A task's (project, section) memberships as live records, to create another task beside it."""
    out: list[tuple[Record, Record | None]] = []
    for entry in task.get("memberships") or ():
        project = store.get((entry.get("project") or {}).get("gid", ""), "project")
        section = store.get((entry.get("section") or {}).get("gid", ""), "section")
        if project is not None:
            out.append((project, section))
    return out


def membership(changes: Changes, project: Record, section: Record | None) -> Record:
    """A task's membership of `project`: in `section`, or else in the project's first section."""
    section = section or first_section(changes, project)
    out: Record = {"project": ref(project)}
    if section is not None:
        out["section"] = ref(section)
    return out


def first_section(changes: Changes, project: Record) -> Record | None:
    """Where a task added to a project without a section goes: the project's first section."""
    sections = changes.store.related("section", "project", project["gid"])
    return sections[0] if sections else None


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
    anchor = before or after
    if section is None and anchor is not None:
        # Placed beside a task, the task joins that task's section.
        anchor_section = next(
            (m.get("section") for m in anchor["memberships"] if m["project"]["gid"] == project["gid"]), None
        )
        section = changes.store.get(anchor_section["gid"], "section") if anchor_section else None
    current = next((m for m in task["memberships"] if m["project"]["gid"] == project["gid"]), None)
    if current is None:
        if len(task["projects"]) >= MAX_PROJECTS:
            raise bad_request(f"project: A task can have at most {MAX_PROJECTS} projects")
        home = membership(changes, project, section)
        projects = [*task["projects"], ref(project)]
        changes.update(
            task,
            {
                "projects": projects,
                "memberships": [*task["memberships"], home],
                "custom_fields": number_custom_ids(
                    changes, blank_values(changes, projects, task.get("custom_fields") or ())
                ),
            },
            touch=False,
        )
        changes.added(task, project)
        time_tracking.follow_projects(changes, task)
        new_section = changes.store.get(home.get("section", {}).get("gid", ""), "section")
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
    carried go with it, and its time entries counted towards that project count towards another of its
    projects. `modified_at` stays (a move between containers)."""
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
    time_tracking.follow_projects(changes, task)
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
            count_subtasks(changes, old, -1)
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
            count_subtasks(changes, parent, +1)
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
