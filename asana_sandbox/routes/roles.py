"""RBAC roles: a workspace's standard and custom roles; custom ones are created, edited and deleted."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import forbidden
from asana_sandbox.models import roles
from asana_sandbox.routes.base import RequestContext, Route, delete_one, flag, get_one, listing, update_one
from asana_sandbox.store import Record


def _roles(ctx: RequestContext) -> Sequence[Record]:
    """A workspace's roles, standard and custom; `archived` picks archived or active custom roles."""
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    roles = ctx.store.related("role", "workspace", workspace["gid"])
    archived = flag(ctx, "archived")
    if archived is not None:
        roles = [r for r in roles if bool(r.get("_archived")) == archived]
    return roles


def _create_role(ctx: RequestContext) -> Response:
    """Custom roles are an Enterprise feature; other workspaces have only the standard ones."""
    body = ctx.input()
    workspace = body.obj("workspace", "workspace", required=True)
    assert workspace is not None
    ctx.workspace_gid = workspace["gid"]
    if ctx.tier() != "enterprise":
        raise forbidden("Custom roles are only available to Enterprise organizations.")
    return ctx.created(roles.create(ctx.changes(), body, workspace))


ROUTES: list[Route] = [
    listing("/roles", _roles, required=("workspace",)),
    get_one("/roles/{role_gid}", "role"),
    Route("POST", "/roles", _create_role),
    update_one("/roles/{role_gid}", "role", roles.update),
    delete_one("/roles/{role_gid}", "role", roles.delete),
]
