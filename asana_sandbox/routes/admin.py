"""The audit log, access requests, exports (graph, resource, organization) and rule triggers (webhooks:
`webhooks.py`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from werkzeug.wrappers import Response

from asana_sandbox.errors import json_response
from asana_sandbox.inputs import Body
from asana_sandbox.models import access_requests, exports, rules
from asana_sandbox.models.changes import Changes
from asana_sandbox.projection import parse_opt_fields
from asana_sandbox.routes.base import RequestContext, Route, get_one, listing, ref_gid
from asana_sandbox.routes.common import parse_datetime, timestamp
from asana_sandbox.store import Record


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


# -- writes -------------------------------------------------------------------------------------------------
def _create_access_request(ctx: RequestContext) -> Response:
    body = ctx.input()
    target = body.obj("target", access_requests.TARGET_TYPES, required=True)
    assert target is not None
    ctx.workspace_gid = ctx.workspace_of(target)
    ctx.gate("premium")
    return ctx.created(access_requests.create(ctx.changes(), body, target))


Answer = Callable[..., None]


def _answer(action: Answer) -> Callable[..., Response]:
    """approve / reject: a pending request, answered by an admin of its target; `{"data": {}}`."""

    def handler(ctx: RequestContext, access_request_gid: str) -> Response:
        request = ctx.obj(access_request_gid, "access_request", "access_request_gid")
        ctx.gate("premium")
        action(ctx.changes(), request, service_account=ctx.token.service_account)
        return ctx.empty()

    return handler


Start = Callable[[Changes, Body, Record], Record]


def _export(path: str, field: str, types: tuple[str, ...], start: Start, output: str = "") -> Route:
    """`POST <path>`: an export of the body's `field` (Enterprise Service Accounts only), answered 201.

    `output`: the job field the export's own response names by default (GraphExportResponse shows the job's
    gid, type, subtype, status and `new_graph_export` only); an organization export answers itself whole.
    """

    def handler(ctx: RequestContext) -> Response:
        body = ctx.input()
        source = body.obj(field, types, required=True)
        assert source is not None
        ctx.workspace_gid = ctx.workspace_of(source)
        ctx.gate("enterprise")
        if output and ctx.fields is None:
            ctx.fields = parse_opt_fields(f"resource_type,resource_subtype,status,{output}")
        return ctx.created(start(ctx.changes(), body, source))

    return Route("POST", path, handler)


def _run_rule(ctx: RequestContext, rule_trigger_gid: str) -> Response:
    trigger = ctx.obj(rule_trigger_gid, "rule_trigger", "rule_trigger_gid")
    ctx.gate("premium")  # rules are a paid feature: free workspaces have no triggers to run
    return json_response({"data": rules.run(ctx.changes(), trigger, ctx.input())})


ROUTES: list[Route] = [
    Route("GET", "/workspaces/{workspace_gid}/audit_log_events", _audit_log),
    listing("/access_requests", _access_requests, required=("target",), tier="premium", paginated=False),
    get_one("/organization_exports/{organization_export_gid}", "organization_export"),
    Route("POST", "/access_requests", _create_access_request),
    Route("POST", "/access_requests/{access_request_gid}/approve", _answer(access_requests.approve)),
    Route("POST", "/access_requests/{access_request_gid}/reject", _answer(access_requests.reject)),
    _export("/exports/graph", "parent", exports.GRAPH_PARENTS, exports.graph, "new_graph_export"),
    _export("/exports/resource", "workspace", ("workspace",), exports.resource, "new_resource_export"),
    _export("/organization_exports", "organization", ("workspace",), exports.organization),
    Route("POST", "/rule_triggers/{rule_trigger_gid}/run", _run_rule),
]
