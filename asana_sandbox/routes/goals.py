"""Goals (create, update, delete, metrics, followers), goal relationships and time periods."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import missing_input
from asana_sandbox.inputs import Body
from asana_sandbox.models import goals as model
from asana_sandbox.models.changes import Changes
from asana_sandbox.routes.base import RequestContext, Route, delete_one, flag, get_one, listing, ref_gid
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
    links = model.relationships(ctx.store, goal)
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


def _create(ctx: RequestContext) -> Response:
    body = ctx.input()
    workspace = body.obj("workspace", "workspace", required=True)
    assert workspace is not None
    ctx.workspace_gid = workspace["gid"]
    ctx.gate("premium")
    return ctx.created(model.create(ctx.changes(), body, workspace))


GoalWrite = Callable[[Changes, Record, Body], Record | None]


def _on_goal(write: GoalWrite, answer: str = "goal") -> Callable[..., Response]:
    """A write on `/goals/{goal_gid}`: premium as reading a goal is; answers the goal, the result or {}."""

    def handler(ctx: RequestContext, goal_gid: str) -> Response:
        goal = ctx.obj(goal_gid, "goal", "goal_gid")
        if answer == "goal":
            ctx.gate("premium")
        result = write(ctx.changes(), goal, ctx.input())
        if answer == "empty":
            return ctx.empty()
        return ctx.one(goal if answer == "goal" else result or goal)

    return handler


def _update_relationship(ctx: RequestContext, goal_relationship_gid: str) -> Response:
    link = ctx.obj(goal_relationship_gid, "goal_relationship", "goal_relationship_gid")
    return ctx.one(model.update_relationship(ctx.changes(), link, ctx.input()))


ROUTES: list[Route] = [
    listing("/goals", _goals, tier="premium"),
    get_one("/goals/{goal_gid}", "goal", tier="premium"),
    listing("/goals/{goal_gid}/parentGoals", _parent_goals, tier="premium", paginated=False),
    listing("/goal_relationships", _goal_relationships, required=("supported_goal",)),
    get_one("/goal_relationships/{goal_relationship_gid}", "goal_relationship"),
    Route("POST", "/goals", _create),
    Route("PUT", "/goals/{goal_gid}", _on_goal(model.update)),
    delete_one("/goals/{goal_gid}", "goal", model.delete, tier="premium"),
    Route("POST", "/goals/{goal_gid}/setMetric", _on_goal(model.set_metric)),
    Route("POST", "/goals/{goal_gid}/setMetricCurrentValue", _on_goal(model.set_current_value)),
    Route("POST", "/goals/{goal_gid}/addFollowers", _on_goal(model.add_followers)),
    Route("POST", "/goals/{goal_gid}/removeFollowers", _on_goal(model.remove_followers)),
    # Relationships are not gated: reading them is not (GET /goal_relationships).
    Route("POST", "/goals/{goal_gid}/addSupportingRelationship", _on_goal(model.add_relationship, "result")),
    Route(
        "POST", "/goals/{goal_gid}/removeSupportingRelationship", _on_goal(model.remove_relationship, "empty")
    ),
    Route("PUT", "/goal_relationships/{goal_relationship_gid}", _update_relationship),
    listing("/time_periods", _time_periods, required=("workspace",)),
    get_one("/time_periods/{time_period_gid}", "time_period"),
]
