"""Custom fields, their enum options, the settings that put them on projects, portfolios, goals and teams, and
custom task types (with their status options)."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import not_found
from asana_sandbox.models import custom_fields
from asana_sandbox.routes.base import RequestContext, Route, by_query, delete_one, get_one, listing
from asana_sandbox.store import Record

# Enum options have no response schema of their own in the field lists: every field of one is shown.
_OPTION_FIELDS = {"gid": {}, "resource_type": {}, "name": {}, "enabled": {}, "color": {}}


def _workspace_fields(ctx: RequestContext, workspace_gid: str) -> Sequence[Record]:
    """The workspace's global fields (fields local to one container are listed on that container)."""
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    fields = ctx.store.related("custom_field", "_workspace", workspace["gid"])
    return [f for f in fields if f.get("is_global_to_workspace", True)]


def _settings_of(kind: str):
    def select(ctx: RequestContext, **params: str) -> Sequence[Record]:
        container = ctx.obj(params[f"{kind}_gid"], kind, f"{kind}_gid")
        return custom_fields.settings_of(ctx.store, container)

    return select


def _create(ctx: RequestContext) -> Response:
    return ctx.created(custom_fields.create(ctx.changes(), ctx.input()))


def _update(ctx: RequestContext, custom_field_gid: str) -> Response:
    field = ctx.obj(custom_field_gid, "custom_field", "custom_field_gid")
    return ctx.one(custom_fields.update(ctx.changes(), field, ctx.input()))


def _option_answer(ctx: RequestContext, option: Record, created: bool = False) -> Response:
    if ctx.fields is None:
        ctx.fields = _OPTION_FIELDS
    return ctx.created(option) if created else ctx.one(option)


def _add_option(ctx: RequestContext, custom_field_gid: str) -> Response:
    field = ctx.obj(custom_field_gid, "custom_field", "custom_field_gid")
    return _option_answer(ctx, custom_fields.add_option(ctx.changes(), field, ctx.input()), created=True)


def _move_option(ctx: RequestContext, custom_field_gid: str) -> Response:
    field = ctx.obj(custom_field_gid, "custom_field", "custom_field_gid")
    return _option_answer(ctx, custom_fields.move_option(ctx.changes(), field, ctx.input()))


def _update_option(ctx: RequestContext, enum_option_gid: str) -> Response:
    found = custom_fields.find_option(ctx.store, enum_option_gid)
    if found is None:
        raise not_found("enum_option_gid")
    field, option = found
    ctx.workspace_gid = field.get("_workspace")
    return _option_answer(ctx, custom_fields.update_option(ctx.changes(), field, option, ctx.input()))


def _add_setting(kind: str):
    def handler(ctx: RequestContext, **params: str) -> Response:
        container = ctx.obj(params[f"{kind}_gid"], kind, f"{kind}_gid")
        workspace = ctx.store.get(ctx.workspace_of(container) or "", "workspace")
        assert workspace is not None
        setting = custom_fields.add_setting(ctx.changes(), container, ctx.input(), workspace)
        return ctx.one(setting)

    return handler


def _remove_setting(kind: str):
    def handler(ctx: RequestContext, **params: str) -> Response:
        container = ctx.obj(params[f"{kind}_gid"], kind, f"{kind}_gid")
        custom_fields.remove_setting(ctx.changes(), container, ctx.input())
        return ctx.empty()

    return handler


ROUTES: list[Route] = [
    listing("/workspaces/{workspace_gid}/custom_fields", _workspace_fields),
    get_one("/custom_fields/{custom_field_gid}", "custom_field"),
    *(
        listing(
            f"/{kind}s/{{{kind}_gid}}/custom_field_settings", _settings_of(kind), paginated=kind != "team"
        )
        for kind in custom_fields.CONTAINERS
    ),
    Route("POST", "/custom_fields", _create),
    Route("PUT", "/custom_fields/{custom_field_gid}", _update),
    delete_one("/custom_fields/{custom_field_gid}", "custom_field", custom_fields.delete),
    Route("POST", "/custom_fields/{custom_field_gid}/enum_options", _add_option),
    Route("POST", "/custom_fields/{custom_field_gid}/enum_options/insert", _move_option),
    Route("PUT", "/enum_options/{enum_option_gid}", _update_option),
    *(
        Route("POST", f"/{kind}s/{{{kind}_gid}}/{action}CustomFieldSetting", make(kind))
        for kind in ("project", "portfolio", "goal")
        for action, make in (("add", _add_setting), ("remove", _remove_setting))
    ),
    listing(
        "/custom_types", by_query("custom_type", "_projects", "project", "project"), required=("project",)
    ),
    get_one("/custom_types/{custom_type_gid}", "custom_type"),
]
