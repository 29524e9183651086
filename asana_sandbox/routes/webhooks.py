"""Webhooks: list, read, establish (with the handshake), change the filters of, and delete."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import json_response
from asana_sandbox.models import webhooks
from asana_sandbox.projection import render
from asana_sandbox.routes.base import RequestContext, Route, delete_one, get_one, listing, ref_gid
from asana_sandbox.store import Record


def _webhooks(ctx: RequestContext) -> Sequence[Record]:
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    hooks = ctx.store.related("webhook", "_workspace", workspace["gid"])
    if ctx.args.get("resource"):
        hooks = [h for h in hooks if ref_gid(h.get("resource")) == ctx.args["resource"]]
    return hooks


def _create_webhook(ctx: RequestContext) -> Response:
    """201 with the webhook and, beside `data`, its `X-Hook-Secret` (the spec's createWebhook answer)."""
    body = ctx.input()
    resource = body.obj("resource", webhooks.RESOURCE_TYPES, required=True)
    assert resource is not None
    deliverer = ctx.services.webhooks
    assert deliverer is not None, "the app gives every request its webhook deliverer"
    hook, secret = webhooks.create(ctx.changes(), body, resource, ctx.workspace_of(resource), deliverer)
    payload = {"data": render(hook, ctx.fields, ctx.store, full=True), "X-Hook-Secret": secret}
    return json_response(payload, 201, {"Location": f"{ctx.api_root}/webhooks/{hook['gid']}"})


def _update_webhook(ctx: RequestContext, webhook_gid: str) -> Response:
    hook = ctx.obj(webhook_gid, "webhook", "webhook_gid")
    return ctx.one(webhooks.update(ctx.changes(), hook, ctx.input()))


ROUTES: list[Route] = [
    listing("/webhooks", _webhooks, required=("workspace",)),
    get_one("/webhooks/{webhook_gid}", "webhook"),
    Route("POST", "/webhooks", _create_webhook),
    Route("PUT", "/webhooks/{webhook_gid}", _update_webhook),
    delete_one("/webhooks/{webhook_gid}", "webhook", webhooks.delete),
]
