"""Projects and what hangs off them: sections, memberships, statuses, briefs, templates, custom fields."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import json_response, missing_input
from asana_sandbox.projection import render
from asana_sandbox.routes.base import (
    RequestContext,
    Route,
    by_query,
    children,
    flag,
    get_one,
    listing,
    ref_gid,
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


def _project_memberships(ctx: RequestContext, project_gid: str) -> Sequence[Record]:
    project = ctx.obj(project_gid, "project", "project_gid")
    memberships = ctx.store.related("project_membership", "project", project["gid"])
    if ctx.args.get("user"):
        user = ctx.obj(ctx.args["user"], "user", "user")
        memberships = [m for m in memberships if ref_gid(m.get("user")) == user["gid"]]
    return memberships


def _memberships(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("parent"):
        parent = ctx.obj(
            ctx.args["parent"], ("goal", "project", "portfolio", "custom_type", "custom_field"), "parent"
        )
        memberships = ctx.store.related("membership", "parent", parent["gid"])
        if ctx.args.get("member"):
            memberships = [
                m for m in memberships if ref_gid(m.get("member")) == ctx.user_gid(ctx.args["member"])
            ]
        return memberships
    if ctx.args.get("member"):
        member = ctx.obj(ctx.args["member"], ("user", "team"), "member")
        memberships = ctx.store.related("membership", "member", member["gid"])
        subtype = ctx.args.get("resource_subtype")
        return [m for m in memberships if not subtype or m.get("resource_subtype") == subtype]
    raise missing_input("parent")


def _status_updates(ctx: RequestContext) -> Sequence[Record]:
    parent = ctx.obj(ctx.require("parent"), ("project", "portfolio", "goal"), "parent")
    updates = ctx.store.related("status_update", "parent", parent["gid"])
    if ctx.args.get("created_since"):
        since = parse_datetime("created_since", ctx.args["created_since"])
        updates = [u for u in updates if (created := timestamp(u.get("created_at"))) and created >= since]
    return updates


def _project_templates(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("team"):
        team = ctx.obj(ctx.args["team"], "team", "team")
        return ctx.store.related("project_template", "team", team["gid"])
    if ctx.args.get("workspace"):
        workspace = ctx.obj(ctx.args["workspace"], "workspace", "workspace")
        return ctx.store.related("project_template", "_workspace", workspace["gid"])
    raise missing_input("workspace")


ROUTES: list[Route] = [
    listing("/projects", _projects),
    listing("/workspaces/{workspace_gid}/projects", _projects_in("workspace", "workspace_gid", "workspace")),
    listing("/teams/{team_gid}/projects", _projects_in("team", "team_gid", "team")),
    listing("/tasks/{task_gid}/projects", _task_projects),
    get_one("/projects/{project_gid}", "project"),
    Route("GET", "/projects/{project_gid}/task_counts", _task_counts),
    Route("GET", "/workspaces/{workspace_gid}/projects/search", _search_projects, search=True),
    listing("/projects/{project_gid}/sections", children("section", "project", "project_gid", "project")),
    get_one("/sections/{section_gid}", "section"),
    listing("/projects/{project_gid}/project_memberships", _project_memberships),
    get_one("/project_memberships/{project_membership_gid}", "project_membership"),
    listing("/memberships", _memberships),
    get_one("/memberships/{membership_gid}", "membership"),
    listing(
        "/projects/{project_gid}/project_statuses",
        children("project_status", "_parent", "project_gid", "project"),
    ),
    get_one("/project_statuses/{project_status_gid}", "project_status"),
    listing("/status_updates", _status_updates, required=("parent",)),
    get_one("/status_updates/{status_update_gid}", "status_update"),
    get_one("/project_briefs/{project_brief_gid}", "project_brief", tier="premium"),
    listing("/project_templates", _project_templates),
    listing("/teams/{team_gid}/project_templates", children("project_template", "team", "team_gid", "team")),
    get_one("/project_templates/{project_template_gid}", "project_template"),
    listing(
        "/workspaces/{workspace_gid}/custom_fields",
        children("custom_field", "_workspace", "workspace_gid", "workspace"),
    ),
    get_one("/custom_fields/{custom_field_gid}", "custom_field"),
    *(
        listing(
            f"/{kind}s/{{{kind}_gid}}/custom_field_settings",
            children("custom_field_setting", "parent", f"{kind}_gid", kind),
            paginated=kind != "team",
        )
        for kind in ("project", "portfolio", "goal", "team")
    ),
    listing(
        "/custom_types", by_query("custom_type", "_projects", "project", "project"), required=("project",)
    ),
    get_one("/custom_types/{custom_type_gid}", "custom_type"),
]
