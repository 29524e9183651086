"""The building blocks of route tables: a request context and declarative list / get-one / write routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from asana_sandbox.errors import ApiError, bad_request, forbidden, json_response, missing_input, not_found
from asana_sandbox.faults import FaultSettings
from asana_sandbox.inputs import Body
from asana_sandbox.limits import RateLimiter
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.tasks import by_external
from asana_sandbox.pagination import MAX_UNPAGINATED, paginate
from asana_sandbox.projection import FieldTree, parse_opt_fields, render
from asana_sandbox.store import Record, Store

if TYPE_CHECKING:
    from asana_sandbox.oauth import TokenInfo
    from asana_sandbox.webhook_delivery import WebhookDeliverer

TIER_RANK = {"free": 0, "premium": 1, "enterprise": 2}
_GID = re.compile(r"^\d{1,19}$")
# Fields that lead from an object towards the workspace it lives in, tried in this order.
_WORKSPACE_TRAIL = (
    "parent",
    "project",
    "task",
    "target",
    "supported_goal",
    "resource",
    "team",
    "portfolio",
    "custom_field",
)
# The API path of each resource type, for the `Location` header of a create: `/<plural>/<gid>`.
_PLURAL = {
    "story": "stories",
    "time_tracking_entry": "time_tracking_entries",
    "time_tracking_category": "time_tracking_categories",
    "timesheet_approval_status": "timesheet_approval_statuses",
    "project_status": "project_statuses",
    "status_update": "status_updates",
    "ooo_entry": "ooo_entries",
    "custom_field_setting": "custom_field_settings",
    "enum_option": "enum_options",
}

SubRequest = Callable[..., tuple[int, dict[str, str], Any]]


@dataclass
class Services:
    """What route handlers need of the running sandbox, handed to them instead of the app itself."""

    store: Store
    faults: FaultSettings
    limits: RateLimiter
    tier_override: str | None
    top_tier: str
    #: Runs one API call inside another (the Batch API): (token, method, path, query, body) ->
    #: (status, headers, JSON body).
    subrequest: SubRequest | None = None
    #: Makes the handshake of `POST /webhooks` and delivers to established webhooks.
    webhooks: WebhookDeliverer | None = None


@dataclass
class RequestContext:
    """Everything a route handler needs about one API request."""

    services: Services
    request: Request
    token: TokenInfo
    api_path: str
    api_root: str
    args: dict[str, str] = field(init=False)
    fields: FieldTree | None = field(init=False)
    workspace_gid: str | None = None
    _payload: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.args = {k: v for k, v in self.request.args.items()}
        self.fields = parse_opt_fields(self.args.get("opt_fields"))
        if self.request.method in ("POST", "PUT", "PATCH") and self.request.mimetype == "application/json":
            options = self.payload().get("options")
            if isinstance(options, dict) and isinstance(options.get("fields"), list):
                # `options.fields` in a JSON body stands for `opt_fields` (Asana's input/output options).
                self.fields = parse_opt_fields(",".join(str(f) for f in options["fields"]))

    @property
    def store(self) -> Store:
        return self.services.store

    # -- inputs ---------------------------------------------------------------------------------------
    def require(self, name: str) -> str:
        value = self.args.get(name)
        if not value:
            raise missing_input(name)
        return value

    def user_gid(self, value: str) -> str:
        """`me` stands for the token's user wherever a user id is accepted."""
        return self.token.user_gid if value == "me" else value

    def obj(self, gid: str, types: str | Iterable[str], param: str | None = None) -> Record:
        """The object named by a request parameter; 404 if unknown, deleted or of another type.

        A gid that is not a number is 400 "Not a Long", as Asana answers; `me` or an email stand for a
        user, and `external:<id>` for the task that the requesting OAuth app gave that external id.
        """
        allowed = (types,) if isinstance(types, str) else tuple(types)
        if "user" in allowed:
            gid = self.user_gid(gid)
            if "@" in gid:
                gid = next((u["gid"] for u in self.store.related("user", "email", gid)), gid)
        if "task" in allowed and gid.startswith("external:"):
            found = by_external(self.store, self.token.client_id, gid[len("external:") :])
            gid = found["gid"] if found else ""
        elif not _GID.match(gid) and "@" not in gid:
            raise bad_request(f"{param or allowed[0]}: Not a Long: {gid}")
        record = self.store.get(gid)
        if record is None or record.get("resource_type") not in allowed:
            raise not_found(param or allowed[0])
        if self.workspace_gid is None:
            self.workspace_gid = self.workspace_of(record)
        return record

    def payload(self) -> dict[str, Any]:
        """The JSON request body (`{"data": ..., "options": ...}`); 400 when it is not a JSON object."""
        if self._payload is None:
            raw = self.request.get_data(as_text=True)
            try:
                payload = json.loads(raw) if raw.strip() else {}
            except (json.JSONDecodeError, RecursionError):
                raise bad_request("Could not parse request data, invalid JSON") from None
            if not isinstance(payload, dict):
                raise bad_request("Could not parse request data, invalid JSON")
            self._payload = payload
        return self._payload

    def body(self) -> dict[str, Any]:
        """The `data` object of a JSON request body (a form-encoded body's fields, for uploads)."""
        if self.request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return {k: v for k, v in self.request.form.items() if not k.startswith("opt_")}
        data = self.payload().get("data")
        if not isinstance(data, dict):
            raise bad_request("data: Missing input")
        return data

    def input(self) -> Body:
        """The request's `data`, with typed readers that answer Asana's 400s."""
        return Body(self.body(), self.store, self.token.user_gid)

    def changes(self) -> Changes:
        """A write session acting as the token's user, now."""
        return Changes(self.store, self.store.get(self.token.user_gid))

    # -- access ---------------------------------------------------------------------------------------
    def workspace_of(self, record: Record, depth: int = 0) -> str | None:
        """The gid of the workspace an object belongs to, following its references."""
        if record.get("resource_type") == "workspace":
            return record["gid"]
        for key in ("workspace", "organization"):
            ref = record.get(key)
            if isinstance(ref, dict) and ref.get("gid"):
                return ref["gid"]
        if record.get("_workspace"):
            return record["_workspace"]
        if depth > 4:
            return None
        for key in (*_WORKSPACE_TRAIL, "_parent"):
            ref = record.get(key)
            gid = ref.get("gid") if isinstance(ref, dict) else ref if isinstance(ref, str) else None
            target = self.store.get(gid) if gid else None
            if target is not None:
                return self.workspace_of(target, depth + 1)
        return None

    def tier(self) -> str:
        if self.services.tier_override:
            return self.services.tier_override
        if self.workspace_gid is None:
            # Nothing in the request names a workspace: the token's best domain decides.
            return self.services.top_tier
        workspace = self.store.get(self.workspace_gid)
        return (workspace or {}).get("_tier", "free")

    def gate(self, required: str) -> None:
        """402 when the workspace's tier is below `required`; the audit log also needs a service account."""
        if TIER_RANK[self.tier()] < TIER_RANK[required]:
            raise ApiError(
                402,
                "Payment Required: this feature is only available to premium organizations and workspaces."
                if required == "premium"
                else "Payment Required: this feature is only available to Enterprise organizations.",
            )
        if required == "enterprise" and not self.token.service_account:
            raise forbidden("This endpoint is only available to Service Account tokens.")

    # -- outputs --------------------------------------------------------------------------------------
    def one(self, record: Record, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return json_response({"data": render(record, self.fields, self.store, full=True)}, status, headers)

    def created(self, record: Record) -> Response:
        """201 with the new object and its API URL in `Location`, as Asana answers a create."""
        location = f"{self.api_root}/{plural(record['resource_type'])}/{record['gid']}"
        return self.one(record, 201, {"Location": location})

    def empty(self) -> Response:
        """The answer to a delete or a remove: `{"data": {}}`."""
        return json_response({"data": {}})

    def page(
        self,
        items: Sequence[Record],
        *,
        paginated: bool = True,
        max_unpaginated: int = MAX_UNPAGINATED,
        endless: bool = False,
        full: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> Response:
        """A page of `items`; `full` renders each record's default fields (lists with no compact form)."""
        page, envelope = paginate(
            items,
            self.args,
            api_path=self.api_path,
            api_root=self.api_root,
            ttl_seconds=self.services.faults.offset_ttl_seconds,
            paginated=paginated,
            max_unpaginated=max_unpaginated,
            endless=endless,
        )
        body = {
            "data": [render(r, self.fields, self.store, full=full) for r in page],
            **envelope,
            **(extra or {}),
        }
        return json_response(body)


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """One operation of the API: method, the spec's path template, and its handler."""

    method: str
    path: str
    handler: Handler
    search: bool = False
    free: bool = False  # admitted without cost (the Batch API: its actions are counted one by one)


Select = Callable[..., Sequence[Record]]


def plural(resource_type: str) -> str:
    """The collection name of a resource type in API paths: `task` -> `tasks`, `story` -> `stories`."""
    return _PLURAL.get(resource_type, resource_type + "s")


def get_one(path: str, resource_type: str | Iterable[str], *, tier: str | None = None) -> Route:
    """`GET /things/{thing_gid}`: the object, 404 if it is not there."""
    param = path.rsplit("{", 1)[1].rstrip("}")

    def handler(ctx: RequestContext, **params: str) -> Response:
        record = ctx.obj(params[param], resource_type, param)
        if tier:
            ctx.gate(tier)
        return ctx.one(record)

    return Route("GET", path, handler)


def listing(
    path: str,
    select: Select,
    *,
    required: Sequence[str] = (),
    tier: str | None = None,
    paginated: bool = True,
    search: bool = False,
    full: bool = False,
) -> Route:
    """A list operation: `select(ctx, **path_params)` returns every matching record, in order.

    `full`: the spec lists the objects' full form (its items are a `<Name>Response`, not a compact form).
    """

    def handler(ctx: RequestContext, **params: str) -> Response:
        for name in required:
            ctx.require(name)
        items = select(ctx, **params)
        if tier:
            ctx.gate(tier)
        return ctx.page(items, paginated=paginated, full=full)

    return Route("GET", path, handler, search=search)


def delete_one(
    path: str,
    resource_type: str | Iterable[str],
    rule: Callable[[Changes, Record], None] | None = None,
    *,
    tier: str | None = None,
) -> Route:
    """`DELETE /things/{thing_gid}`: `rule(changes, record)` (default: remove it), then `{"data": {}}`."""
    param = path.rsplit("{", 1)[1].rstrip("}")

    def handler(ctx: RequestContext, **params: str) -> Response:
        record = ctx.obj(params[param], resource_type, param)
        if tier:
            ctx.gate(tier)
        changes = ctx.changes()
        if rule is None:
            changes.delete(record)
        else:
            rule(changes, record)
        return ctx.empty()

    return Route("DELETE", path, handler)


def create_one(
    path: str,
    owner: str,
    owner_types: str | Iterable[str],
    rule: Callable[[Changes, Body, Record], Record],
    *,
    tier: str | None = None,
) -> Route:
    """`POST`: a new object of `owner`, a path parameter (`task_gid`) or a body field (`workspace`, `parent`).

    The owner is read first (404 in the path, 400 in the body) because its workspace decides the tier gate;
    then `rule(changes, body, owner)` builds the object, answered 201 with its `Location`.
    """

    def handler(ctx: RequestContext, **params: str) -> Response:
        if owner in params:
            record = ctx.obj(params[owner], owner_types, owner)
            body = ctx.input()
        else:
            body = ctx.input()
            found = body.obj(owner, owner_types, required=True)
            assert found is not None
            record = found
            ctx.workspace_gid = ctx.workspace_of(record)
        if tier:
            ctx.gate(tier)
        return ctx.created(rule(ctx.changes(), body, record))

    return Route("POST", path, handler)


def update_one(
    path: str,
    resource_type: str | Iterable[str],
    rule: Callable[[Changes, Record, Body], Record],
    *,
    tier: str | None = None,
) -> Route:
    """`PUT /things/{thing_gid}`: `rule(changes, record, body)` applies the fields; answers the object."""
    param = path.rsplit("{", 1)[1].rstrip("}")

    def handler(ctx: RequestContext, **params: str) -> Response:
        record = ctx.obj(params[param], resource_type, param)
        if tier:
            ctx.gate(tier)
        return ctx.one(rule(ctx.changes(), record, ctx.input()))

    return Route("PUT", path, handler)


def children(resource_type: str, link: str, param: str, parent_types: str | Iterable[str]) -> Select:
    """Records of `resource_type` whose `link` field refers to the object in path parameter `param`."""

    def select(ctx: RequestContext, **params: str) -> Sequence[Record]:
        parent = ctx.obj(params[param], parent_types, param)
        return ctx.store.related(resource_type, link, parent["gid"])

    return select


def by_query(resource_type: str, link: str, arg: str, parent_types: str | Iterable[str]) -> Select:
    """Records of `resource_type` whose `link` field refers to the object in query parameter `arg`."""

    def select(ctx: RequestContext, **params: str) -> Sequence[Record]:
        parent = ctx.obj(ctx.require(arg), parent_types, arg)
        return ctx.store.related(resource_type, link, parent["gid"])

    return select


def ref_gid(value: Any) -> str | None:
    return value.get("gid") if isinstance(value, dict) else None


def flag(ctx: RequestContext, name: str) -> bool | None:
    """A boolean query parameter; 400 on anything but true/false."""
    raw = ctx.args.get(name)
    if raw is None:
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request(f"{name}: Must be true or false")
