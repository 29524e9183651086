"""Goals, goal relationships and time periods."""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import missing_input
from asana_sandbox.routes.base import RequestContext, Route, flag, get_one, listing, ref_gid
from asana_sandbox.routes.common import parse_date
from asana_sandbox.store import Record


def _goals(ctx: RequestContext) -> Sequence[Record]:
    args = ctx.args
    if args.get("team"):
        team = ctx.obj(args["team"], "team", "team")
        goals = ctx.store.related("goal", "team", team["gid"])
    elif args.get("workspace"):
        workspace = ctx.obj(args["workspace"], "workspace", "workspace")
        goals = ctx.store.related("goal", "workspace", workspace["gid"])
    else:
        for name, kind in (("portfolio", "portfolio"), ("project", "project"), ("task", "task")):
            if args.get(name):
                resource = ctx.obj(args[name], kind, name)
                links = ctx.store.related("goal_relationship", "supporting_resource", resource["gid"])
                goals = [g for g in (ctx.store.get(ref_gid(r.get("supported_goal"))) for r in links) if g]
                break
        else:
            raise missing_input("workspace")
    workspace_level = flag(ctx, "is_workspace_level")
    if workspace_level is not None:
        goals = [g for g in goals if bool(g.get("is_workspace_level")) == workspace_level]
    if args.get("time_periods"):
        periods = set(args["time_periods"].split(","))
        goals = [g for g in goals if ref_gid(g.get("time_period")) in periods]
    return goals


def _parent_goals(ctx: RequestContext, goal_gid: str) -> Sequence[Record]:
    goal = ctx.obj(goal_gid, "goal", "goal_gid")
    links = ctx.store.related("goal_relationship", "supporting_resource", goal["gid"])
    return [g for g in (ctx.store.get(ref_gid(r.get("supported_goal"))) for r in links) if g]


def _goal_relationships(ctx: RequestContext) -> Sequence[Record]:
    goal = ctx.obj(ctx.require("supported_goal"), "goal", "supported_goal")
    links = ctx.store.related("goal_relationship", "supported_goal", goal["gid"])
    subtype = ctx.args.get("resource_subtype")
    return [r for r in links if not subtype or r.get("resource_subtype") == subtype]


def _time_periods(ctx: RequestContext) -> Sequence[Record]:
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    periods = ctx.store.related("time_period", "_workspace", workspace["gid"])
    if ctx.args.get("start_on"):
        start = parse_date("start_on", ctx.args["start_on"]).isoformat()
        periods = [p for p in periods if (p.get("start_on") or "") >= start]
    if ctx.args.get("end_on"):
        end = parse_date("end_on", ctx.args["end_on"]).isoformat()
        periods = [p for p in periods if (p.get("end_on") or "") <= end]
    return periods


ROUTES: list[Route] = [
    listing("/goals", _goals, tier="premium"),
    get_one("/goals/{goal_gid}", "goal", tier="premium"),
    listing("/goals/{goal_gid}/parentGoals", _parent_goals, tier="premium", paginated=False),
    listing("/goal_relationships", _goal_relationships, required=("supported_goal",)),
    get_one("/goal_relationships/{goal_relationship_gid}", "goal_relationship"),
    listing("/time_periods", _time_periods, required=("workspace",)),
    get_one("/time_periods/{time_period_gid}", "time_period"),
]
