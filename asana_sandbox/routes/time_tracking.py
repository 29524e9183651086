"""Time tracking entries and resource allocations (paid features)."""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import missing_input
from asana_sandbox.routes.base import RequestContext, Route, children, get_one, listing, ref_gid
from asana_sandbox.routes.common import parse_date
from asana_sandbox.store import Record


def _entries(ctx: RequestContext) -> Sequence[Record]:
    args = ctx.args
    if args.get("task"):
        task = ctx.obj(args["task"], "task", "task")
        entries = ctx.store.related("time_tracking_entry", "task", task["gid"])
    elif args.get("attributable_to"):
        project = ctx.obj(args["attributable_to"], "project", "attributable_to")
        entries = ctx.store.related("time_tracking_entry", "attributable_to", project["gid"])
    elif args.get("workspace"):
        workspace = ctx.obj(args["workspace"], "workspace", "workspace")
        entries = ctx.store.related("time_tracking_entry", "_workspace", workspace["gid"])
    elif args.get("portfolio"):
        portfolio = ctx.obj(args["portfolio"], "portfolio", "portfolio")
        projects = {ref_gid(item) for item in portfolio.get("_items") or ()}
        entries = [
            e for e in ctx.store.all("time_tracking_entry") if ref_gid(e.get("attributable_to")) in projects
        ]
    else:
        raise missing_input("workspace")
    if args.get("user"):
        user_gid = ctx.user_gid(args["user"])
        entries = [e for e in entries if ref_gid(e.get("created_by")) == user_gid]
    if args.get("entered_on_start_date"):
        start = parse_date("entered_on_start_date", args["entered_on_start_date"]).isoformat()
        entries = [e for e in entries if (e.get("entered_on") or "") >= start]
    if args.get("entered_on_end_date"):
        end = parse_date("entered_on_end_date", args["entered_on_end_date"]).isoformat()
        entries = [e for e in entries if (e.get("entered_on") or "") <= end]
    if args.get("timesheet_approval_status"):
        entries = [e for e in entries if e.get("approval_status") == args["timesheet_approval_status"]]
    return entries


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


ROUTES: list[Route] = [
    listing("/time_tracking_entries", _entries, tier="premium"),
    listing(
        "/tasks/{task_gid}/time_tracking_entries", children("time_tracking_entry", "task", "task_gid", "task")
    ),
    get_one("/time_tracking_entries/{time_tracking_entry_gid}", "time_tracking_entry"),
    listing("/allocations", _allocations, tier="premium"),
    get_one("/allocations/{allocation_gid}", "allocation", tier="premium"),
]
