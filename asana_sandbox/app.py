"""The sandbox's WSGI application: routing, auth, rate limits, faults, errors and control endpoints."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from asana_sandbox.control import CONTROL_PREFIX, ENDPOINTS, Control, Stats
from asana_sandbox.errors import ApiError, json_response, not_found, rate_limited, server_error, unauthorized
from asana_sandbox.faults import FaultSettings, break_body
from asana_sandbox.limits import TIER_REQUESTS_PER_MINUTE, LimitSettings, RateLimiter
from asana_sandbox.models import rules as rule_triggers
from asana_sandbox.models.attachments import FILES_PATH
from asana_sandbox.oauth import TokenInfo, TokenRegistry
from asana_sandbox.routes import ROUTES, attachments
from asana_sandbox.routes.base import TIER_RANK, RequestContext, Route, Services
from asana_sandbox.store import Store
from asana_sandbox.webhook_delivery import WebhookDeliverer, WebhookSettings

__all__ = ["SandboxApp", "TokenInfo"]

API_PREFIX = "/api/1.0"
log = logging.getLogger("asana_sandbox")
#: The header that carries the control token (see `SandboxApp`).
CONTROL_TOKEN_HEADER = "X-Sandbox-Control-Token"


def _rule_path(template: str) -> str:
    """The spec's `{project_gid}` placeholders in werkzeug's `<project_gid>` syntax."""
    return API_PREFIX + template.replace("{", "<").replace("}", ">")


class SandboxApp:
    """A WSGI app that answers like Asana's API v1.0 over an in-memory `Store`."""

    def __init__(
        self,
        store: Store,
        *,
        tokens: TokenRegistry,
        tier_override: str | None = None,
        requests_per_minute: int | None = None,
        seed: int = 42,
        webhooks: WebhookSettings | None = None,
        control_token: str | None = None,
    ) -> None:
        """`control_token`: when set, the control endpoints (`/_sandbox/...`) answer only requests that send
        it in `X-Sandbox-Control-Token`; when unset, only requests from loopback addresses."""
        if tier_override is not None and tier_override not in TIER_RANK:
            raise ValueError(f"unknown tier {tier_override!r}: use free, premium or enterprise")
        self.store = store
        self.tokens = tokens
        self.tier_override = tier_override
        self.top_tier = tier_override or max(
            (w.get("_tier", "free") for w in store.all("workspace")),
            key=TIER_RANK.__getitem__,
            default="free",
        )
        self.limits = RateLimiter(
            LimitSettings(requests_per_minute=requests_per_minute or TIER_REQUESTS_PER_MINUTE[self.top_tier])
        )
        self.faults = FaultSettings()
        self.stats = Stats()
        self.webhooks = WebhookDeliverer(store, webhooks)
        self.control = Control(store, self.faults, self.stats, seed, webhooks=self.webhooks)
        self.control_token = control_token
        rule_triggers.seed(store)  # before any request, so the triggers get the same gids every time
        self.services = Services(
            store=store,
            faults=self.faults,
            limits=self.limits,
            tier_override=tier_override,
            top_tier=self.top_tier,
            subrequest=self.subrequest,
            webhooks=self.webhooks,
        )
        self.routes: dict[str, Route] = {}
        rules = [
            *(
                Rule(CONTROL_PREFIX + name, endpoint=f"control:{name}", methods=list(methods))
                for name, methods in ENDPOINTS.items()
            ),
            Rule("/-/oauth_authorize", endpoint="oauth:authorize", methods=["GET"]),
            Rule("/-/oauth_token", endpoint="oauth:token", methods=["POST"]),
            Rule("/-/oauth_revoke", endpoint="oauth:revoke", methods=["POST"]),
            Rule(FILES_PATH + "<attachment_gid>", endpoint="files", methods=["GET"]),
        ]
        for route in ROUTES:
            key = f"{route.method} {route.path}"
            if key in self.routes:
                raise ValueError(f"route declared twice: {key}")
            self.routes[key] = route
            rules.append(Rule(_rule_path(route.path), endpoint=key, methods=[route.method]))
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    def api_root(self, request: Request) -> str:
        return request.host_url.rstrip("/") + API_PREFIX

    # -- WSGI -----------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, params = adapter.match()
        except (NotFound, MethodNotAllowed):
            endpoint, params = None, {}
        except HTTPException as exc:  # e.g. a redirect for a trailing slash
            return exc.get_response(request.environ)
        if endpoint is not None and endpoint.startswith("control:"):
            if refusal := self._control_refusal(request):
                return refusal
            return self.control(endpoint.split(":", 1)[1], request)
        if endpoint is not None and endpoint.startswith("oauth:"):
            return getattr(self.tokens, endpoint.split(":", 1)[1])(request)
        if endpoint == "files":
            return attachments.download(self.store, params["attachment_gid"], request)
        route_name = endpoint or f"{request.method} (unknown route)"
        response = self._api(request, self.routes.get(endpoint) if endpoint else None, params)
        self.stats.count(request.method, route_name, response.status_code)
        if request.args.get("opt_pretty", "").lower() == "true" and response.mimetype == "application/json":
            response.set_data(json.dumps(json.loads(response.get_data()), indent=2) + "\n")
        return response

    def subrequest(
        self, token: str, method: str, path: str, query: dict[str, Any], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        """One API call made from inside another (an action of `POST /batch`), through the same routing,
        auth, rate limits and faults as a call over HTTP."""
        builder = EnvironBuilder(
            path=API_PREFIX + path,
            method=method.upper(),
            query_string={k: str(v) for k, v in query.items()},
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            response = self.dispatch(Request(builder.get_environ()))
        finally:
            builder.close()
        payload = json.loads(response.get_data() or b"null")
        return response.status_code, dict(response.headers), payload

    def _api(self, request: Request, route: Route | None, params: dict[str, str]) -> Response:
        try:
            fault = self.faults.draw()
            if fault == "drop":
                _drop_connection(request)
                return Response(status=500)
            if fault == "rate_limit":
                raise rate_limited(self.faults.rate_limit_retry_after)
            if fault == "error":
                raise server_error(self.faults.error_status)
            token = self._authenticate(request)
            if route is None:
                raise not_found()
            # The Batch API costs nothing itself: each of its actions is admitted as a request of its own.
            admission = (
                contextlib.nullcontext()
                if route.free
                else self.limits.admit(token, request.method, search=route.search)
            )
            with admission:
                if self.faults.delay_ms:
                    # A slow answer holds its concurrency slot, as a slow Asana response would.
                    time.sleep(self.faults.delay_ms / 1000)
                info = self.tokens.lookup(token)
                ctx = RequestContext(self.services, request, info, _api_path(request), self.api_root(request))
                with self.store.lock:
                    response = route.handler(ctx, **params)
            if fault == "bad_body" and response.status_code == 200:
                body, mimetype = break_body(self.faults.bad_body, response.get_data())
                response.set_data(body)
                response.mimetype = mimetype
            return response
        except ApiError as error:
            return error.response()
        except Exception:  # an unexpected bug still answers in Asana's shape, with a phrase
            log.exception("unhandled error for %s %s", request.method, request.path)
            return server_error(500).response()

    def _control_refusal(self, request: Request) -> Response | None:
        """Whoever can reach the control endpoints can rewrite the data and fake outages: a 403 unless the
        request carries the control token (when one is set) or comes from loopback (when none is)."""
        if self.control_token is not None:
            sent = request.headers.get(CONTROL_TOKEN_HEADER, "")
            if hmac.compare_digest(sent.encode(), self.control_token.encode()):
                return None
            message = f"Control endpoints need the sandbox's control token in {CONTROL_TOKEN_HEADER}"
        else:
            if _is_loopback(request.remote_addr):
                return None
            message = "Control endpoints answer loopback clients only (else start it with --control-token)"
        return json_response({"errors": [{"message": message}]}, 403)

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token or self.tokens.lookup(token.strip()) is None:
            raise unauthorized()
        return token.strip()


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _api_path(request: Request) -> str:
    return request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path


def _drop_connection(request: Request) -> None:
    """End the client's connection without an answer, as a dying load balancer would.

    Shut down, not closed: the server owns the socket and closes it when its answer cannot be sent.
    """
    sock = request.environ.get("asana_sandbox.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
