"""Tags: list, read, create, update, delete, and tagging tasks."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.models import tags
from asana_sandbox.routes.base import RequestContext, Route, children, delete_one, get_one, listing
from asana_sandbox.store import Record


def _tags(ctx: RequestContext) -> Sequence[Record]:
    if not ctx.args.get("workspace"):
        return ctx.store.all("tag")
    workspace = ctx.obj(ctx.args["workspace"], "workspace", "workspace")
    return ctx.store.related("tag", "workspace", workspace["gid"])


def _task_tags(ctx: RequestContext, task_gid: str) -> Sequence[Record]:
    task = ctx.obj(task_gid, "task", "task_gid")
    return [t for t in (ctx.store.get(r["gid"]) for r in task.get("tags") or ()) if t]


def _create(ctx: RequestContext) -> Response:
    return ctx.created(tags.create(ctx.changes(), ctx.input()))


def _create_in_workspace(ctx: RequestContext, workspace_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    return ctx.created(tags.create(ctx.changes(), ctx.input(), workspace))


def _update(ctx: RequestContext, tag_gid: str) -> Response:
    tag = ctx.obj(tag_gid, "tag", "tag_gid")
    return ctx.one(tags.update(ctx.changes(), tag, ctx.input()))


def _add_tag(ctx: RequestContext, task_gid: str) -> Response:
    task = ctx.obj(task_gid, "task", "task_gid")
    tag = ctx.input().obj("tag", "tag", required=True)
    assert tag is not None
    tags.add_to_task(ctx.changes(), task, tag)
    return ctx.empty()


def _remove_tag(ctx: RequestContext, task_gid: str) -> Response:
    task = ctx.obj(task_gid, "task", "task_gid")
    tag = ctx.input().obj("tag", "tag", required=True)
    assert tag is not None
    tags.remove_from_task(ctx.changes(), task, tag)
    return ctx.empty()


ROUTES: list[Route] = [
    listing("/tags", _tags),
    listing("/workspaces/{workspace_gid}/tags", children("tag", "workspace", "workspace_gid", "workspace")),
    listing("/tasks/{task_gid}/tags", _task_tags),
    get_one("/tags/{tag_gid}", "tag"),
    Route("POST", "/tags", _create),
    Route("POST", "/workspaces/{workspace_gid}/tags", _create_in_workspace),
    Route("PUT", "/tags/{tag_gid}", _update),
    delete_one("/tags/{tag_gid}", "tag", tags.delete),
    Route("POST", "/tasks/{task_gid}/addTag", _add_tag),
    Route("POST", "/tasks/{task_gid}/removeTag", _remove_tag),
]
