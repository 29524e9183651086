"""Sections: list and read in their project's order; create, place, rename, delete; move tasks into them."""

from __future__ import annotations

from werkzeug.wrappers import Response

from asana_sandbox.models import sections
from asana_sandbox.routes.base import (
    RequestContext,
    Route,
    children,
    create_one,
    delete_one,
    get_one,
    listing,
    update_one,
)


def _insert(ctx: RequestContext, project_gid: str) -> Response:
    project = ctx.obj(project_gid, "project", "project_gid")
    sections.insert(ctx.changes(), project, ctx.input())
    return ctx.empty()


def _add_task(ctx: RequestContext, section_gid: str) -> Response:
    section = ctx.obj(section_gid, "section", "section_gid")
    sections.add_task(ctx.changes(), section, ctx.input())
    return ctx.empty()


ROUTES: list[Route] = [
    listing("/projects/{project_gid}/sections", children("section", "project", "project_gid", "project")),
    get_one("/sections/{section_gid}", "section"),
    create_one("/projects/{project_gid}/sections", "project_gid", "project", sections.create),
    Route("POST", "/projects/{project_gid}/sections/insert", _insert),
    update_one("/sections/{section_gid}", "section", sections.update),
    delete_one("/sections/{section_gid}", "section", sections.delete),
    Route("POST", "/sections/{section_gid}/addTask", _add_task),
]
