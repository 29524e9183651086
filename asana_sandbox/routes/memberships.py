"""Memberships of projects, goals, portfolios, custom fields and custom types: list, read and write.

A goal's memberships need a premium workspace, as reading the goal does.
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import missing_input
from asana_sandbox.models import memberships
from asana_sandbox.routes.base import RequestContext, Route, get_one, listing, ref_gid
from asana_sandbox.store import Record


def _project_memberships(ctx: RequestContext, project_gid: str) -> Sequence[Record]:
    project = ctx.obj(project_gid, "project", "project_gid")
    found = ctx.store.related("project_membership", "project", project["gid"])
    if ctx.args.get("user"):
        user = ctx.obj(ctx.args["user"], "user", "user")
        found = [m for m in found if ref_gid(m.get("user")) == user["gid"]]
    return found


def _memberships(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("parent"):
        parent = ctx.obj(ctx.args["parent"], tuple(memberships.KINDS), "parent")
        found = ctx.store.related("membership", "parent", parent["gid"])
        if ctx.args.get("member"):
            member_gid = ctx.user_gid(ctx.args["member"])
            found = [m for m in found if ref_gid(m.get("member")) == member_gid]
        return found
    if ctx.args.get("member"):
        member = ctx.obj(ctx.args["member"], ("user", "team"), "member")
        found = ctx.store.related("membership", "member", member["gid"])
        subtype = ctx.args.get("resource_subtype")
        return [m for m in found if not subtype or m.get("resource_subtype") == subtype]
    raise missing_input("parent")


def _gate(ctx: RequestContext, parent_ref: Record) -> None:
    """The tier the parent's own reads need (goals: premium)."""
    parent = ctx.store.get(parent_ref.get("gid", "")) or parent_ref
    tier = memberships.KINDS[parent["resource_type"]].tier
    if tier:
        ctx.workspace_gid = ctx.workspace_of(parent)
        ctx.gate(tier)


def _create(ctx: RequestContext) -> Response:
    body = ctx.input()
    parent = memberships.read_parent(body)
    _gate(ctx, parent)
    return ctx.created(memberships.create(ctx.changes(), body, parent))


def _membership(ctx: RequestContext, membership_gid: str) -> Record:
    """The membership in the path: its `membership` gid, or the gid of its project or portfolio twin."""
    record = ctx.obj(membership_gid, memberships.MEMBERSHIP_TYPES, "membership_gid")
    _gate(ctx, record.get("parent") or {})
    return record


def _update(ctx: RequestContext, membership_gid: str) -> Response:
    record = _membership(ctx, membership_gid)
    return ctx.one(memberships.update(ctx.changes(), record, ctx.input()))


def _delete(ctx: RequestContext, membership_gid: str) -> Response:
    memberships.delete(ctx.changes(), _membership(ctx, membership_gid))
    return ctx.empty()


ROUTES: list[Route] = [
    listing("/projects/{project_gid}/project_memberships", _project_memberships),
    get_one("/project_memberships/{project_membership_gid}", "project_membership"),
    listing("/memberships", _memberships),
    get_one("/memberships/{membership_gid}", "membership"),
    Route("POST", "/memberships", _create),
    Route("PUT", "/memberships/{membership_gid}", _update),
    Route("DELETE", "/memberships/{membership_gid}", _delete),
]
