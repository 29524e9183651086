"""Project and task templates: save a project as a template, make projects and tasks from templates, delete.

A template saved from a project keeps the project's sections and tasks (names, notes, subtypes, subtasks and
dates relative to the project's start) in a private blueprint, so that instantiating it makes them again,
dated from the requested Start Date. Templates of the demo dataset have no blueprint: their projects start
empty, as a blank template's do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from asana_sandbox.errors import ApiError, bad_request, missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models import attachments, jobs, memberships, sections, tasks
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, blank_project, custom_field_value, ref
from asana_sandbox.models.tags import COLORS

# The date variable of a project template (asana-api.md: instantiateProject takes its gid from here).
START_DATE = {"gid": "1", "name": "Start Date", "description": "Choose a start date for your project."}
PRIVACY = ("public_to_workspace", "private_to_team", "private")
# TaskTemplateRecipe's subtypes and the task subtypes they make.
TASK_SUBTYPES = {"default_task": "default_task", "milestone_task": "milestone", "approval_task": "approval"}


def _today() -> date:
    return datetime.now(timezone.utc).date()


# -- save a project as a template ------------------------------------------------------------------------
def _offset(value: str | None, anchor: date) -> int | None:
    return None if not value else (date.fromisoformat(value[:10]) - anchor).days


def _node(changes: Changes, task: Record, section_gids: list[str], anchor: date) -> Record:
    """A task as the blueprint keeps it; its dates are days from the project's start."""
    section = next(
        (m.get("section") for m in task.get("memberships") or () if m.get("section")),
        None,
    )
    return {
        "name": task["name"],
        "notes": task.get("notes") or "",
        "html_notes": task.get("html_notes") or "<body></body>",
        "resource_subtype": task.get("resource_subtype") or "default_task",
        "section": section_gids.index(section["gid"]) if section and section["gid"] in section_gids else None,
        "start": _offset(task.get("start_on"), anchor),
        "due": _offset(task.get("due_on") or task.get("due_at"), anchor),
        "subtasks": [_node(changes, sub, section_gids, anchor) for sub in tasks.members(changes, task)],
    }


def _blueprint(changes: Changes, project: Record) -> Record:
    store = changes.store
    ordered = sections.of_project(store, project)
    top = [t for t in tasks.members(changes, project) if not t.get("parent")]
    days = [
        date.fromisoformat(value[:10])
        for value in (project.get("start_on"), *(t.get(k) for t in top for k in ("start_on", "due_on")))
        if value
    ]
    anchor = date.fromisoformat(project["start_on"]) if project.get("start_on") else min(days, default=None)
    gids = [s["gid"] for s in ordered]
    return {
        "dated": anchor is not None,
        "sections": [s["name"] for s in ordered],
        "tasks": [_node(changes, t, gids, anchor or _today()) for t in top],
    }


def save_project(changes: Changes, project: Record, body: Body) -> Record:
    """`POST /projects/{project_gid}/saveAsTemplate`: a project template of the project (in a team of an
    organization, else in the workspace), then the finished job naming it."""
    name = body.text("name", required=True)
    public = body.boolean("public", required=True)
    store = changes.store
    workspace = store.get(project["workspace"]["gid"]) or project["workspace"]
    team = body.obj("team", "team")
    other = body.obj("workspace", "workspace")
    if workspace.get("is_organization"):
        if other is not None:
            raise bad_request("workspace: The project is in an organization: specify team, not workspace")
        team = team or (store.get(project["team"]["gid"], "team") if project.get("team") else None)
        if team is None:
            raise missing_input("team")
        if (team.get("organization") or {}).get("gid") != workspace["gid"]:
            raise bad_request(f"team: Team {team['gid']} is not in the project's organization")
    else:
        if team is not None:
            raise bad_request("team: The project is not in an organization: specify workspace, not team")
        if other is not None and other["gid"] != workspace["gid"]:
            raise bad_request(f"workspace: Workspace {other['gid']} is not the project's workspace")
    blueprint = _blueprint(changes, project)
    color = project.get("color")
    template: Record = {
        "gid": store.new_gid(),
        "resource_type": "project_template",
        "name": name,
        "description": project.get("notes") or "",
        "html_description": project.get("html_notes") or "<body></body>",
        "public": public,
        "owner": ref(changes.actor) if changes.actor else dict(project["owner"]),
        "team": ref(team) if team else None,
        "requested_dates": [dict(START_DATE)] if blueprint["dated"] else [],
        "color": color if color in COLORS else None,
        "requested_roles": [],
        "_workspace": workspace["gid"],
        "_blueprint": blueprint,
    }
    changes.insert(template, parent=team or workspace)
    return jobs.finished(
        changes, "save_project_as_template", workspace["gid"], "new_project_template", template
    )


# -- instantiate a project -------------------------------------------------------------------------------
def _entries(body: Body, name: str) -> list[tuple[str, Any, str]]:
    """(gid, value, where) of a list of `{gid, value}` mappings."""
    raw = body.raw(name)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request(f"{name}: Not an array: {raw!r}")
    out = []
    for k, item in enumerate(raw):
        where = f"{name}: [{k}]"
        if not isinstance(item, dict):
            raise bad_request(f"{where}: Not an object: {item!r}")
        if not isinstance(item.get("gid"), str) or not item["gid"]:
            raise bad_request(f"{where}.gid: Missing input")
        out.append((item["gid"], item.get("value"), where))
    return out


def _requested_dates(body: Body, template: Record, strict: bool) -> dict[str, date]:
    """The calendar date of each date variable; unfilled ones default to today unless `is_strict`."""
    known = {d["gid"]: d for d in template.get("requested_dates") or ()}
    out: dict[str, date] = {}
    for gid, value, where in _entries(body, "requested_dates"):
        if gid not in known:
            raise bad_request(f"{where}.gid: Not a recognized date variable of the template: {gid}")
        if value is None:
            continue
        if not isinstance(value, str):
            raise bad_request(f"{where}.value: Not a string: {value!r}")
        try:
            out[gid] = date.fromisoformat(value[:10])
        except ValueError:
            raise bad_request(f"{where}.value: Invalid date string: {value}") from None
    missing = [d["name"] for gid, d in known.items() if gid not in out]
    if missing and strict:
        # The spec's words for is_strict: an "Unprocessable Entity" error.
        raise ApiError(422, f"requested_dates: No date given for the date variables: {', '.join(missing)}")
    return {gid: out.get(gid, _today()) for gid in known}


def _requested_roles(body: Body, template: Record) -> list[Record]:
    """The users filling the template's roles; they become members of the new project."""
    known = {r["gid"] for r in template.get("requested_roles") or ()}
    users = []
    for gid, value, where in _entries(body, "requested_roles"):
        if gid not in known:
            raise bad_request(f"{where}.gid: Not a recognized role of the template: {gid}")
        if value is None:
            continue
        users.append(body.lookup(f"{where}.value", value, "user"))
    return users


def instantiate_project(changes: Changes, template: Record, body: Body) -> Record:
    """`POST /project_templates/{project_template_gid}/instantiateProject`: the project, then the job."""
    name = body.text("name", required=True)
    assert name is not None
    store = changes.store
    workspace = store.get(template["_workspace"], "workspace") or {"gid": template["_workspace"]}
    team = body.obj("team", "team")
    if workspace.get("is_organization"):
        team = team or (store.get(template["team"]["gid"], "team") if template.get("team") else None)
        if team is None:
            raise missing_input("team")
        if (team.get("organization") or {}).get("gid") != workspace["gid"]:
            raise bad_request(f"team: Team {team['gid']} is not in the template's organization")
    elif team is not None:
        raise bad_request("team: The project template is not in an organization")
    privacy = body.choice("privacy_setting", PRIVACY)
    public = body.boolean("public")
    dates = _requested_dates(body, template, bool(body.boolean("is_strict")))
    members = _requested_roles(body, template)
    actor = changes.actor or store.get(template["owner"]["gid"]) or {}
    new = blank_project(store.new_gid(), workspace, team, changes.now, actor, name)
    start = dates.get(START_DATE["gid"])
    new.update(
        color=template.get("color"),
        notes=template.get("description") or "",
        html_notes=template.get("html_description") or "<body></body>",
        created_from_template=ref(template),
        start_on=start.isoformat() if start else None,
        members=_unique_refs([actor, *members]),
    )
    if privacy is not None:
        new.update(privacy_setting=privacy, public=privacy == "public_to_workspace")
    elif public is not None:
        new.update(public=public, privacy_setting="public_to_workspace" if public else "private")
    changes.insert(new, parent=team or workspace)
    memberships.add(changes, new, actor, "admin")
    for user in members:
        memberships.add(changes, new, user, "editor")
    _build(changes, new, template.get("_blueprint"), start or _today())
    return jobs.finished(changes, "instantiate_project_template", workspace["gid"], "new_project", new)


def _build(changes: Changes, project: Record, blueprint: Record | None, start: date) -> None:
    """The blueprint's sections and tasks in `project`, dated from `start` (a project keeps one section at
    least: a template without a blueprint gives an "Untitled section", as a new project has)."""
    blueprint = blueprint or {"sections": [], "tasks": []}
    made = [sections.new(changes, project, name) for name in blueprint["sections"]]
    if not made:
        made.append(sections.new(changes, project, sections.DEFAULT_NAME))
    workspace = changes.store.get(project["workspace"]["gid"]) or project["workspace"]

    def make(node: Record, parent: Record | None) -> None:
        fields: Record = {
            "resource_subtype": node["resource_subtype"],
            "notes": node["notes"],
            "html_notes": node["html_notes"],
            "start_on": _day(start, node["start"]),
            "due_on": _day(start, node["due"]),
        }
        homes = [] if parent else [(project, made[node["section"]] if node["section"] is not None else None)]
        task = tasks.create_task(
            changes, workspace, name=node["name"], parent=parent, homes=homes, fields=fields
        )
        for sub in node["subtasks"]:
            make(sub, task)

    for node in blueprint["tasks"]:
        make(node, None)


def _day(start: date, offset: int | None) -> str | None:
    return None if offset is None else (start + timedelta(days=offset)).isoformat()


def _unique_refs(records: list[Record]) -> list[Record]:
    return list({r["gid"]: ref(r) for r in records}.values())


# -- instantiate a task ----------------------------------------------------------------------------------
def instantiate_task(changes: Changes, template: Record, body: Body) -> Record:
    """`POST /task_templates/{task_template_gid}/instantiateTask`: a task made from the template's recipe
    (named as asked, else as the template), then the job. Relative dates count from today."""
    name = body.text("name")
    store = changes.store
    recipe = template.get("template") or {}
    projects = [p for p in (store.get(m["gid"], "project") for m in recipe.get("memberships") or ()) if p]
    if not projects and template.get("project"):
        projects = [p for p in [store.get(template["project"]["gid"], "project")] if p]
    if not projects:
        raise bad_request("The task template's project no longer exists")
    workspace = store.get(projects[0]["workspace"]["gid"]) or projects[0]["workspace"]
    today = _today()
    fields: Record = {
        "resource_subtype": TASK_SUBTYPES.get(recipe.get("task_resource_subtype") or "", "default_task"),
        "notes": recipe.get("description") or "",
        "html_notes": recipe.get("html_description") or "<body></body>",
        "start_on": _day(today, recipe.get("relative_start_on")),
        "due_on": _day(today, recipe.get("relative_due_on")),
    }
    fields_of = [store.get(cf["gid"], "custom_field") for cf in recipe.get("custom_fields") or ()]
    followers = [u for u in (store.get(f["gid"], "user") for f in recipe.get("followers") or ()) if u]
    task = tasks.create_task(
        changes,
        workspace,
        name=name if name is not None else recipe.get("name") or template["name"],
        homes=[(p, None) for p in projects],
        followers=followers,
        fields=fields,
        custom_fields=[custom_field_value(cf) for cf in fields_of if cf],
    )
    for sub in recipe.get("subtasks") or ():
        subtype = TASK_SUBTYPES.get(sub.get("task_resource_subtype") or "", "default_task")
        tasks.create_task(
            changes, workspace, name=sub.get("name") or "", parent=task, fields={"resource_subtype": subtype}
        )
    for compact in recipe.get("attachments") or ():
        source = store.get(compact["gid"], "attachment")
        if source is not None:
            attachments.copy(changes, source, task)
    return jobs.finished(changes, "instantiate_task_template", workspace["gid"], "new_task", task)


# -- delete ----------------------------------------------------------------------------------------------
def delete_project_template(changes: Changes, template: Record) -> None:
    """The template goes, and with it from the portfolios listing it and the projects made from it."""
    store = changes.store
    for portfolio in store.all("portfolio"):
        held = portfolio.get("project_templates") or []
        kept = [t for t in held if t.get("gid") != template["gid"]]
        if len(kept) != len(held):
            changes.update(portfolio, {"project_templates": kept}, touch=False)
    for project in store.related("project", "created_from_template", template["gid"]):
        changes.update(project, {"created_from_template": None}, touch=False)
    changes.delete(template)


def delete_task_template(changes: Changes, template: Record) -> None:
    changes.delete(template)
