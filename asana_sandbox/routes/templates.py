"""Project and task templates: list, read, delete (premium), instantiate, and save a project as one."""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import missing_input
from asana_sandbox.models import templates
from asana_sandbox.routes.base import RequestContext, Route, children, delete_one, get_one, listing
from asana_sandbox.routes.jobs import start
from asana_sandbox.store import Record


def _project_templates(ctx: RequestContext) -> Sequence[Record]:
    if ctx.args.get("team"):
        team = ctx.obj(ctx.args["team"], "team", "team")
        return ctx.store.related("project_template", "team", team["gid"])
    if ctx.args.get("workspace"):
        workspace = ctx.obj(ctx.args["workspace"], "workspace", "workspace")
        return ctx.store.related("project_template", "_workspace", workspace["gid"])
    raise missing_input("workspace")


def _task_templates(ctx: RequestContext) -> Sequence[Record]:
    if not ctx.args.get("project"):
        raise missing_input("project")
    project = ctx.obj(ctx.args["project"], "project", "project")
    return ctx.store.related("task_template", "project", project["gid"])


ROUTES: list[Route] = [
    listing("/project_templates", _project_templates),
    listing("/teams/{team_gid}/project_templates", children("project_template", "team", "team_gid", "team")),
    get_one("/project_templates/{project_template_gid}", "project_template"),
    listing("/task_templates", _task_templates),
    get_one("/task_templates/{task_template_gid}", "task_template"),
    # asana-api.md §2: deleting a template is a paid feature (the spec lists 402 on both deletes).
    delete_one(
        "/project_templates/{project_template_gid}",
        "project_template",
        templates.delete_project_template,
        tier="premium",
    ),
    delete_one(
        "/task_templates/{task_template_gid}", "task_template", templates.delete_task_template, tier="premium"
    ),
    start(
        "/project_templates/{project_template_gid}/instantiateProject",
        "project_template",
        templates.instantiate_project,
    ),
    start("/task_templates/{task_template_gid}/instantiateTask", "task_template", templates.instantiate_task),
    start("/projects/{project_gid}/saveAsTemplate", "project", templates.save_project),
]
