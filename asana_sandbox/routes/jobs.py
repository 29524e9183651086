"""Jobs: read a job (its creator only), and the duplicate actions that start one."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Response

from asana_sandbox.errors import not_found
from asana_sandbox.inputs import Body
from asana_sandbox.models import duplicates, jobs
from asana_sandbox.models.changes import Changes
from asana_sandbox.routes.base import RequestContext, Route
from asana_sandbox.store import Record

Action = Callable[[Changes, Record, Body], Record]


def _job(ctx: RequestContext, job_gid: str) -> Response:
    job = ctx.obj(job_gid, "job", "job_gid")
    if not jobs.readable_by(job, ctx.token.user_gid):
        raise not_found("job_gid")
    return ctx.one(job)


def start(path: str, resource_type: str, action: Action) -> Route:
    """`POST <path>` on the object of its one path parameter: `action` runs (within the user's limit of
    running jobs), 201 with the job it made."""
    param = path.split("{", 1)[1].split("}", 1)[0]

    def handler(ctx: RequestContext, **params: str) -> Response:
        record = ctx.obj(params[param], resource_type, param)
        changes = ctx.changes()
        jobs.admit(changes)
        return ctx.created(action(changes, record, ctx.input()))

    return Route("POST", path, handler)


ROUTES: list[Route] = [
    Route("GET", "/jobs/{job_gid}", _job),
    start("/tasks/{task_gid}/duplicate", "task", duplicates.duplicate_task),
    start("/projects/{project_gid}/duplicate", "project", duplicates.duplicate_project),
    start("/portfolios/{portfolio_gid}/duplicate", "portfolio", duplicates.duplicate_portfolio),
]
