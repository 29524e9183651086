"""Stories of tasks and goals: list and read; comments created, edited and deleted."""

from __future__ import annotations

from werkzeug.wrappers import Response

from asana_sandbox.models import stories
from asana_sandbox.routes.base import Handler, RequestContext, Route, children, delete_one, get_one, listing


def _comment(kind: str, tier: str | None = None) -> Handler:
    def handler(ctx: RequestContext, **params: str) -> Response:
        target = ctx.obj(params[f"{kind}_gid"], kind, f"{kind}_gid")
        if tier:
            ctx.gate(tier)
        return ctx.created(stories.comment(ctx.changes(), target, ctx.input()))

    return handler


def _update_story(ctx: RequestContext, story_gid: str) -> Response:
    story = ctx.obj(story_gid, "story", "story_gid")
    return ctx.one(stories.update(ctx.changes(), story, ctx.input()))


ROUTES: list[Route] = [
    listing("/tasks/{task_gid}/stories", children("story", "target", "task_gid", "task")),
    listing("/goals/{goal_gid}/stories", children("story", "target", "goal_gid", "goal")),
    get_one("/stories/{story_gid}", "story"),
    Route("POST", "/tasks/{task_gid}/stories", _comment("task")),
    Route("POST", "/goals/{goal_gid}/stories", _comment("goal", tier="premium")),
    Route("PUT", "/stories/{story_gid}", _update_story),
    delete_one("/stories/{story_gid}", "story", stories.delete),
]
