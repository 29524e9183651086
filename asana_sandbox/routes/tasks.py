"""Tasks and subtasks, and task search: reads and writes. Stories have their own module (`stories.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from werkzeug.wrappers import Response

from asana_sandbox.errors import bad_request, json_response, missing_input, not_found
from asana_sandbox.inputs import Body
from asana_sandbox.models import tasks
from asana_sandbox.models.changes import Changes
from asana_sandbox.projection import render
from asana_sandbox.routes.base import (
    Handler,
    RequestContext,
    Route,
    Select,
    children,
    delete_one,
    flag,
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


# The filters of `GET /tasks`, of which a request names exactly one (assignee and workspace count as one).
_FILTERS = ("project", "section", "tag", "user_task_list")
ONE_FILTER = "Must specify exactly one of project, tag, section, user task list, or assignee + workspace"


def _tasks(ctx: RequestContext) -> Sequence[Record]:
    args = ctx.args
    tasks: Sequence[Record]
    named = [f for f in _FILTERS if args.get(f)]
    if args.get("assignee") or args.get("workspace"):
        named.append("assignee")
    if len(named) > 1:
        raise bad_request(ONE_FILTER)
    if args.get("project"):
        project = ctx.obj(args["project"], "project", "project")
        tasks = ctx.store.related("task", "projects", project["gid"])
    elif args.get("section"):
        section = ctx.obj(args["section"], "section", "section")
        tasks = ctx.store.related("task", "memberships.section", section["gid"])
    elif args.get("tag"):
        tag = ctx.obj(args["tag"], "tag", "tag")
        tasks = ctx.store.related("task", "tags", tag["gid"])
    elif args.get("user_task_list"):
        tasks = _assigned_in_list(ctx, args["user_task_list"], "user_task_list")
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


def _tasks_in(link: str, param: str, parent_type: str) -> Select:
    select = children("task", link, param, parent_type)

    def with_completed_since(ctx: RequestContext, **params: str) -> Sequence[Record]:
        return _completed_since(ctx, select(ctx, **params))

    return with_completed_since


def _assigned_in_list(ctx: RequestContext, gid: str, param: str) -> list[Record]:
    """The tasks of a user task list (My Tasks): its owner's tasks in its workspace."""
    task_list = ctx.obj(gid, "user_task_list", param)
    owner, workspace = ref_gid(task_list.get("owner")), ref_gid(task_list.get("workspace"))
    return [
        t
        for t in ctx.store.related("task", "assignee", owner or "")
        if ref_gid(t.get("workspace")) == workspace
    ]


def _user_task_list_tasks(ctx: RequestContext, user_task_list_gid: str) -> Sequence[Record]:
    return _completed_since(ctx, _assigned_in_list(ctx, user_task_list_gid, "user_task_list_gid"))


def _linked(field: str) -> Select:
    def select(ctx: RequestContext, task_gid: str) -> Sequence[Record]:
        task = ctx.obj(task_gid, "task", "task_gid")
        return [t for t in (ctx.store.get(ref_gid(r) or "") for r in task.get(field) or ()) if t]

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
        count = int(args.get("limit", SEARCH_MAX))
    except ValueError:
        raise bad_request("limit: Must be an integer between 1 and 100") from None
    if not 1 <= count <= SEARCH_MAX:
        raise bad_request("limit: Must be an integer between 1 and 100")
    return json_response({"data": [render(t, ctx.fields, ctx.store) for t in tasks[:count]]})


def _gids(value: object) -> list[str]:
    if isinstance(value, dict):
        return [value["gid"]] if value.get("gid") else []
    if isinstance(value, list):
        return [v["gid"] for v in value if isinstance(v, dict) and v.get("gid")]
    return []


# -- writes ----------------------------------------------------------------------------------------------
def _one(ctx: RequestContext, task: Record, status: int = 200) -> Response:
    """A task as the requester sees it: `external` holds what the requesting OAuth app set, if anything."""
    shown = {**task, "external": tasks.external_of(task, ctx.token.client_id)}
    if status == 201:
        return ctx.created(shown)
    return ctx.one(shown)


def _get_task(ctx: RequestContext, task_gid: str) -> Response:
    return _one(ctx, ctx.obj(task_gid, "task", "task_gid"))


def _create_task(ctx: RequestContext) -> Response:
    task = tasks.create_from_body(ctx.changes(), ctx.input(), client_id=ctx.token.client_id)
    return _one(ctx, task, 201)


def _create_subtask(ctx: RequestContext, task_gid: str) -> Response:
    parent = ctx.obj(task_gid, "task", "task_gid")
    task = tasks.create_from_body(ctx.changes(), ctx.input(), parent=parent, client_id=ctx.token.client_id)
    return _one(ctx, task, 201)


def _update_task(ctx: RequestContext, task_gid: str) -> Response:
    task = ctx.obj(task_gid, "task", "task_gid")
    tasks.update_from_body(ctx.changes(), task, ctx.input(), client_id=ctx.token.client_id)
    return _one(ctx, task)


def _anchors(body: Body, kind: str = "task") -> tuple[Record | None, Record | None]:
    """`insert_before` / `insert_after`: at most one of them names an object."""
    if body.raw("insert_before") is not None and body.raw("insert_after") is not None:
        raise bad_request("insert_after: Cannot be given together with insert_before")
    return body.obj("insert_before", kind), body.obj("insert_after", kind)


def _set_parent(ctx: RequestContext, task_gid: str) -> Response:
    task = ctx.obj(task_gid, "task", "task_gid")
    body = ctx.input()
    if not body.has("parent"):
        raise missing_input("parent")
    parent = body.obj("parent", "task")
    before, after = _anchors(body)
    tasks.set_parent(ctx.changes(), task, parent, before=before, after=after)
    return _one(ctx, task)


def _add_project(ctx: RequestContext, task_gid: str) -> Response:
    task = ctx.obj(task_gid, "task", "task_gid")
    body = ctx.input()
    project = body.obj("project", "project", required=True)
    assert project is not None
    section = body.obj("section", "section")
    before, after = _anchors(body)
    # `section` with `insert_after: null` puts the task first in the section (OAS addProject).
    first = section is not None and body.has("insert_after") and body.raw("insert_after") is None
    tasks.add_project(ctx.changes(), task, project, section, before=before, after=after, first=first)
    return ctx.empty()


def _remove_project(ctx: RequestContext, task_gid: str) -> Response:
    task = ctx.obj(task_gid, "task", "task_gid")
    project = ctx.input().obj("project", "project", required=True)
    assert project is not None
    tasks.remove_project(ctx.changes(), task, project)
    return ctx.empty()


def _followers(add: bool) -> Handler:
    def handler(ctx: RequestContext, task_gid: str) -> Response:
        task = ctx.obj(task_gid, "task", "task_gid")
        users = ctx.input().objs("followers", "user", required=True) or []
        if add:
            tasks.add_followers(ctx.changes(), task, users)
        else:
            tasks.remove_followers(ctx.changes(), task, users)
        return _one(ctx, task)

    return handler


def _links(field: str, add: bool) -> Handler:
    """add/removeDependencies and add/removeDependents: premium, like their reads."""

    def handler(ctx: RequestContext, task_gid: str) -> Response:
        task = ctx.obj(task_gid, "task", "task_gid")
        ctx.gate("premium")
        others = ctx.input().objs(field, "task", required=True) or []
        if add:
            tasks.link(ctx.changes(), task, field, others)
        else:
            tasks.unlink(ctx.changes(), task, field, others)
        return ctx.empty()

    return handler


def _delete_task(changes: Changes, task: Record) -> None:
    tasks.delete_task(changes, task)


ROUTES: list[Route] = [
    listing("/tasks", _tasks),
    listing("/projects/{project_gid}/tasks", _tasks_in("projects", "project_gid", "project")),
    listing("/sections/{section_gid}/tasks", _tasks_in("memberships.section", "section_gid", "section")),
    listing("/tags/{tag_gid}/tasks", children("task", "tags", "tag_gid", "tag")),
    listing("/user_task_lists/{user_task_list_gid}/tasks", _user_task_list_tasks),
    Route("GET", "/tasks/{task_gid}", _get_task),
    listing("/tasks/{task_gid}/subtasks", children("task", "parent", "task_gid", "task")),
    listing("/tasks/{task_gid}/dependencies", _linked("dependencies"), tier="premium"),
    listing("/tasks/{task_gid}/dependents", _linked("dependents"), tier="premium"),
    Route("GET", "/workspaces/{workspace_gid}/tasks/custom_id/{custom_id}", _custom_id),
    Route("GET", "/workspaces/{workspace_gid}/tasks/search", _search_tasks, search=True),
    Route("POST", "/tasks", _create_task),
    Route("PUT", "/tasks/{task_gid}", _update_task),
    delete_one("/tasks/{task_gid}", "task", _delete_task),
    Route("POST", "/tasks/{task_gid}/subtasks", _create_subtask),
    Route("POST", "/tasks/{task_gid}/setParent", _set_parent),
    Route("POST", "/tasks/{task_gid}/addProject", _add_project),
    Route("POST", "/tasks/{task_gid}/removeProject", _remove_project),
    Route("POST", "/tasks/{task_gid}/addFollowers", _followers(add=True)),
    Route("POST", "/tasks/{task_gid}/removeFollowers", _followers(add=False)),
    Route("POST", "/tasks/{task_gid}/addDependencies", _links("dependencies", add=True)),
    Route("POST", "/tasks/{task_gid}/removeDependencies", _links("dependencies", add=False)),
    Route("POST", "/tasks/{task_gid}/addDependents", _links("dependents", add=True)),
    Route("POST", "/tasks/{task_gid}/removeDependents", _links("dependents", add=False)),
]
