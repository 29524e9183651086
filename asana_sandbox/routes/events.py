"""The Events API: sync tokens, 412 with a fresh token, at most 100 (1,000 per workspace) events a call."""

from __future__ import annotations

import base64
import json
import time

from werkzeug.wrappers import Response

from asana_sandbox.errors import ApiError, json_response, missing_input
from asana_sandbox.routes.base import RequestContext, Route

SYNC_TOKEN_TTL_SECONDS = 24 * 3600
INVALID_SYNC_MESSAGE = (
    "Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full "
    "dataset for this query now and use the new sync token for the next sync."
)


def encode_sync(sequence: int, resource_gid: str) -> str:
    raw = json.dumps({"s": sequence, "r": resource_gid, "t": round(time.time(), 3)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_sync(token: str, resource_gid: str) -> int | None:
    """The sequence number behind a token, or None when it is malformed, foreign or too old."""
    try:
        payload = json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
        sequence, resource, issued = int(payload["s"]), str(payload["r"]), float(payload["t"])
    except (ValueError, KeyError, TypeError):
        return None
    if resource != resource_gid or sequence < 0 or time.time() - issued > SYNC_TOKEN_TTL_SECONDS:
        return None
    return sequence


def _events_since(ctx: RequestContext, resource_gid: str, batch: int) -> Response:
    log = ctx.store.events
    latest = len(log)
    sequence = decode_sync(ctx.args["sync"], resource_gid) if ctx.args.get("sync") else None
    if sequence is None or sequence > latest:
        raise ApiError(412, INVALID_SYNC_MESSAGE, sync=encode_sync(latest, resource_gid))
    matching: list[tuple[int, dict]] = []
    for seq, event, scopes in log[sequence:]:
        if resource_gid in scopes:
            matching.append((seq, event))
            if len(matching) > batch:
                break
    has_more = len(matching) > batch
    returned = matching[:batch]
    next_sequence = returned[-1][0] if has_more else latest
    return json_response(
        {
            "data": [e for _, e in returned],
            "sync": encode_sync(next_sequence, resource_gid),
            "has_more": has_more,
        }
    )


def _resource_events(ctx: RequestContext) -> Response:
    resource = ctx.args.get("resource")
    if not resource:
        raise missing_input("resource")
    ctx.obj(resource, ("task", "project", "goal"), "resource")
    return _events_since(ctx, resource, 100)


def _workspace_events(ctx: RequestContext, workspace_gid: str) -> Response:
    """Every event in the workspace; Asana serves them only to a Service Account of an Enterprise+ domain
    (402 below Enterprise, 403 for any other token), as the audit log."""
    workspace = ctx.obj(workspace_gid, "workspace", "workspace_gid")
    ctx.gate("enterprise")
    return _events_since(ctx, workspace["gid"], 1000)


ROUTES: list[Route] = [
    Route("GET", "/events", _resource_events),
    Route("GET", "/workspaces/{workspace_gid}/events", _workspace_events),
]
