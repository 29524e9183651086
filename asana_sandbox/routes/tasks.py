"""Tasks and subtasks, their stories and attachments, task templates and task search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from werkzeug.wrappers import Response

from asana_sandbox.errors import bad_request, json_response, missing_input, not_found
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

SEARCH_MAX = 100


def _since(ctx: RequestContext, name: str) -> datetime | None:
    raw = ctx.args.get(name)
    if not raw or (name == "completed_since" and raw == "now"):
        return None
    return parse_datetime(name, raw)


def _completed_since(ctx: RequestContext, tasks: Sequence[Record]) -> Sequence[Record]:
    """Only incomplete tasks and those completed since the time (`now`: only incomplete ones)."""
    raw = ctx.args.get("completed_since")
    if raw is None:
        return tasks
    since = _since(ctx, "completed_since")
    return [
        t
        for t in tasks
        if not t.get("completed")
        or (since is not None and (done := timestamp(t.get("completed_at"))) is not None and done >= since)
    ]


def _tasks(ctx: RequestContext) -> Sequence[Record]:
    args = ctx.args
    if args.get("project"):
        project = ctx.obj(args["project"], "project", "project")
        tasks = ctx.store.related("task", "projects", project["gid"])
    elif args.get("section"):
        section = ctx.obj(args["section"], "section", "section")
        tasks = ctx.store.related("task", "memberships.section", section["gid"])
    elif args.get("assignee") or args.get("workspace"):
        if not args.get("workspace"):
            raise missing_input("workspace")
        if not args.get("assignee"):
            raise missing_input("assignee")
        workspace = ctx.obj(args["workspace"], "workspace", "workspace")
        assignee = ctx.obj(args["assignee"], "user", "assignee")
        tasks = [
            t
            for t in ctx.store.related("task", "assignee", assignee["gid"])
            if ref_gid(t.get("workspace")) == workspace["gid"]
        ]
    else:
        raise missing_input("workspace")
    tasks = _completed_since(ctx, tasks)
    modified_since = _since(ctx, "modified_since")
    if modified_since is not None:
        tasks = [
            t for t in tasks if (m := timestamp(t.get("modified_at"))) is not None and m >= modified_since
        ]
    return tasks


def _tasks_in(link: str, param: str, parent_type: str):
    select = children("task", link, param, parent_type)

    def with_completed_since(ctx: RequestContext, **params: str) -> Sequence[Record]:
        return _completed_since(ctx, select(ctx, **params))

    return with_completed_since


def _user_task_list_tasks(ctx: RequestContext, user_task_list_gid: str) -> Sequence[Record]:
    task_list = ctx.obj(user_task_list_gid, "user_task_list", "user_task_list_gid")
    owner, workspace = ref_gid(task_list.get("owner")), ref_gid(task_list.get("workspace"))
    tasks = [
        t
        for t in ctx.store.related("task", "assignee", owner or "")
        if ref_gid(t.get("workspace")) == workspace
    ]
    return _completed_since(ctx, tasks)


def _linked(field: str):
    def select(ctx: RequestContext, task_gid: str) -> Sequence[Record]:
        task = ctx.obj(task_gid, "task", "task_gid")
        return [t for t in (ctx.store.get(ref_gid(r)) for r in task.get(field) or ()) if t]

    return select


def _custom_id(ctx: RequestContext, workspace_gid: str, custom_id: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    for task in ctx.store.related("task", "workspace", workspace["gid"]):
        for value in task.get("custom_fields") or ():
            if value.get("representation_type") == "custom_id" and value.get("display_value") == custom_id:
                return ctx.one(task)
    raise not_found("custom_id")


def _search_tasks(ctx: RequestContext, workspace_gid: str) -> Response:
    """Premium task search: filters and sorting, no offset pagination (as in Asana)."""
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    ctx.gate("premium")
    args = ctx.args
    tasks: list[Record] = list(ctx.store.related("task", "workspace", workspace["gid"]))
    if args.get("text"):
        text = args["text"].lower()
        tasks = [
            t
            for t in tasks
            if text in (t.get("name") or "").lower() or text in (t.get("notes") or "").lower()
        ]
    if args.get("resource_subtype"):
        tasks = [t for t in tasks if t.get("resource_subtype") == args["resource_subtype"]]
    for name, predicate in (
        ("completed", lambda t: bool(t.get("completed"))),
        ("is_subtask", lambda t: t.get("parent") is not None),
    ):
        wanted = flag(ctx, name)
        if wanted is not None:
            tasks = [t for t in tasks if predicate(t) == wanted]
    for name, field in (("projects.any", "projects"), ("assignee.any", "assignee"), ("tags.any", "tags")):
        if args.get(name):
            wanted_gids = {ctx.user_gid(g) for g in args[name].split(",")}
            tasks = [t for t in tasks if wanted_gids & set(_gids(t.get(field)))]
    for field in ("modified_at", "created_at", "completed_at"):
        for bound in ("after", "before"):
            raw = args.get(f"{field}.{bound}")
            if raw:
                limit = parse_datetime(f"{field}.{bound}", raw)
                tasks = [
                    t
                    for t in tasks
                    if (value := timestamp(t.get(field))) is not None
                    and (value > limit if bound == "after" else value < limit)
                ]
    sort_by = args.get("sort_by", "modified_at")
    if sort_by not in ("due_date", "created_at", "completed_at", "likes", "modified_at", "relevance"):
        raise bad_request(
            "sort_by: Must be one of due_date, created_at, completed_at, likes, modified_at, relevance"
        )
    ascending = flag(ctx, "sort_ascending") or False
    key_field = {"due_date": "due_on", "likes": "num_likes", "relevance": "modified_at"}.get(sort_by, sort_by)
    tasks.sort(
        key=lambda t: (t.get(key_field) is None, str(t.get(key_field) or ""), t["gid"]), reverse=not ascending
    )
    try:
        limit = int(args.get("limit", SEARCH_MAX))
    except ValueError:
        raise bad_request("limit: Must be an integer between 1 and 100") from None
    if not 1 <= limit <= SEARCH_MAX:
        raise bad_request("limit: Must be an integer between 1 and 100")
    return json_response({"data": [render(t, ctx.fields, ctx.store) for t in tasks[:limit]]})


def _gids(value: object) -> list[str]:
    if isinstance(value, dict):
        return [value["gid"]] if value.get("gid") else []
    if isinstance(value, list):
        return [v["gid"] for v in value if isinstance(v, dict) and v.get("gid")]
    return []


def _task_templates(ctx: RequestContext) -> Sequence[Record]:
    if not ctx.args.get("project"):
        raise missing_input("project")
    project = ctx.obj(ctx.args["project"], "project", "project")
    return ctx.store.related("task_template", "project", project["gid"])


ROUTES: list[Route] = [
    listing("/tasks", _tasks),
    listing("/projects/{project_gid}/tasks", _tasks_in("projects", "project_gid", "project")),
    listing("/sections/{section_gid}/tasks", _tasks_in("memberships.section", "section_gid", "section")),
    listing("/tags/{tag_gid}/tasks", children("task", "tags", "tag_gid", "tag")),
    listing("/user_task_lists/{user_task_list_gid}/tasks", _user_task_list_tasks),
    get_one("/tasks/{task_gid}", "task"),
    listing("/tasks/{task_gid}/subtasks", children("task", "parent", "task_gid", "task")),
    listing("/tasks/{task_gid}/dependencies", _linked("dependencies"), tier="premium"),
    listing("/tasks/{task_gid}/dependents", _linked("dependents"), tier="premium"),
    Route("GET", "/workspaces/{workspace_gid}/tasks/custom_id/{custom_id}", _custom_id),
    Route("GET", "/workspaces/{workspace_gid}/tasks/search", _search_tasks, search=True),
    listing("/tasks/{task_gid}/stories", children("story", "target", "task_gid", "task")),
    listing("/goals/{goal_gid}/stories", children("story", "target", "goal_gid", "goal")),
    get_one("/stories/{story_gid}", "story"),
    listing(
        "/attachments",
        by_query("attachment", "parent", "parent", ("task", "project", "project_brief")),
        required=("parent",),
    ),
    get_one("/attachments/{attachment_gid}", "attachment"),
    listing("/task_templates", _task_templates),
    get_one("/task_templates/{task_template_gid}", "task_template"),
]
