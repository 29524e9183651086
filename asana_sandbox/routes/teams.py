"""Teams of an organization, their members and team memberships: reads and writes."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import missing_input
from asana_sandbox.models import teams
from asana_sandbox.routes.base import RequestContext, Route, children, get_one, listing, ref_gid
from asana_sandbox.routes.workspaces import USER_LIST_CAP, alphabetical
from asana_sandbox.store import Record


def _team_users(ctx: RequestContext, team_gid: str) -> Response:
    team = ctx.obj(team_gid, "team", "team_gid")
    members = [
        ctx.store.get(ref_gid(m["user"])) for m in ctx.store.related("team_membership", "team", team["gid"])
    ]
    return ctx.page(alphabetical(members), paginated=False, max_unpaginated=USER_LIST_CAP)


def _teams_for_user(ctx: RequestContext, user_gid: str) -> Sequence[Record]:
    user = ctx.obj(user_gid, "user", "user_gid")
    organization = ctx.obj(ctx.require("organization"), "workspace", "organization")
    teams = [
        ctx.store.get(ref_gid(m["team"])) for m in ctx.store.related("team_membership", "user", user["gid"])
    ]
    return [t for t in teams if t and ref_gid(t.get("organization")) == organization["gid"]]


def _team_memberships(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("team"):
        team = ctx.obj(ctx.args["team"], "team", "team")
        return ctx.store.related("team_membership", "team", team["gid"])
    if ctx.args.get("user"):
        user = ctx.obj(ctx.args["user"], "user", "user")
        workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
        return _in_workspace(ctx, ctx.store.related("team_membership", "user", user["gid"]), workspace["gid"])
    raise missing_input("team")


def _user_team_memberships(ctx: RequestContext, user_gid: str) -> Sequence[Record]:
    user = ctx.obj(user_gid, "user", "user_gid")
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    return _in_workspace(ctx, ctx.store.related("team_membership", "user", user["gid"]), workspace["gid"])


def _in_workspace(ctx: RequestContext, records: Sequence[Record], workspace_gid: str) -> list[Record]:
    return [r for r in records if ctx.workspace_of(r) == workspace_gid]


def _create_team(ctx: RequestContext) -> Response:
    return ctx.created(teams.create(ctx.changes(), ctx.input()))


def _update_team(ctx: RequestContext, team_gid: str) -> Response:
    team = ctx.obj(team_gid, "team", "team_gid")
    return ctx.one(teams.update(ctx.changes(), team, ctx.input()))


def _add_team_user(ctx: RequestContext, team_gid: str) -> Response:
    team = ctx.obj(team_gid, "team", "team_gid")
    user = ctx.input().obj("user", "user", required=True)
    assert user is not None
    changes = ctx.changes()
    teams.check_may_add(changes, team, user, service_account=ctx.token.service_account)
    return ctx.one(teams.add_member(changes, team, user))


def _remove_team_user(ctx: RequestContext, team_gid: str) -> Response:
    team = ctx.obj(team_gid, "team", "team_gid")
    user = ctx.input().obj("user", "user", required=True)
    assert user is not None
    changes = ctx.changes()
    teams.check_may_remove(changes, team, user, service_account=ctx.token.service_account)
    teams.remove_member(changes, team, user)
    return ctx.empty()


ROUTES: list[Route] = [
    listing(
        "/workspaces/{workspace_gid}/teams", children("team", "organization", "workspace_gid", "workspace")
    ),
    listing("/users/{user_gid}/teams", _teams_for_user),
    get_one("/teams/{team_gid}", "team"),
    listing("/team_memberships", _team_memberships),
    listing("/teams/{team_gid}/team_memberships", children("team_membership", "team", "team_gid", "team")),
    listing("/users/{user_gid}/team_memberships", _user_team_memberships),
    get_one("/team_memberships/{team_membership_gid}", "team_membership"),
    Route("GET", "/teams/{team_gid}/users", _team_users),
    Route("POST", "/teams", _create_team),
    Route("PUT", "/teams/{team_gid}", _update_team),
    Route("POST", "/teams/{team_gid}/addUser", _add_team_user),
    Route("POST", "/teams/{team_gid}/removeUser", _remove_team_user),
]
