"""Portfolios (create, update, delete), their items, members, memberships and project portfolio settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models import portfolios as model
from asana_sandbox.models import projects
from asana_sandbox.models.changes import Changes
from asana_sandbox.routes.base import (
    RequestContext,
    Route,
    children,
    delete_one,
    get_one,
    listing,
    ref_gid,
    update_one,
)
from asana_sandbox.store import Record


def _portfolios(ctx: RequestContext) -> Sequence[Record]:
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    portfolios = ctx.store.related("portfolio", "workspace", workspace["gid"])
    owner = ctx.args.get("owner")
    if owner:
        owner_gid = ctx.user_gid(owner)
        return [p for p in portfolios if ref_gid(p.get("owner")) == owner_gid]
    if ctx.token.service_account:
        return portfolios
    # A normal user sees only the portfolios they own.
    return [p for p in portfolios if ref_gid(p.get("owner")) == ctx.token.user_gid]


def _items(ctx: RequestContext, portfolio_gid: str) -> Sequence[Record]:
    portfolio = ctx.obj(portfolio_gid, "portfolio", "portfolio_gid")
    return [item for item in (ctx.store.get(ref_gid(r)) for r in portfolio.get("_items") or ()) if item]


def _memberships_of(ctx: RequestContext, portfolio: Record) -> Sequence[Record]:
    memberships = ctx.store.related("portfolio_membership", "parent", portfolio["gid"])
    if ctx.args.get("user"):
        user_gid = ctx.user_gid(ctx.args["user"])
        memberships = [m for m in memberships if ref_gid(m.get("member")) == user_gid]
    return memberships


def _portfolio_memberships(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("portfolio"):
        return _memberships_of(ctx, ctx.obj(ctx.args["portfolio"], "portfolio", "portfolio"))
    if ctx.args.get("workspace"):
        workspace = ctx.obj(ctx.args["workspace"], "workspace", "workspace")
        user = ctx.obj(ctx.require("user"), "user", "user")
        return [
            m
            for m in ctx.store.related("portfolio_membership", "member", user["gid"])
            if ctx.workspace_of(m) == workspace["gid"]
        ]
    raise missing_input("portfolio")


def _memberships_of_portfolio(ctx: RequestContext, portfolio_gid: str) -> Sequence[Record]:
    return _memberships_of(ctx, ctx.obj(portfolio_gid, "portfolio", "portfolio_gid"))


def _create(ctx: RequestContext) -> Response:
    return ctx.created(model.create(ctx.changes(), ctx.input()))


def _on_portfolio(write: Callable[[Changes, Record, Body], Record | None]) -> Callable[..., Response]:
    """A write on `/portfolios/{portfolio_gid}`: answers the portfolio, or `{}` when the write returns nothing
    (the spec's EmptyResponse of addItem and removeItem)."""

    def handler(ctx: RequestContext, portfolio_gid: str) -> Response:
        portfolio = ctx.obj(portfolio_gid, "portfolio", "portfolio_gid")
        result = write(ctx.changes(), portfolio, ctx.input())
        return ctx.empty() if result is None else ctx.one(result)

    return handler


ROUTES: list[Route] = [
    listing("/portfolios", _portfolios, required=("workspace",)),
    get_one("/portfolios/{portfolio_gid}", "portfolio"),
    Route("POST", "/portfolios", _create),
    Route("PUT", "/portfolios/{portfolio_gid}", _on_portfolio(model.update)),
    delete_one("/portfolios/{portfolio_gid}", "portfolio", model.delete),
    Route("POST", "/portfolios/{portfolio_gid}/addItem", _on_portfolio(model.add_item)),
    Route("POST", "/portfolios/{portfolio_gid}/removeItem", _on_portfolio(model.remove_item)),
    Route("POST", "/portfolios/{portfolio_gid}/addMembers", _on_portfolio(model.add_members)),
    Route("POST", "/portfolios/{portfolio_gid}/removeMembers", _on_portfolio(model.remove_members)),
    listing("/portfolios/{portfolio_gid}/items", _items),
    listing("/portfolio_memberships", _portfolio_memberships),
    listing("/portfolios/{portfolio_gid}/portfolio_memberships", _memberships_of_portfolio),
    get_one("/portfolio_memberships/{portfolio_membership_gid}", "portfolio_membership"),
    listing(
        "/portfolios/{portfolio_gid}/project_portfolio_settings",
        children("project_portfolio_setting", "portfolio", "portfolio_gid", "portfolio"),
    ),
    listing(
        "/projects/{project_gid}/project_portfolio_settings",
        children("project_portfolio_setting", "project", "project_gid", "project"),
    ),
    get_one("/project_portfolio_settings/{project_portfolio_setting_gid}", "project_portfolio_setting"),
    update_one(
        "/project_portfolio_settings/{project_portfolio_setting_gid}",
        "project_portfolio_setting",
        projects.update_portfolio_setting,
    ),
]
