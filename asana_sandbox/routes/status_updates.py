"""Status updates of projects, portfolios and goals: list, read, create, delete; and projects' deprecated
project statuses, status updates under their old name."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.models import project_statuses, status_updates
from asana_sandbox.routes.base import (
    RequestContext,
    Route,
    children,
    create_one,
    delete_one,
    get_one,
    listing,
)
from asana_sandbox.routes.common import parse_datetime, timestamp
from asana_sandbox.store import Record


def _status_updates(ctx: RequestContext) -> Sequence[Record]:
    parent = ctx.obj(ctx.require("parent"), status_updates.PARENTS, "parent")
    updates = ctx.store.related("status_update", "parent", parent["gid"])
    if ctx.args.get("created_since"):
        since = parse_datetime("created_since", ctx.args["created_since"])
        updates = [u for u in updates if (created := timestamp(u.get("created_at"))) and created >= since]
    return updates


def _create(ctx: RequestContext) -> Response:
    return ctx.created(status_updates.create(ctx.changes(), ctx.input()))


ROUTES: list[Route] = [
    listing("/status_updates", _status_updates, required=("parent",)),
    get_one("/status_updates/{status_update_gid}", "status_update"),
    Route("POST", "/status_updates", _create),
    delete_one("/status_updates/{status_update_gid}", "status_update", status_updates.delete),
    listing(
        "/projects/{project_gid}/project_statuses",
        children("project_status", "_parent", "project_gid", "project"),
    ),
    get_one("/project_statuses/{project_status_gid}", "project_status"),
    create_one("/projects/{project_gid}/project_statuses", "project_gid", "project", project_statuses.create),
    delete_one("/project_statuses/{project_status_gid}", "project_status", project_statuses.delete),
]
