"""The Batch API: `POST /batch` runs up to 10 actions, each as a request of its own (asana-api.md 3.9).

Each action goes through the sandbox's routing, authentication, rate limits and faults like any request
(`Services.subrequest`), and is answered in order with its own `status_code`, `headers` and `body`; one
failing action does not stop the others. The batch itself costs nothing against the rate limits (its route
is `free`), but it is refused as a whole with a 429 when its actions would not all fit them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Response

from asana_sandbox.errors import ApiError, bad_request, json_response, missing_input
from asana_sandbox.routes.base import RequestContext, Route

MAX_ACTIONS = 10
METHODS = ("get", "post", "put", "delete", "patch", "head")
# Per-action headers worth returning; the batch response carries the common ones (asana-api.md 3.9).
_KEPT_HEADERS = ("location", "retry-after")

Outcome = dict[str, Any]


def _batch(ctx: RequestContext) -> Response:
    actions = ctx.input().raw("actions")
    if actions is None:
        raise missing_input("actions")
    if not isinstance(actions, list):
        raise bad_request(f"actions: Not an array: {actions!r}")
    if not actions:
        raise bad_request("actions: A batch request needs at least one action")
    if len(actions) > MAX_ACTIONS:
        raise bad_request(f"actions: A batch request can have at most {MAX_ACTIONS} actions")
    plans = [_plan(index, action) for index, action in enumerate(actions)]
    token = ctx.request.headers.get("Authorization", "").partition(" ")[2].strip()
    methods = [plan["method"] for plan in plans if "error" not in plan]
    ctx.services.limits.check_batch(token, methods)
    return json_response({"data": [_run(ctx, token, plan) for plan in plans]})


def _plan(index: int, action: Any) -> Outcome:
    """What one action asks for: method, path, query and body; or the 400 it gets instead."""
    where = f"actions[{index}]"
    if not isinstance(action, dict):
        return {"error": bad_request(f"{where}: Not an object: {action!r}")}
    method, path = action.get("method"), action.get("relative_path")
    if method is None or path is None:
        return {"error": missing_input(f"{where}.{'method' if method is None else 'relative_path'}")}
    if not isinstance(method, str) or method.lower() not in METHODS:
        return {"error": bad_request(f"{where}.method: Not one of {', '.join(METHODS)}: {method!r}")}
    if not isinstance(path, str) or not path.startswith("/"):
        return {"error": bad_request(f"{where}.relative_path: Not a path relative to the API: {path!r}")}
    if "?" in path or "#" in path:
        return {
            "error": bad_request(
                f"{where}.relative_path: Query parameters are not accepted here; put them in data instead"
            )
        }
    refusal = _refused(method.lower(), path)
    if refusal:
        return {"error": bad_request(f"{where}: {refusal}")}
    data, options = action.get("data"), action.get("options") or {}
    if data is not None and not isinstance(data, dict):
        return {"error": bad_request(f"{where}.data: Not an object: {data!r}")}
    if not isinstance(options, dict):
        return {"error": bad_request(f"{where}.options: Not an object: {options!r}")}
    query = _options(options)
    body = None
    if method.lower() in ("get", "head"):
        query.update({k: _query_value(v) for k, v in (data or {}).items()})
    elif data is not None:
        body = {"data": data}
    return {"method": method.upper(), "path": path, "query": query, "body": body}


def _refused(method: str, path: str) -> str | None:
    """Why an action is not allowed inside a batch (asana-api.md 3.9), if it is not."""
    clean = path.rstrip("/")
    if clean == "/batch":
        return "Batch requests cannot be nested"
    if clean.startswith("/organization_exports"):
        return "Organization exports are not allowed in a batch request"
    if method == "post" and clean.endswith("/attachments"):
        return "Attachment uploads are not allowed in a batch request"
    return None


def _options(options: dict[str, Any]) -> dict[str, str]:
    """`options` (`limit`, `offset`, `fields`) as the query parameters they stand for."""
    query: dict[str, str] = {}
    for name in ("limit", "offset"):
        if options.get(name) is not None:
            query[name] = str(options[name])
    fields = options.get("fields")
    if isinstance(fields, list):
        query["opt_fields"] = ",".join(str(f) for f in fields)
    elif isinstance(fields, str):
        query["opt_fields"] = fields
    return query


def _query_value(value: Any) -> str:
    """A `data` value of a GET action as it would be written in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_query_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _run(ctx: RequestContext, token: str, plan: Outcome) -> Outcome:
    error: ApiError | None = plan.get("error")
    if error is not None:
        return {"status_code": error.status, "headers": {}, "body": json.loads(error.response().get_data())}
    subrequest = ctx.services.subrequest
    assert subrequest is not None
    status, headers, body = subrequest(token, plan["method"], plan["path"], plan["query"], plan["body"])
    kept = {k.lower(): v for k, v in headers.items() if k.lower() in _KEPT_HEADERS}
    if "location" in kept:
        # Relative to the API, as Asana's batch answers show it (`"location": "/tasks/1234"`).
        location = urlsplit(kept["location"]).path
        kept["location"] = location.removeprefix(urlsplit(ctx.api_root).path)
    if plan["method"] == "HEAD" or not isinstance(body, dict):
        body = {}  # a HEAD answer (or a dropped connection) has no body
    return {"status_code": status, "headers": kept, "body": body}


ROUTES: list[Route] = [Route("POST", "/batch", _batch, free=True)]
