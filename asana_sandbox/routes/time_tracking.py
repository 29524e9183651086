"""Time tracking entries (a paid feature), their categories and weekly timesheet approval statuses: reads and
writes (the rules are in models/time_tracking.py)."""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import bad_request, missing_input
from asana_sandbox.models import time_tracking
from asana_sandbox.routes.base import (
    RequestContext,
    Route,
    children,
    create_one,
    delete_one,
    flag,
    get_one,
    listing,
    ref_gid,
    update_one,
)
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
        # A timesheet's gid: the entries of its user's week.
        sheet = ctx.obj(
            args["timesheet_approval_status"], "timesheet_approval_status", "timesheet_approval_status"
        )
        covered = {e["gid"] for e in time_tracking.week_entries(ctx.store, sheet)}
        entries = [e for e in entries if e["gid"] in covered]
    return entries


TIMESHEET_STATUSES = ("draft", "submitted", "approved", "rejected")


def _categories(ctx: RequestContext) -> Sequence[Record]:
    """A workspace's categories: the active ones unless `is_archived=true` asks for the archived ones."""
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    archived = bool(flag(ctx, "is_archived"))
    return [
        c
        for c in ctx.store.related("time_tracking_category", "_workspace", workspace["gid"])
        if bool(c.get("is_archived")) == archived
    ]


def _category_entries(ctx: RequestContext, time_tracking_category_gid: str) -> Sequence[Record]:
    """Entries of a category, entered on `start_date` or later and on `end_date` or earlier."""
    category = ctx.obj(time_tracking_category_gid, "time_tracking_category", "time_tracking_category_gid")
    entries = ctx.store.related("time_tracking_entry", "categories", category["gid"])
    if ctx.args.get("start_date"):
        start = parse_date("start_date", ctx.args["start_date"]).isoformat()
        entries = [e for e in entries if (e.get("entered_on") or "") >= start]
    if ctx.args.get("end_date"):
        end = parse_date("end_date", ctx.args["end_date"]).isoformat()
        entries = [e for e in entries if (e.get("entered_on") or "") <= end]
    return entries


def _timesheets(ctx: RequestContext) -> Sequence[Record]:
    """Weekly timesheet statuses of a workspace, by user, weeks overlapping `from_date`..`to_date`, and
    `approval_statuses` (comma-separated: draft, submitted, approved, rejected)."""
    args = ctx.args
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    sheets = ctx.store.related("timesheet_approval_status", "workspace", workspace["gid"])
    if args.get("user"):
        user_gid = ctx.user_gid(args["user"])
        sheets = [s for s in sheets if ref_gid(s.get("user")) == user_gid]
    if args.get("from_date"):
        start = parse_date("from_date", args["from_date"]).isoformat()
        sheets = [s for s in sheets if s["end_date"] >= start]
    if args.get("to_date"):
        end = parse_date("to_date", args["to_date"]).isoformat()
        sheets = [s for s in sheets if s["start_date"] <= end]
    if args.get("approval_statuses"):
        wanted = {v.strip().lower() for v in args["approval_statuses"].split(",") if v.strip()}
        unknown = sorted(wanted - set(TIMESHEET_STATUSES))
        if unknown:
            raise bad_request(
                f"approval_statuses: Not a valid approval status: {unknown[0]!r}; "
                f"use one or more of {', '.join(TIMESHEET_STATUSES)}"
            )
        sheets = [s for s in sheets if s["approval_status"].lower() in wanted]
    return sheets


ROUTES: list[Route] = [
    listing("/time_tracking_entries", _entries, tier="premium"),
    listing(
        "/tasks/{task_gid}/time_tracking_entries", children("time_tracking_entry", "task", "task_gid", "task")
    ),
    get_one("/time_tracking_entries/{time_tracking_entry_gid}", "time_tracking_entry"),
    listing("/time_tracking_categories", _categories, required=("workspace",)),
    get_one("/time_tracking_categories/{time_tracking_category_gid}", "time_tracking_category"),
    listing(
        "/time_tracking_categories/{time_tracking_category_gid}/time_tracking_entries", _category_entries
    ),
    listing("/timesheet_approval_statuses", _timesheets, required=("workspace",)),
    get_one("/timesheet_approval_statuses/{timesheet_approval_status_gid}", "timesheet_approval_status"),
    create_one(
        "/tasks/{task_gid}/time_tracking_entries",
        "task_gid",
        "task",
        time_tracking.create_entry,
        tier="premium",
    ),
    update_one(
        "/time_tracking_entries/{time_tracking_entry_gid}",
        "time_tracking_entry",
        time_tracking.update_entry,
        tier="premium",
    ),
    delete_one(
        "/time_tracking_entries/{time_tracking_entry_gid}",
        "time_tracking_entry",
        time_tracking.delete_entry,
        tier="premium",
    ),
    create_one("/time_tracking_categories", "workspace", "workspace", time_tracking.create_category),
    update_one(
        "/time_tracking_categories/{time_tracking_category_gid}",
        "time_tracking_category",
        time_tracking.update_category,
    ),
    delete_one(
        "/time_tracking_categories/{time_tracking_category_gid}",
        "time_tracking_category",
        time_tracking.delete_category,
    ),
    create_one(
        "/timesheet_approval_statuses",
        "workspace",
        "workspace",
        time_tracking.create_timesheet,
        tier="premium",
    ),
    update_one(
        "/timesheet_approval_statuses/{timesheet_approval_status_gid}",
        "timesheet_approval_status",
        time_tracking.update_timesheet,
        tier="premium",
    ),
]
