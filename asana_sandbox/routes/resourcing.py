"""Resource management: allocations, budgets and rates (paid), and out-of-office entries. The write rules are
in models/resourcing.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import missing_input
from asana_sandbox.models import resourcing
from asana_sandbox.routes.base import (
    TIER_RANK,
    RequestContext,
    Route,
    create_one,
    delete_one,
    get_one,
    listing,
    ref_gid,
    update_one,
)
from asana_sandbox.routes.common import parse_date
from asana_sandbox.store import Record


def _allocations(ctx: RequestContext) -> Sequence[Record]:
    args = ctx.args
    if args.get("parent"):
        project = ctx.obj(args["parent"], "project", "parent")
        allocations = ctx.store.related("allocation", "parent", project["gid"])
    elif args.get("workspace"):
        workspace = ctx.obj(args["workspace"], "workspace", "workspace")
        allocations = ctx.store.related("allocation", "_workspace", workspace["gid"])
    elif args.get("assignee"):
        allocations = ctx.store.related("allocation", "assignee", ctx.user_gid(args["assignee"]))
    else:
        raise missing_input("workspace")
    if args.get("assignee"):
        assignee = ctx.user_gid(args["assignee"])
        allocations = [a for a in allocations if ref_gid(a.get("assignee")) == assignee]
    return allocations


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


# -- writes that depend on the tier beyond the premium gate ------------------------------------------------
def _placeholders(ctx: RequestContext) -> bool:
    """Whether the request's workspace may set placeholders' rates: Enterprise only (getRates)."""
    return TIER_RANK[ctx.tier()] >= TIER_RANK["enterprise"]


def _create_rate(ctx: RequestContext) -> Response:
    body = ctx.input()
    project = body.obj("parent", "project", required=True)
    assert project is not None
    ctx.workspace_gid = ctx.workspace_of(project)
    ctx.gate("premium")
    rate = resourcing.create_rate(ctx.changes(), body, project, placeholders=_placeholders(ctx))
    return ctx.created(rate)


def _update_rate(ctx: RequestContext, rate_gid: str) -> Response:
    rate = ctx.obj(rate_gid, "rate", "rate_gid")
    ctx.gate("premium")
    return ctx.one(resourcing.update_rate(ctx.changes(), rate, ctx.input(), placeholders=_placeholders(ctx)))


def _delete_rate(ctx: RequestContext, rate_gid: str) -> Response:
    rate = ctx.obj(rate_gid, "rate", "rate_gid")
    ctx.gate("premium")
    resourcing.delete_rate(ctx.changes(), rate, placeholders=_placeholders(ctx))
    return ctx.empty()


ROUTES: list[Route] = [
    listing("/allocations", _allocations, tier="premium"),
    get_one("/allocations/{allocation_gid}", "allocation", tier="premium"),
    create_one("/allocations", "parent", "project", resourcing.create_allocation, tier="premium"),
    update_one("/allocations/{allocation_gid}", "allocation", resourcing.update_allocation, tier="premium"),
    delete_one("/allocations/{allocation_gid}", "allocation", tier="premium"),
    listing("/budgets", _budgets, required=("parent",), tier="premium", paginated=False, full=True),
    get_one("/budgets/{budget_gid}", "budget", tier="premium"),
    create_one("/budgets", "parent", "project", resourcing.create_budget, tier="premium"),
    update_one("/budgets/{budget_gid}", "budget", resourcing.update_budget, tier="premium"),
    delete_one("/budgets/{budget_gid}", "budget", tier="premium"),
    listing("/rates", _rates, tier="premium"),
    get_one("/rates/{rate_gid}", "rate", tier="premium"),
    Route("POST", "/rates", _create_rate),
    Route("PUT", "/rates/{rate_gid}", _update_rate),
    Route("DELETE", "/rates/{rate_gid}", _delete_rate),
    listing("/ooo_entries", _ooo_entries, required=("user", "workspace"), full=True),
    get_one("/ooo_entries/{ooo_entry_gid}", "ooo_entry"),
    create_one("/ooo_entries", "workspace", "workspace", resourcing.create_ooo_entry),
    update_one("/ooo_entries/{ooo_entry_gid}", "ooo_entry", resourcing.update_ooo_entry),
    delete_one("/ooo_entries/{ooo_entry_gid}", "ooo_entry"),
]
