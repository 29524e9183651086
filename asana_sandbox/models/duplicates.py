"""Duplicating tasks, projects and portfolios, with the `include` options of Asana's duplicate requests.

What is always copied and what only on request follows the spec's TaskDuplicateRequest,
ProjectDuplicateRequest and PortfolioDuplicateRequest. Every object made is inserted through `Changes`, so
the Events API reports each copy `added` to its container.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from asana_sandbox.errors import bad_request
from asana_sandbox.inputs import Body
from asana_sandbox.models import attachments, jobs, memberships, sections, tasks
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, blank_project, ref
from asana_sandbox.store import Store

TASK_INCLUDES = (
    "assignee",
    "attachments",
    "dates",
    "dependencies",
    "followers",
    "notes",
    "parent",
    "projects",
    "subtasks",
    "tags",
)
PROJECT_INCLUDES = (
    "allocations",
    "forms",
    "members",
    "notes",
    "permissions",
    "task_assignee",
    "task_attachments",
    "task_dates",
    "task_dependencies",
    "task_followers",
    "task_notes",
    "task_projects",
    "task_subtasks",
    "task_tags",
    "task_templates",
    "task_type_default",
)
PORTFOLIO_INCLUDES = (
    "description",
    "members",
    "permissions",
    "templates",
    "rules",
    "child_projects",
    "child_portfolios",
)
# The settings a project's `permissions` option carries over; without it the copy has a new project's.
_PROJECT_PERMISSIONS = (
    "public",
    "privacy_setting",
    "default_access_level",
    "minimum_access_level_for_customization",
    "minimum_access_level_for_sharing",
)
# A project's look and layout, always copied (the spec's auto-included views).
_PROJECT_LOOK = ("color", "icon", "default_view", "start_on", "due_on", "due_date", "custom_fields")

Shift = Callable[[str | None], str | None]


def _same(value: str | None) -> str | None:
    return value


def includes(body: Body, allowed: tuple[str, ...]) -> frozenset[str]:
    """The `include` option: a comma-separated string (a list of strings is taken too)."""
    raw = body.raw("include")
    if raw is None:
        return frozenset()
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        raw = ",".join(raw)
    if not isinstance(raw, str):
        raise bad_request(f"include: Not a string: {raw!r}")
    chosen = {part.strip() for part in raw.split(",") if part.strip()}
    for unknown in sorted(chosen - set(allowed)):
        raise bad_request(f"include: Not one of the allowed values ({', '.join(allowed)}): {unknown}")
    return frozenset(chosen)


# -- tasks ----------------------------------------------------------------------------------------------
@dataclass
class TaskPlan:
    """How a tree of tasks is copied: which task fields, how dates move, and the copies made so far."""

    include: frozenset[str]
    shift: Shift = _same
    copies: dict[str, Record] = field(default_factory=dict)  # source gid -> its copy


Home = tuple[Record, Record | None]  # (project, section)


def homes_of(changes: Changes, task: Record) -> list[Home]:
    """A task's (project, section) memberships, as live records."""
    out: list[Home] = []
    for membership in task.get("memberships") or ():
        project = changes.store.get((membership.get("project") or {}).get("gid", ""), "project")
        section = changes.store.get((membership.get("section") or {}).get("gid", ""), "section")
        if project is not None:
            out.append((project, section))
    return out


def copy_task(
    changes: Changes, source: Record, plan: TaskPlan, *, name: str, homes: list[Home], parent: Record | None
) -> Record:
    """A copy of `source` named `name` in `homes` (and under `parent`), with the fields `plan` includes.

    Made by the tasks model's `create_task`, so a copy is placed, followed and reported like any new task.
    Dependencies are linked afterwards by `link_dependencies`, once every task of the tree has its copy.
    """
    store = changes.store
    include = plan.include
    fields: Record = {"resource_subtype": source.get("resource_subtype") or "default_task"}
    if "notes" in include:
        fields.update(notes=source.get("notes") or "", html_notes=source.get("html_notes") or "<body></body>")
    if "dates" in include:
        fields.update(
            {key: plan.shift(source.get(key)) for key in ("start_on", "start_at", "due_on", "due_at")}
        )
    assignee = _live(store, [source.get("assignee")], "user") if "assignee" in include else []
    task = tasks.create_task(
        changes,
        store.get(source["workspace"]["gid"]) or source["workspace"],
        name=name,
        parent=parent,
        homes=homes,
        assignee=assignee[0] if assignee else None,
        followers=_live(store, source.get("followers") or (), "user") if "followers" in include else (),
        tags=_live(store, source.get("tags") or (), "tag") if "tags" in include else (),
        fields=fields,
        # Custom field values come with the projects that carry the fields.
        custom_fields=copy.deepcopy(source.get("custom_fields") or []) if homes else (),
    )
    plan.copies[source["gid"]] = task
    if "attachments" in include:
        for attachment in attachments.of(changes, source):
            attachments.copy(changes, attachment, task)
    if "subtasks" in include:
        for child in tasks.members(changes, source):
            if child["gid"] in plan.copies:
                continue
            child_homes = homes_of(changes, child) if "projects" in include else []
            copy_task(changes, child, plan, name=child["name"], homes=child_homes, parent=task)
    return task


def _live(store: Store, refs: Iterable[Record | None], resource_type: str) -> list[Record]:
    """The records that compact references name, skipping those gone since."""
    found = (store.get(r["gid"], resource_type) for r in refs if r)
    return [record for record in found if record is not None]


def link_dependencies(changes: Changes, plan: TaskPlan) -> None:
    """Each copy waits on what its source waited on: the copy of that task when it was copied too."""
    if "dependencies" not in plan.include:
        return
    for source_gid, task in list(plan.copies.items()):
        source = changes.store.get(source_gid, "task")
        blockers = []
        for dependency in (source or {}).get("dependencies") or ():
            blocker = plan.copies.get(dependency["gid"]) or changes.store.get(dependency["gid"], "task")
            if blocker is not None:
                blockers.append(blocker)
        if not blockers:
            continue
        changes.update(task, {"dependencies": [ref(b) for b in blockers]}, touch=False)
        for blocker in blockers:
            dependents = [*(blocker.get("dependents") or ()), ref(task)]
            changes.update(blocker, {"dependents": dependents}, touch=False)


def duplicate_task(changes: Changes, task: Record, body: Body) -> Record:
    """`POST /tasks/{task_gid}/duplicate`: the copy, then the finished job naming it."""
    name = body.text("name")
    plan = TaskPlan(includes(body, TASK_INCLUDES))
    parent = None
    if "parent" in plan.include and task.get("parent"):
        parent = changes.store.get(task["parent"]["gid"], "task")
    homes = homes_of(changes, task) if "projects" in plan.include else []
    new = copy_task(
        changes, task, plan, name=name if name is not None else task["name"], homes=homes, parent=parent
    )
    link_dependencies(changes, plan)
    return jobs.finished(changes, "duplicate_task", task["workspace"]["gid"], "new_task", new)


# -- projects -------------------------------------------------------------------------------------------
def _member_levels(changes: Changes, container: Record) -> list[tuple[Record, str]]:
    kind = container["resource_type"]
    out = []
    for membership in changes.store.related(f"{kind}_membership", "parent", container["gid"]):
        user = changes.store.get((membership.get("member") or {}).get("gid", ""), "user")
        if user is not None:
            out.append((user, membership.get("access_level") or "editor"))
    return out


def _copy_settings(changes: Changes, source: Record, target: Record) -> list[Record]:
    """New custom field settings on `target` for those of `source` (before `target` is stored: its list)."""
    made = []
    for compact in source.get("custom_field_settings") or ():
        setting = changes.store.get(compact["gid"], "custom_field_setting")
        if setting is None:
            continue
        new: Record = {"gid": changes.store.new_gid(), "resource_type": "custom_field_setting"}
        if target["resource_type"] == "project":
            new["project"] = ref(target)
        new.update(is_important=setting.get("is_important", False), parent=ref(target))
        new["custom_field"] = dict(setting["custom_field"])
        made.append(new)
    target["custom_field_settings"] = [{"gid": s["gid"], "resource_type": s["resource_type"]} for s in made]
    return made


def _schedule(body: Body, include: frozenset[str], tasks: list[Record]) -> Shift:
    """The date shift of `schedule_dates`: the first start (or last due) date moves to the given day."""
    raw = body.raw("schedule_dates")
    if raw is None:
        return _same
    if not isinstance(raw, dict):
        raise bad_request(f"schedule_dates: Not an object: {raw!r}")
    if "task_dates" not in include:
        raise bad_request("schedule_dates: task_dates must be included to schedule dates")
    skip = raw.get("should_skip_weekends")
    if skip is None:
        raise bad_request("schedule_dates.should_skip_weekends: Missing input")
    if not isinstance(skip, bool):
        raise bad_request(f"schedule_dates.should_skip_weekends: Not a boolean: {skip!r}")
    given = [key for key in ("start_on", "due_on") if raw.get(key) is not None]
    if len(given) != 1:
        raise bad_request("schedule_dates: Specify exactly one of start_on or due_on")
    key = given[0]
    try:
        target = date.fromisoformat(str(raw[key]))
    except ValueError:
        raise bad_request(f"schedule_dates.{key}: Invalid date string: {raw[key]}") from None
    dates = sorted(date.fromisoformat(t[key]) for t in tasks if t.get(key))
    if not dates:
        return _same
    delta = target - (dates[0] if key == "start_on" else dates[-1])
    return _shifter(delta, skip)


def _shifter(delta: timedelta, skip_weekends: bool) -> Shift:
    def shift(value: str | None) -> str | None:
        if value is None:
            return None
        if "T" in value:
            moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + delta
            while skip_weekends and moved.weekday() >= 5:
                moved += timedelta(days=1)
            return moved.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        day = date.fromisoformat(value) + delta
        while skip_weekends and day.weekday() >= 5:
            day += timedelta(days=1)
        return day.isoformat()

    return shift


def _task_include(project_include: frozenset[str]) -> frozenset[str]:
    """`task_notes` -> `notes` ...: the task fields a project duplication copies."""
    return frozenset(
        name.removeprefix("task_")
        for name in project_include
        if name.startswith("task_") and name.removeprefix("task_") in TASK_INCLUDES
    )


def duplicate_project(changes: Changes, project: Record, body: Body) -> Record:
    """`POST /projects/{project_gid}/duplicate`: project, sections, tasks and what `include` asks for.

    Tasks, sections (the views) and custom field settings always come along. `forms`, `task_type_default`
    and `rules` have no objects in the sandbox, so they add nothing.
    """
    name = body.text("name", required=True)
    assert name is not None
    include = includes(body, PROJECT_INCLUDES)
    store = changes.store
    top = [t for t in tasks.members(changes, project) if not t.get("parent")]
    plan = TaskPlan(_task_include(include), _schedule(body, include, top))
    workspace = store.get(project["workspace"]["gid"]) or project["workspace"]
    team = store.get(project["team"]["gid"]) if project.get("team") else None
    actor = changes.actor or store.get(project["owner"]["gid"]) or {}
    new = blank_project(store.new_gid(), workspace, team, changes.now, actor, name)
    for key in _PROJECT_LOOK:
        new[key] = copy.deepcopy(project.get(key))
    for key in ("start_on", "due_on", "due_date"):
        new[key] = plan.shift(new[key])
    if "notes" in include:
        new.update(notes=project.get("notes") or "", html_notes=project.get("html_notes") or "<body></body>")
    if "permissions" in include:
        new.update({key: project.get(key, new[key]) for key in _PROJECT_PERMISSIONS})
    levels = [(u, lvl) for u, lvl in _member_levels(changes, project) if u["gid"] != actor.get("gid")]
    if "members" in include:
        new["members"] = _unique([ref(actor), *(ref(u) for u, _ in levels)])
    settings = _copy_settings(changes, project, new)
    changes.insert(new, parent=team or workspace)
    for setting in settings:
        changes.insert(setting, parent=new)
    memberships.add(changes, new, actor, "admin")
    for user, level in levels if "members" in include else ():
        memberships.add(changes, new, user, level)
    copied = {s["gid"]: sections.new(changes, new, s["name"]) for s in sections.of_project(store, project)}
    if not copied:  # a project keeps one section at least
        sections.new(changes, new, sections.DEFAULT_NAME)
    for task in top:
        homes: list[Home] = []
        for home, section in homes_of(changes, task):
            if home["gid"] == project["gid"]:
                homes.insert(0, (new, copied.get(section["gid"]) if section else None))
            elif "projects" in plan.include:
                homes.append((home, section))
        copy_task(changes, task, plan, name=task["name"], homes=homes, parent=None)
    link_dependencies(changes, plan)
    if "task_templates" in include:
        for template in store.related("task_template", "project", project["gid"]):
            _copy_task_template(changes, template, project, new)
    if "allocations" in include:
        for allocation in store.related("allocation", "parent", project["gid"]):
            duplicate = {**copy.deepcopy(allocation), "gid": store.new_gid(), "parent": ref(new)}
            duplicate["created_by"] = ref(actor)
            changes.insert(duplicate, parent=new)
    return jobs.finished(changes, "duplicate_project", workspace["gid"], "new_project", new)


def _copy_task_template(changes: Changes, template: Record, source: Record, project: Record) -> Record:
    """A task template of `source` made again in its copy `project` (memberships follow the project)."""
    recipe = copy.deepcopy(template.get("template") or {})
    recipe["memberships"] = [
        ref(project) if m.get("gid") == source["gid"] else m for m in recipe.get("memberships") or ()
    ]
    new: Record = {
        "gid": changes.store.new_gid(),
        "resource_type": "task_template",
        "name": template["name"],
        "project": ref(project),
        "template": recipe,
        "created_by": ref(changes.actor) if changes.actor else template.get("created_by"),
        "created_at": changes.now,
    }
    return changes.insert(new, parent=project)


# -- portfolios -----------------------------------------------------------------------------------------
def duplicate_portfolio(changes: Changes, portfolio: Record, body: Body) -> Record:
    """`POST /portfolios/{portfolio_gid}/duplicate`: the portfolio with its custom field settings, and what
    `include` asks for. The child projects and portfolios are the same objects, held by both portfolios
    (a project can be in many portfolios); `description` and `rules` have no sandbox objects to copy."""
    name = body.text("name", required=True)
    assert name is not None
    include = includes(body, PORTFOLIO_INCLUDES)
    store = changes.store
    actor = changes.actor or store.get(portfolio["owner"]["gid"]) or {}
    gid = store.new_gid()
    new: Record = {
        **copy.deepcopy({k: v for k, v in portfolio.items() if not k.startswith("_")}),
        "gid": gid,
        "name": name,
        "archived": False,
        "created_at": changes.now,
        "created_by": ref(actor),
        "current_status_update": None,
        "members": [ref(actor)],
        "owner": ref(actor),
        "permalink_url": f"https://app.asana.com/0/portfolio/{gid}/list",
        "project_templates": [],
        "_items": [],
    }
    if "permissions" not in include:
        new.update(public=False, privacy_setting="members_only", default_access_level="editor")
    if "templates" in include:
        new["project_templates"] = copy.deepcopy(portfolio.get("project_templates") or [])
    kinds = {"child_projects": "project", "child_portfolios": "portfolio"}
    wanted = {kind for option, kind in kinds.items() if option in include}
    new["_items"] = [dict(i) for i in portfolio.get("_items") or () if i.get("resource_type") in wanted]
    levels = [(u, lvl) for u, lvl in _member_levels(changes, portfolio) if u["gid"] != actor.get("gid")]
    if "members" in include:
        new["members"] = _unique([ref(actor), *(ref(u) for u, _ in levels)])
    settings = _copy_settings(changes, portfolio, new)
    workspace = store.get(portfolio["workspace"]["gid"]) or portfolio["workspace"]
    changes.insert(new, parent=workspace)
    for setting in settings:
        changes.insert(setting, parent=new)
    memberships.add(changes, new, actor, "admin")
    for user, level in levels if "members" in include else ():
        memberships.add(changes, new, user, level)
    for item in new["_items"]:
        child = store.get(item["gid"])
        if child is not None:
            changes.added(child, new)
    return jobs.finished(changes, "duplicate_portfolio", workspace["gid"], "new_portfolio", new)


def _unique(refs: Iterable[Record]) -> list[Record]:
    out: list[Record] = []
    for item in refs:
        if all(o["gid"] != item["gid"] for o in out):
            out.append(dict(item))
    return out
