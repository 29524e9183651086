"""Workspaces, users, workspace memberships, user task lists, AI teammates (agents) and typeahead; reads and
writes. Teams have their own module (`teams.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import bad_request, json_response, missing_input, not_found
from asana_sandbox.models import workspaces
from asana_sandbox.projection import render
from asana_sandbox.routes.base import RequestContext, Route, children, get_one, listing, ref_gid
from asana_sandbox.store import Record

# `GET /workspaces/{g}/users` and `/teams/{g}/users` are not paginated: alphabetical, capped at 2,000
# ("Results are sorted alphabetically and limited to 2000"), never "too large".
USER_LIST_CAP = 2000


def _users(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("team"):
        team = ctx.obj(ctx.args["team"], "team", "team")
        return [
            ctx.store.get(ref_gid(m["user"]))
            for m in ctx.store.related("team_membership", "team", team["gid"])
        ]
    if ctx.args.get("workspace"):
        workspace = ctx.obj(ctx.args["workspace"], "workspace", "workspace")
        return ctx.store.related("user", "workspaces", workspace["gid"])
    return ctx.store.all("user")


def alphabetical(users: Sequence[Record | None]) -> list[Record]:
    return sorted((u for u in users if u), key=lambda u: (u.get("name") or "").lower())[:USER_LIST_CAP]


def _workspace_users(ctx: RequestContext, workspace_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    users = alphabetical(ctx.store.related("user", "workspaces", workspace["gid"]))
    return ctx.page(users, paginated=False, max_unpaginated=USER_LIST_CAP)


def _workspace_user(ctx: RequestContext, workspace_gid: str, user_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    user = ctx.obj(user_gid, "user", "user_gid")
    if workspace["gid"] not in {ref_gid(w) for w in user.get("workspaces") or ()}:
        raise not_found("user_gid")
    return ctx.one(user)


def _favorites(ctx: RequestContext, user_gid: str) -> Sequence[Record]:
    user = ctx.obj(user_gid, "user", "user_gid")
    resource_type = ctx.require("resource_type")
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    if resource_type not in ("portfolio", "project", "tag", "task", "user", "project_template"):
        raise bad_request("resource_type: Not a valid resource type for favorites")
    # The sandbox counts what a user follows as a favorite.
    followed = ctx.store.related(resource_type, "followers", user["gid"])
    return [r for r in followed if ctx.workspace_of(r) == workspace["gid"]]


def _workspace_memberships(ctx: RequestContext, workspace_gid: str) -> Sequence[Record]:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    memberships = ctx.store.related("workspace_membership", "workspace", workspace["gid"])
    if ctx.args.get("user"):
        user = ctx.obj(ctx.args["user"], "user", "user")
        memberships = [m for m in memberships if ref_gid(m.get("user")) == user["gid"]]
    return memberships


def _user_task_list(ctx: RequestContext, user_gid: str) -> Response:
    user = ctx.obj(user_gid, "user", "user_gid")
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    for task_list in ctx.store.related("user_task_list", "owner", user["gid"]):
        if ref_gid(task_list.get("workspace")) == workspace["gid"]:
            return ctx.one(task_list)
    raise not_found("user_gid")


TYPEAHEAD_TYPES = (
    "actor",
    "agent",
    "custom_field",
    "goal",
    "project",
    "project_template",
    "portfolio",
    "tag",
    "task",
    "team",
    "user",
)
# `actor` finds anyone who can act (users and AI agents); the sandbox has no agents, so `agent` finds none.
_TYPEAHEAD_KINDS = {"actor": ("user", "agent")}


def _typeahead(ctx: RequestContext, workspace_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    resource_type = ctx.args.get("resource_type") or ctx.args.get("type")
    if not resource_type:
        raise missing_input("resource_type")
    if resource_type not in TYPEAHEAD_TYPES:
        raise bad_request(f"resource_type: Must be one of {', '.join(TYPEAHEAD_TYPES)}")
    try:
        count = int(ctx.args.get("count", "20"))
    except ValueError:
        raise bad_request("count: Must be an integer between 1 and 100") from None
    if not 1 <= count <= 100:
        raise bad_request("count: Must be an integer between 1 and 100")
    query = ctx.args.get("query", "").lower()
    matches = [
        r
        for kind in _TYPEAHEAD_KINDS.get(resource_type, (resource_type,))
        for r in ctx.store.all(kind)
        if query in (r.get("name") or "").lower() and ctx.workspace_of(r) in (workspace["gid"], None)
    ]
    return json_response({"data": [render(r, ctx.fields, ctx.store) for r in matches[:count]]})


# -- writes -------------------------------------------------------------------------------------------------
def _update_workspace(ctx: RequestContext, workspace_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    return ctx.one(workspaces.update(ctx.changes(), workspace, ctx.input()))


def _add_user(ctx: RequestContext, workspace_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    changes = ctx.changes()
    user = workspaces.read_user(changes, ctx.input())
    return ctx.one(workspaces.add_user(changes, workspace, user))


def _remove_user(ctx: RequestContext, workspace_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    changes = ctx.changes()
    service_account = ctx.token.service_account
    workspaces.check_may_remove(changes, workspace, service_account=service_account)
    user = ctx.input().obj("user", "user", required=True)
    assert user is not None
    heir = workspaces.heir(changes, workspace, user, service_account=service_account)
    workspaces.remove_user(changes, workspace, user, heir)
    return ctx.empty()


def _update_user(ctx: RequestContext, user_gid: str) -> Response:
    user = ctx.obj(user_gid, "user", "user_gid")
    workspace = None
    if ctx.args.get("workspace"):
        workspace = ctx.obj(ctx.args["workspace"], "workspace", "workspace")
        if not workspaces.is_member(user, workspace):
            raise not_found("user_gid")
    return ctx.one(workspaces.update_user(ctx.changes(), user, ctx.input(), workspace))


def _update_workspace_user(ctx: RequestContext, workspace_gid: str, user_gid: str) -> Response:
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    user = ctx.obj(user_gid, "user", "user_gid")
    if not workspaces.is_member(user, workspace):
        raise not_found("user_gid")
    return ctx.one(workspaces.update_user(ctx.changes(), user, ctx.input(), workspace))


ROUTES: list[Route] = [
    listing("/workspaces", lambda ctx: ctx.store.all("workspace")),
    get_one("/workspaces/{workspace_gid}", "workspace"),
    listing("/users", _users),
    get_one("/users/{user_gid}", "user"),
    Route("GET", "/workspaces/{workspace_gid}/users", _workspace_users),
    Route("GET", "/workspaces/{workspace_gid}/users/{user_gid}", _workspace_user),
    listing("/users/{user_gid}/favorites", _favorites),
    listing("/workspaces/{workspace_gid}/workspace_memberships", _workspace_memberships),
    listing(
        "/users/{user_gid}/workspace_memberships",
        children("workspace_membership", "user", "user_gid", "user"),
    ),
    get_one("/workspace_memberships/{workspace_membership_gid}", "workspace_membership"),
    Route("GET", "/users/{user_gid}/user_task_list", _user_task_list),
    get_one("/user_task_lists/{user_task_list_gid}", "user_task_list"),
    Route("GET", "/workspaces/{workspace_gid}/typeahead", _typeahead),
    Route("PUT", "/workspaces/{workspace_gid}", _update_workspace),
    Route("POST", "/workspaces/{workspace_gid}/addUser", _add_user),
    Route("POST", "/workspaces/{workspace_gid}/removeUser", _remove_user),
    Route("PUT", "/users/{user_gid}", _update_user),
    Route("PUT", "/workspaces/{workspace_gid}/users/{user_gid}", _update_workspace_user),
    listing(
        "/workspaces/{workspace_gid}/agents", children("agent", "workspace", "workspace_gid", "workspace")
    ),
    get_one("/agents/{agent_gid}", "agent"),
]
