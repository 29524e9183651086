"""Projects: create (in a workspace or a team), update, delete; members, followers, briefs, settings.

`modified_at` moves on edits of the project's own fields only: the spec says it "does not currently reflect
any changes in associations such as tasks or comments", so members, followers, sections, statuses and
briefs leave it alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import bad_request, missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models import (
    access_requests,
    custom_fields,
    goals,
    memberships,
    rules,
    sections,
    status_updates,
    tasks,
)
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, blank_project, ref, rich_text
from asana_sandbox.models.tags import COLORS as TAG_COLORS

COLORS = (*TAG_COLORS, "none")
ICONS = (
    *("list", "board", "timeline", "calendar", "rocket", "people", "graph", "star", "bug", "light_bulb"),
    *("globe", "gear", "notebook", "computer", "check", "target", "html", "megaphone", "chat_bubbles"),
    *("briefcase", "page_layout", "mountain_flag", "puzzle", "presentation", "line_and_symbols"),
    *("speed_dial", "ribbon", "shoe", "shopping_basket", "map", "ticket", "coins"),
)
VIEWS = ("list", "board", "calendar", "timeline")
PRIVACY = ("public_to_workspace", "private_to_team", "private")
ACCESS_LEVELS = {
    "default_access_level": ("admin", "editor", "commenter", "viewer"),
    "minimum_access_level_for_customization": ("admin", "editor"),
    "minimum_access_level_for_sharing": ("admin", "editor"),
}
CREATE_ONLY = ("workspace", "followers")
# What belongs to a project and goes with it, by (resource type, field naming the project).
_OWNED = (
    ("section", "project"),
    ("project_status", "_parent"),
    ("project_brief", "project"),
    ("project_portfolio_setting", "project"),
    ("attachment", "parent"),
    ("task_template", "project"),
    ("allocation", "parent"),
    ("budget", "parent"),
    ("rate", "parent"),
)


# -- reading a request ----------------------------------------------------------------------------------
def _flag(body: Body, name: str) -> bool:
    value = body.boolean(name)
    if value is None:
        raise bad_request(f"{name}: Not a boolean: None")
    return value


def _nullable_choice(body: Body, name: str, allowed: Sequence[str]) -> str | None:
    return body.choice(name, allowed) if body.raw(name) is not None else None


def read_fields(body: Body, project: Record | None, team: Record | None) -> Record:
    """The project's own fields that the body sets; `project` is None on a create."""
    out: Record = {}
    if body.has("name"):
        out["name"] = body.text("name") or ""
    if body.has("archived"):
        out["archived"] = _flag(body, "archived")
    for name, allowed in (("color", COLORS), ("icon", ICONS)):
        if body.has(name):
            out[name] = _nullable_choice(body, name, allowed)
    if body.has("default_view"):
        out["default_view"] = body.choice("default_view", VIEWS, required=True)
    for name, allowed in ACCESS_LEVELS.items():
        if body.has(name):
            out[name] = body.choice(name, allowed, required=True)
    if body.has("html_notes") or body.has("notes"):
        html = body.html("html_notes")
        out["notes"], out["html_notes"] = rich_text(None if html else body.text("notes"), html)
    out.update(_dates(body, project))
    out.update(_privacy(body, team))
    return out


def _dates(body: Body, project: Record | None) -> Record:
    """due_on (and its deprecated twin due_date), start_on with the spec's rules on how they combine."""
    out: Record = {}
    if body.has("due_on") or body.has("due_date"):
        due = body.date("due_on") if body.has("due_on") else body.date("due_date")
        out.update(due_on=due, due_date=due)
    if body.has("start_on"):
        # The spec: "`due_on` or `due_at` must be present in the request when setting or unsetting
        # the `start_on` parameter. Additionally, `start_on` and `due_on` cannot be the same date."
        if "due_on" not in out and not body.has("due_at"):
            raise bad_request("start_on: due_on must be given when setting or unsetting start_on")
        out["start_on"] = body.date("start_on")
    start = out.get("start_on", (project or {}).get("start_on"))
    due = out.get("due_on", (project or {}).get("due_on"))
    if out and start and due and start >= due:
        raise bad_request("start_on: Must be before due_on")
    return out


def _privacy(body: Body, team: Record | None) -> Record:
    """`privacy_setting`, or the deprecated `public` it replaces; each sets the other."""
    if body.has("privacy_setting"):
        setting = body.choice("privacy_setting", PRIVACY, required=True)
    elif body.has("public"):
        setting = "public_to_workspace" if _flag(body, "public") else "private_to_team" if team else "private"
    else:
        return {}
    if setting == "private_to_team" and team is None:
        raise bad_request("privacy_setting: private_to_team needs a project in a team")
    return {"privacy_setting": setting, "public": setting == "public_to_workspace"}


def _owner(body: Body) -> Record | None:
    return body.obj("owner", "user")


def _team_in(team: Record, workspace: Record) -> Record:
    if (team.get("organization") or {}).get("gid") != workspace["gid"]:
        raise bad_request(f"team: Team {team['gid']} is not in workspace {workspace['gid']}")
    return team


# -- create, update, delete ------------------------------------------------------------------------------
def create(
    changes: Changes, body: Body, *, workspace: Record | None = None, team: Record | None = None
) -> Record:
    """A new project in a workspace, or in a team of an organization (which needs one, per createProject).

    The creator owns it (unless `owner` says otherwise), is an admin member and follows it; `followers`
    become members too. Its first section is an "Untitled section": a project always keeps one
    (deleteSection: "The last remaining section cannot be deleted").
    """
    store = changes.store
    team = team or body.obj("team", "team")
    workspace = workspace or body.obj("workspace", "workspace")
    if workspace is None and team is not None:
        workspace = store.get(team["organization"]["gid"], "workspace")
    if workspace is None:
        raise missing_input("workspace")
    if team is not None:
        _team_in(team, workspace)
    elif workspace.get("is_organization"):
        raise missing_input("team")
    fields = read_fields(body, None, team)
    owner = _owner(body) if body.has("owner") else changes.actor
    followers = body.objs("followers", "user") or []
    actor = changes.actor or owner
    assert actor is not None
    project = blank_project(store.new_gid(), workspace, team, changes.now, actor, fields.pop("name", ""))
    if body.has("custom_fields"):
        fields["custom_fields"] = custom_fields.values_from(body, project, workspace["gid"])
    # The spec's icon enum has no null (whatever `nullable` says): a new project shows its view's icon.
    fields.setdefault("icon", "list")
    project.update(fields)
    project["owner"] = ref(owner) if owner else None
    people = _unique([actor, *([owner] if owner else []), *followers])
    project["members"] = [ref(u) for u in people]
    project["followers"] = [ref(u) for u in _unique([actor, *followers])]
    changes.insert(project, parent=team or workspace)
    sections.new(changes, project, sections.DEFAULT_NAME)
    for user in people:
        admin = user["gid"] in (actor["gid"], (owner or {}).get("gid"))
        memberships.add(changes, project, user, "admin" if admin else None)
    return project


def update(changes: Changes, project: Record, body: Body) -> Record:
    """The fields of ProjectUpdateRequest; `workspace` and `followers` are set at creation only."""
    body.forbid(*CREATE_ONLY, "members")
    store = changes.store
    workspace = store.get(project["workspace"]["gid"], "workspace") or project["workspace"]
    team = store.get((project.get("team") or {}).get("gid", ""), "team")
    updates: Record = {}
    if body.has("team"):
        new_team = body.obj("team", "team", required=True)
        assert new_team is not None
        team = _team_in(new_team, workspace)
        updates["team"] = ref(team)
    updates.update(read_fields(body, project, team))
    owner = _owner(body) if body.has("owner") else None
    if body.has("owner"):
        updates["owner"] = ref(owner) if owner else None
    if body.has("custom_fields"):
        updates["custom_fields"] = custom_fields.values_from(body, project, workspace["gid"])
    changes.update(project, updates)
    if owner is not None and memberships.find(store, project, owner) is None:
        memberships.add(changes, project, owner, "admin")
    return project


def delete(changes: Changes, project: Record) -> None:
    """The project and what belongs to it answer 404 afterwards; its tasks go or stay as in Asana.

    What belongs to it: sections, memberships, statuses, the brief and its files, settings, templates,
    allocations, budget and rates, rule triggers and requests to join it; it no longer supports goals,
    sits in portfolios or is held by reference custom field values.

    Asana keeps a task of a deleted project when it is also in another project, when it is assigned
    (top-level tasks), or when it is a subtask whose parent stays; the others go with the project.
    """
    store = changes.store
    in_project = tasks.members(changes, project)
    doomed = _doomed(changes, project, in_project)
    for task in in_project:
        if task["gid"] not in doomed:
            tasks.remove_project(changes, task, project)
    for task in in_project:
        parent_gid = (task.get("parent") or {}).get("gid")
        if task["gid"] in doomed and parent_gid not in doomed and store.get(task["gid"]) is not None:
            _delete_tree(changes, task, project)
    memberships.remove_all(changes, project)
    status_updates.delete_for(changes, project)
    custom_fields.remove_all_settings(changes, project)
    goals.drop_supporting(changes, project)
    custom_fields.drop_references(changes, project)
    access_requests.drop_for(changes, project)
    rules.drop_for(changes, project)
    for brief in store.related("project_brief", "project", project["gid"]):
        _drop_attachments(changes, brief)
    for section in store.related("section", "project", project["gid"]):
        for task in store.related("task", "assignee_section", section["gid"]):
            # A task that stays leaves the section, its place in its assignee's My Tasks, as well.
            changes.update(task, {"assignee_section": None}, touch=False)
    for kind, link in _OWNED:
        for record in list(store.related(kind, link, project["gid"])):
            changes.delete(record)
    for portfolio in list(store.related("portfolio", "_items", project["gid"])):
        items = [i for i in portfolio["_items"] if i.get("gid") != project["gid"]]
        changes.update(portfolio, {"_items": items}, touch=False)
        changes.removed(project, portfolio)
    for custom_type in list(store.related("custom_type", "_projects", project["gid"])):
        kept = [g for g in custom_type["_projects"] if g != project["gid"]]
        changes.update(custom_type, {"_projects": kept}, touch=False)
    changes.delete(project)


def _doomed(changes: Changes, project: Record, in_project: Sequence[Record]) -> set[str]:
    """The gids of the project's tasks that go with it."""
    verdict: dict[str, bool] = {}

    def goes(task: Record) -> bool:
        if task["gid"] in verdict:
            return verdict[task["gid"]]
        verdict[task["gid"]] = False  # a cycle keeps the task
        elsewhere = any(p["gid"] != project["gid"] for p in task.get("projects") or ())
        in_this = any(p["gid"] == project["gid"] for p in task.get("projects") or ())
        parent = changes.store.get((task.get("parent") or {}).get("gid", ""), "task")
        if elsewhere or not in_this:
            result = False
        elif parent is not None:
            result = goes(parent)
        else:
            result = task.get("assignee") is None
        verdict[task["gid"]] = result
        return result

    return {t["gid"] for t in in_project if goes(t)}


def _delete_tree(changes: Changes, task: Record, project: Record) -> None:
    """Delete a task of the project with its subtasks, except subtasks that live on in another project."""
    for sub in tasks.subtree(changes, task):
        if sub is task or (sub.get("parent") or {}).get("gid") is None:
            continue
        if any(p["gid"] != project["gid"] for p in sub.get("projects") or ()):
            tasks.set_parent(changes, sub, None)
    tasks.delete_task(changes, task)


# -- members and followers -------------------------------------------------------------------------------
def read_users(body: Body, name: str) -> list[Record]:
    """`members` / `followers` of add/remove requests: users by gid, `me` or email (list or comma string)."""
    users = body.objs(name, "user", required=True)
    if not users:
        raise missing_input(name)
    return users


def add_members(changes: Changes, project: Record, users: Sequence[Record]) -> Record:
    """New members get the project's default access level; they do not start following it."""
    for user in users:
        memberships.add(changes, project, user)
    return project


def remove_members(changes: Changes, project: Record, users: Sequence[Record]) -> Record:
    """Their memberships end; followers are members, so they stop following too."""
    for user in users:
        memberships.remove_member(changes, project, user)
    return project


def add_followers(changes: Changes, project: Record, users: Sequence[Record]) -> Record:
    """Followers are members who get "tasks added" notifications: a non-member becomes a member too."""
    for user in users:
        memberships.add(changes, project, user)
    followers = list(project.get("followers") or ())
    new = [ref(u) for u in users if all(f["gid"] != u["gid"] for f in followers)]
    if new:
        changes.update(project, {"followers": followers + new}, touch=False)
    return project


def remove_followers(changes: Changes, project: Record, users: Sequence[Record]) -> Record:
    """They stop following; their membership stays (removeFollowersForProject)."""
    gone = {u["gid"] for u in users}
    followers = [f for f in project.get("followers") or () if f["gid"] not in gone]
    changes.update(project, {"followers": followers}, touch=False)
    return project


def _unique(users: Sequence[Record]) -> list[Record]:
    out: list[Record] = []
    for user in users:
        if all(u["gid"] != user["gid"] for u in out):
            out.append(user)
    return out


# -- briefs and portfolio settings ------------------------------------------------------------------------
def _brief_text(body: Body) -> Record:
    """`html_text` or `text` (the spec: "you can specify either ... but not both"); each sets the other."""
    if body.raw("html_text") is not None and body.raw("text") is not None:
        raise bad_request("text: You may specify either text or html_text, but not both")
    if not body.has("html_text") and not body.has("text"):
        return {}
    html = body.html("html_text")
    text, html_text = rich_text(None if html else body.text("text"), html)
    return {"text": text, "html_text": html_text}


def create_brief(changes: Changes, body: Body, project: Record) -> Record:
    """A project's brief; a project has one (its `project_brief`), so a second is refused."""
    if project.get("project_brief"):
        raise bad_request(f"project: Project {project['gid']} already has a project brief")
    fields = {"title": body.text("title") or "", **_brief_text(body)}
    gid = changes.store.new_gid()
    brief: Record = {
        "gid": gid,
        "resource_type": "project_brief",
        "title": fields["title"],
        "html_text": fields.get("html_text", "<body></body>"),
        "text": fields.get("text", ""),
        "permalink_url": f"https://app.asana.com/1/{project['workspace']['gid']}/project/{project['gid']}/brief",
        "project": ref(project),
    }
    changes.insert(brief, parent=project)
    changes.update(project, {"project_brief": {"gid": gid, "resource_type": "project_brief"}}, touch=False)
    return brief


def update_brief(changes: Changes, brief: Record, body: Body) -> Record:
    updates = _brief_text(body)
    if body.has("title"):
        updates["title"] = body.text("title") or ""
    changes.update(brief, updates)
    return brief


def delete_brief(changes: Changes, brief: Record) -> None:
    """The brief goes with the files attached to it; the project no longer has one."""
    project = changes.store.get(brief["project"]["gid"], "project")
    _drop_attachments(changes, brief)
    changes.delete(brief)
    if project is not None:
        changes.update(project, {"project_brief": None}, touch=False)


def _drop_attachments(changes: Changes, brief: Record) -> None:
    for attachment in changes.store.related("attachment", "parent", brief["gid"]):
        changes.delete(attachment)


def update_portfolio_setting(changes: Changes, setting: Record, body: Body) -> Record:
    """Only `is_access_control_inherited` can change."""
    body.forbid("project", "portfolio")
    if body.has("is_access_control_inherited"):
        inherited = _flag(body, "is_access_control_inherited")
        changes.update(setting, {"is_access_control_inherited": inherited})
    return setting
