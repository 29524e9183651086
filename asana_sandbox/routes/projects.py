"""Projects: list, read, search, create, update, delete; members and followers, briefs.

Sections, memberships and project statuses have their own modules (`sections.py`, `memberships.py`,
`status_updates.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import json_response, missing_input
from asana_sandbox.models import projects
from asana_sandbox.models.changes import Changes
from asana_sandbox.projection import render
from asana_sandbox.routes.base import (
    Handler,
    RequestContext,
    Route,
    children,
    create_one,
    delete_one,
    flag,
    get_one,
    listing,
    ref_gid,
    update_one,
)
from asana_sandbox.routes.common import parse_datetime, timestamp
from asana_sandbox.store import Record

SEARCH_PAGE = 100


def _archived_filter(ctx: RequestContext, projects: Sequence[Record]) -> Sequence[Record]:
    archived = flag(ctx, "archived")
    if archived is None:
        return projects
    return [p for p in projects if bool(p.get("archived")) == archived]


def _projects(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("team"):
        team = ctx.obj(ctx.args["team"], "team", "team")
        projects = ctx.store.related("project", "team", team["gid"])
    elif ctx.args.get("workspace"):
        workspace = ctx.obj(ctx.args["workspace"], "workspace", "workspace")
        projects = ctx.store.related("project", "workspace", workspace["gid"])
    else:
        raise missing_input("workspace")
    return _archived_filter(ctx, projects)


def _projects_in(link: str, param: str, parent_type: str):
    select = children("project", link, param, parent_type)

    def archived_aware(ctx: RequestContext, **params: str) -> Sequence[Record]:
        return _archived_filter(ctx, select(ctx, **params))

    return archived_aware


def _task_projects(ctx: RequestContext, task_gid: str) -> Sequence[Record]:
    task = ctx.obj(task_gid, "task", "task_gid")
    return [p for p in (ctx.store.get(ref_gid(r)) for r in task.get("projects") or ()) if p]


def _task_counts(ctx: RequestContext, project_gid: str) -> Response:
    project = ctx.obj(project_gid, "project", "project_gid")
    tasks = ctx.store.related("task", "projects", project["gid"])
    milestones = [t for t in tasks if t.get("resource_subtype") == "milestone"]
    counts = {
        "num_tasks": len(tasks),
        "num_incomplete_tasks": sum(not t.get("completed") for t in tasks),
        "num_completed_tasks": sum(bool(t.get("completed")) for t in tasks),
        "num_milestones": len(milestones),
        "num_incomplete_milestones": sum(not t.get("completed") for t in milestones),
        "num_completed_milestones": sum(bool(t.get("completed")) for t in milestones),
    }
    # Every count is opt-in: without opt_fields the object is empty.
    chosen = ctx.fields or {}
    return json_response({"data": {k: v for k, v in counts.items() if k in chosen}})


def _search_projects(ctx: RequestContext, workspace_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    ctx.gate("premium")
    projects = list(ctx.store.related("project", "workspace", workspace["gid"]))
    text = ctx.args.get("text", "").lower()
    if text:
        projects = [p for p in projects if text in (p.get("name") or "").lower()]
    completed = flag(ctx, "completed")
    if completed is not None:
        projects = [p for p in projects if bool(p.get("completed")) == completed]
    if ctx.args.get("teams.any"):
        teams = set(ctx.args["teams.any"].split(","))
        projects = [p for p in projects if ref_gid(p.get("team")) in teams]
    if ctx.args.get("owner.any"):
        owners = {ctx.user_gid(o) for o in ctx.args["owner.any"].split(",")}
        projects = [p for p in projects if ref_gid(p.get("owner")) in owners]
    for bound in ("created_at.after", "created_at.before"):
        if ctx.args.get(bound):
            limit = parse_datetime(bound, ctx.args[bound])
            after = bound.endswith("after")
            projects = [
                p
                for p in projects
                if (created := timestamp(p.get("created_at")))
                and ((created > limit) if after else (created < limit))
            ]
    return json_response({"data": [render(p, ctx.fields, ctx.store) for p in projects[:SEARCH_PAGE]]})


def _create(ctx: RequestContext) -> Response:
    return ctx.created(projects.create(ctx.changes(), ctx.input()))


def _create_in(kind: str) -> Handler:
    """`POST /workspaces/{gid}/projects`, `POST /teams/{gid}/projects`: the container comes from the path."""

    def handler(ctx: RequestContext, **params: str) -> Response:
        container = ctx.obj(params[f"{kind}_gid"], kind, f"{kind}_gid")
        return ctx.created(projects.create(ctx.changes(), ctx.input(), **{kind: container}))

    return handler


def _people(field: str, rule: Callable[[Changes, Record, Sequence[Record]], Record]) -> Handler:
    """add/remove members or followers: a list of users in `field`, answered with the updated project."""

    def handler(ctx: RequestContext, project_gid: str) -> Response:
        project = ctx.obj(project_gid, "project", "project_gid")
        users = projects.read_users(ctx.input(), field)
        return ctx.one(rule(ctx.changes(), project, users))

    return handler


ROUTES: list[Route] = [
    listing("/projects", _projects),
    listing("/workspaces/{workspace_gid}/projects", _projects_in("workspace", "workspace_gid", "workspace")),
    listing("/teams/{team_gid}/projects", _projects_in("team", "team_gid", "team")),
    listing("/tasks/{task_gid}/projects", _task_projects),
    get_one("/projects/{project_gid}", "project"),
    Route("GET", "/projects/{project_gid}/task_counts", _task_counts),
    Route("GET", "/workspaces/{workspace_gid}/projects/search", _search_projects, search=True),
    get_one("/project_briefs/{project_brief_gid}", "project_brief", tier="premium"),
    # -- writes
    Route("POST", "/projects", _create),
    Route("POST", "/workspaces/{workspace_gid}/projects", _create_in("workspace")),
    Route("POST", "/teams/{team_gid}/projects", _create_in("team")),
    update_one("/projects/{project_gid}", "project", projects.update),
    delete_one("/projects/{project_gid}", "project", projects.delete),
    Route("POST", "/projects/{project_gid}/addMembers", _people("members", projects.add_members)),
    Route("POST", "/projects/{project_gid}/removeMembers", _people("members", projects.remove_members)),
    Route("POST", "/projects/{project_gid}/addFollowers", _people("followers", projects.add_followers)),
    Route("POST", "/projects/{project_gid}/removeFollowers", _people("followers", projects.remove_followers)),
    create_one(
        "/projects/{project_gid}/project_briefs",
        "project_gid",
        "project",
        projects.create_brief,
        tier="premium",
    ),
    update_one("/project_briefs/{project_brief_gid}", "project_brief", projects.update_brief, tier="premium"),
    delete_one("/project_briefs/{project_brief_gid}", "project_brief", projects.delete_brief, tier="premium"),
]
