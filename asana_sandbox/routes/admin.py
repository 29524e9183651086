"""Webhooks, the audit log, access requests, jobs and organization exports."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.wrappers import Response

from asana_sandbox.routes.base import RequestContext, Route, get_one, listing, ref_gid
from asana_sandbox.routes.common import parse_datetime, timestamp
from asana_sandbox.store import Record


def _webhooks(ctx: RequestContext) -> Sequence[Record]:
    workspace = ctx.obj(ctx.require("workspace"), "workspace", "workspace")
    hooks = ctx.store.related("webhook", "_workspace", workspace["gid"])
    if ctx.args.get("resource"):
        hooks = [h for h in hooks if ref_gid(h.get("resource")) == ctx.args["resource"]]
    return hooks


def _audit_log(ctx: RequestContext, workspace_gid: str) -> Response:
    """Audit log events oldest first; `next_page` never ends so the endpoint can be polled as a stream.

    The spec has no compact audit log event and no `opt_fields` for this operation: events come whole.
    """
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    ctx.gate("enterprise")
    events = sorted(
        ctx.store.related("audit_log_event", "_workspace", workspace["gid"]),
        key=lambda e: (e["created_at"], e["gid"]),
    )
    args = ctx.args
    for name, keep in (
        ("start_at", lambda at, bound: at >= bound),
        ("end_at", lambda at, bound: at < bound),
    ):
        if args.get(name):
            bound = parse_datetime(name, args[name])
            events = [e for e in events if keep(timestamp(e["created_at"]), bound)]
    for name, path in (("event_type", "event_type"), ("actor_type", "actor.actor_type")):
        if args.get(name):
            events = [e for e in events if _dig(e, path) == args[name]]
    if args.get("actor_gid"):
        events = [e for e in events if ref_gid(e.get("actor")) == args["actor_gid"]]
    if args.get("resource_gid"):
        events = [e for e in events if ref_gid(e.get("resource")) == args["resource_gid"]]
    return ctx.page(events, endless=True, full=True)


def _dig(record: Record, path: str) -> object:
    value: object = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _access_requests(ctx: RequestContext) -> Sequence[Record]:
    target = ctx.obj(ctx.require("target"), ("project", "portfolio"), "target")
    requests = [r for r in ctx.store.related("access_request", "target", target["gid"])]
    if ctx.args.get("user"):
        user_gid = ctx.user_gid(ctx.args["user"])
        requests = [r for r in requests if ref_gid(r.get("requester")) == user_gid]
    # Only pending requests are listed.
    return [r for r in requests if r.get("approval_status") in (None, "pending")]


ROUTES: list[Route] = [
    listing("/webhooks", _webhooks, required=("workspace",)),
    get_one("/webhooks/{webhook_gid}", "webhook"),
    Route("GET", "/workspaces/{workspace_gid}/audit_log_events", _audit_log),
    listing("/access_requests", _access_requests, required=("target",), tier="premium", paginated=False),
    get_one("/jobs/{job_gid}", "job"),
    get_one("/organization_exports/{organization_export_gid}", "organization_export"),
]
