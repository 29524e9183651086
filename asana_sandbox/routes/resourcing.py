"""Resource management and workspace administration: budgets and rates (paid), RBAC roles, AI teammates
(agents) and out-of-office entries."""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import missing_input
from asana_sandbox.routes.base import RequestContext, Route, children, flag, get_one, listing, ref_gid
from asana_sandbox.routes.common import parse_date
from asana_sandbox.store import Record


def _budgets(ctx: RequestContext) -> Sequence[Record]:
    """A project's budget: "at most a list of size 1 for a given parent" (getBudgets)."""
    project = ctx.obj(ctx.require("parent"), "project", "parent")
    return ctx.store.related("budget", "parent", project["gid"])


def _rates(ctx: RequestContext) -> Sequence[Record]:
    """Rates on a project, optionally of one `resource` (a user or a placeholder); or one resource's rates."""
    args = ctx.args
    resource = ctx.user_gid(args["resource"]) if args.get("resource") else None
    if args.get("parent"):
        project = ctx.obj(args["parent"], "project", "parent")
        rates = ctx.store.related("rate", "parent", project["gid"])
    elif resource:
        rates = ctx.store.related("rate", "resource", resource)
        if not rates:
            ctx.obj(resource, "user", "resource")  # a placeholder is only known through its rates
        elif ctx.workspace_gid is None:
            ctx.workspace_gid = ctx.workspace_of(rates[0])
    else:
        raise missing_input("parent")
    if resource:
        rates = [r for r in rates if ref_gid(r.get("resource")) == resource]
    return rates


def _roles(ctx: RequestContext) -> Sequence[Record]:
    """A workspace's roles, standard and custom; `archived` picks archived or active custom roles."""
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    roles = ctx.store.related("role", "workspace", workspace["gid"])
    archived = flag(ctx, "archived")
    if archived is not None:
        roles = [r for r in roles if bool(r.get("_archived")) == archived]
    return roles


def _ooo_entries(ctx: RequestContext) -> Sequence[Record]:
    """A user's time off in a workspace; `start_date`/`end_date` keep the entries overlapping the range."""
    user = ctx.obj(ctx.require("user"), "user", "user")
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    entries = [
        e
        for e in ctx.store.related("ooo_entry", "user", user["gid"])
        if e.get("_workspace") == workspace["gid"]
    ]
    if ctx.args.get("start_date"):
        start = parse_date("start_date", ctx.args["start_date"]).isoformat()
        entries = [e for e in entries if e["end_date"] >= start]
    if ctx.args.get("end_date"):
        end = parse_date("end_date", ctx.args["end_date"]).isoformat()
        entries = [e for e in entries if e["start_date"] <= end]
    return entries


ROUTES: list[Route] = [
    listing("/budgets", _budgets, required=("parent",), tier="premium", paginated=False, full=True),
    get_one("/budgets/{budget_gid}", "budget", tier="premium"),
    listing("/rates", _rates, tier="premium"),
    get_one("/rates/{rate_gid}", "rate", tier="premium"),
    listing("/roles", _roles, required=("workspace",)),
    get_one("/roles/{role_gid}", "role"),
    listing(
        "/workspaces/{workspace_gid}/agents", children("agent", "workspace", "workspace_gid", "workspace")
    ),
    get_one("/agents/{agent_gid}", "agent"),
    listing("/ooo_entries", _ooo_entries, required=("user", "workspace"), full=True),
    get_one("/ooo_entries/{ooo_entry_gid}", "ooo_entry"),
]
