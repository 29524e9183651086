"""Tasks: project tasks in sections, multi-homed tasks, subtasks nested three deep, My-Tasks-only tasks."""

from __future__ import annotations

from dataclasses import dataclass

from . import words
from .builder import DAY_MS, SPAN_MS, Builder, Record, day, html, iso, ref
from .builder import ms_of as ms
from .custom_fields import custom_field_value
from .workspaces import Space

MAX_DEPTH = 3  # a top-level task's subtasks are depth 1; their subtasks depth 2; and so on down to 3


@dataclass(frozen=True)
class TaskPlan:
    """How many tasks a workspace gets and how they are shaped."""

    per_project: tuple[int, int]  # top-level tasks per project (inclusive range)
    no_project: int  # tasks that live only in someone's My Tasks
    subtask_chance: float  # a task at depth < MAX_DEPTH gets subtasks with this chance
    multi_home_chance: float  # a project task is also added to a second project
    dependency_chance: float


def generate(b: Builder, space: Space, plan: TaskPlan) -> None:
    fields = {cf["gid"]: cf for cf in space.custom_fields}
    settings_of = _settings_by_project(b, space)
    live = [p for p in space.projects if not p["archived"]]
    for project in space.projects:
        sections = space.sections[project["gid"]]
        members = [u for u in space.users if any(m["gid"] == u["gid"] for m in project["members"])]
        for _ in range(b.rng.randint(*plan.per_project)):
            homes = [(project, b.pick(sections))]
            if len(live) > 1 and b.chance(plan.multi_home_chance):
                other = b.pick([p for p in live if p is not project])
                homes.append((other, b.pick(space.sections[other["gid"]])))
            cfs = [fields[g] for p, _ in homes for g in settings_of[p["gid"]]]
            task = _task(b, space, homes, members, cfs, parent=None, earliest=ms(project["created_at"]))
            _subtasks(b, space, task, members, 1, plan.subtask_chance)
    for _ in range(plan.no_project):
        _task(b, space, [], space.users, [], parent=None, earliest=0, force_assignee=True)
    _ensure_depth(b, space)
    _dependencies(b, space, plan.dependency_chance)


def _settings_by_project(b: Builder, space: Space) -> dict[str, list[str]]:
    """custom field gids per project, read back from the settings just generated."""
    by_setting = {r["gid"]: r for r in b.records if r["resource_type"] == "custom_field_setting"}
    return {
        p["gid"]: [by_setting[s["gid"]]["custom_field"]["gid"] for s in p["custom_field_settings"]]
        for p in space.projects
    }


def _task(
    b: Builder,
    space: Space,
    homes: list[tuple[Record, Record]],
    people: list[Record],
    cfs: list[Record],
    parent: Record | None,
    earliest: int,
    force_assignee: bool = False,
) -> Record:
    ws = space.workspace
    gid = b.gid()
    # up to ten days before "today", so a demo has work in flight: recent completions, tasks due soon
    created = b.when(earliest, max(earliest, SPAN_MS - 10 * DAY_MS))
    creator = b.pick(people)
    assignee = b.pick(people) if force_assignee or b.chance(0.8) else None
    completed = b.chance(1 / 3)
    completed_at = b.later(created, 60) if completed else None
    due_on = None
    if b.chance(0.75):
        due = created + b.rng.randint(1, 90) * DAY_MS
        if not completed and due // DAY_MS < SPAN_MS // DAY_MS and b.chance(0.6):  # due before today
            # keeps overdue tasks a minority: most open tasks are due in the future
            due = SPAN_MS + b.rng.randint(1, 90) * DAY_MS
        due_on = day(due)
    followers = {creator["gid"]: creator}
    if assignee:
        followers[assignee["gid"]] = assignee
    seen: set[str] = set()
    custom = []
    for cf in cfs:
        if cf["gid"] not in seen:
            seen.add(cf["gid"])
            custom.append(custom_field_value(b, cf, space.users, b.chance(0.6)))
    tag_refs = (
        [ref(t) for t in b.sample(space.tags, b.rng.randint(1, 2))] if space.tags and b.chance(0.25) else []
    )
    name = task_name(b)
    notes = f"{name}. See the linked brief for context." if b.chance(0.6) else ""
    likes = (
        [{"gid": b.gid(), "user": ref(u)} for u in b.sample(people, b.rng.randint(1, 2))]
        if b.chance(0.1)
        else []
    )
    task: Record = {
        "gid": gid,
        "resource_type": "task",
        "name": name,
        "resource_subtype": "milestone" if parent is None and b.chance(0.03) else "default_task",
        "created_by": ref(creator),
        "approval_status": None,
        "assignee_status": b.pick(("today", "upcoming", "later", "inbox")) if assignee else None,
        "assigned_by": ref(creator) if assignee else None,
        "completed": completed,
        "completed_at": iso(completed_at) if completed_at is not None else None,
        "completed_by": ref(assignee or creator) if completed else None,
        "created_at": iso(created),
        "dependencies": [],
        "dependents": [],
        "due_at": None,
        "due_on": due_on,
        "external": None,
        "html_notes": html(notes),
        "hearted": False,
        "hearts": [],
        "is_rendered_as_separator": False,
        "liked": False,
        "likes": likes,
        "memberships": [{"project": ref(p), "section": ref(s)} for p, s in homes],
        # provisional: stories and edits generated later push it forward (see activity.touch)
        "modified_at": iso(max(completed_at or 0, b.later(created, 20))),
        "notes": notes,
        "num_hearts": 0,
        "num_likes": len(likes),
        "num_subtasks": 0,
        "start_at": None,
        "start_on": day(created) if due_on and b.chance(0.2) else None,
        "actual_time_minutes": None,
        "assignee": ref(assignee) if assignee else None,
        "assignee_section": None,
        "custom_fields": custom,
        "custom_type": None,
        "custom_type_status_option": None,
        "followers": [ref(u) for u in followers.values()],
        "parent": ref(parent) if parent else None,
        "projects": [ref(p) for p, _ in homes],
        "tags": tag_refs,
        "workspace": ref(ws),
        "permalink_url": f"https://app.asana.com/1/{ws['gid']}/task/{gid}",
    }
    if task["resource_subtype"] == "milestone":
        task["name"] = f"Milestone: {name}"
    b.add(task)
    space.tasks.append(task)
    if parent is not None:
        parent["num_subtasks"] += 1
    return task


def _subtasks(
    b: Builder, space: Space, parent: Record, people: list[Record], depth: int, chance: float
) -> None:
    if depth > MAX_DEPTH or not b.chance(chance):
        return
    for _ in range(b.rng.randint(1, 3)):
        child = _task(b, space, [], people, [], parent=parent, earliest=ms(parent["created_at"]))
        _subtasks(b, space, child, people, depth + 1, chance * 0.7)


def _ensure_depth(b: Builder, space: Space) -> None:
    """Guarantee at least one chain of subtasks MAX_DEPTH deep, whatever the dice said."""
    depth: dict[str, int] = {}
    for task in space.tasks:  # parents are always generated before their children
        parent = task["parent"]
        depth[task["gid"]] = depth[parent["gid"]] + 1 if parent else 0
    if not space.tasks or max(depth.values()) >= MAX_DEPTH:
        return
    deepest = max(space.tasks, key=lambda t: depth[t["gid"]])
    node = deepest
    for _ in range(MAX_DEPTH - depth[deepest["gid"]]):
        node = _task(b, space, [], space.users, [], parent=node, earliest=ms(node["created_at"]))


def _dependencies(b: Builder, space: Space, chance: float) -> None:
    """Some project tasks wait on an earlier task of the same project; both sides are kept in step."""
    by_project: dict[str, list[Record]] = {}
    for task in space.tasks:
        if task["projects"]:
            by_project.setdefault(task["projects"][0]["gid"], []).append(task)
    for tasks in by_project.values():
        for k in range(1, len(tasks)):
            if b.chance(chance):
                blocker = tasks[b.rng.randrange(k)]
                waiter = tasks[k]
                waiter["dependencies"].append(ref(blocker))
                blocker["dependents"].append(ref(waiter))


def task_name(b: Builder) -> str:
    return f"{b.pick(words.TASK_VERBS)} {b.pick(words.TASK_OBJECTS)}"
