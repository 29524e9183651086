"""The sandbox's WSGI application: routing, auth, rate limits, faults, errors and control endpoints."""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import threading
import time
from collections import Counter
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from asana_sandbox.errors import ApiError, json_response, not_found, rate_limited, server_error, unauthorized
from asana_sandbox.faults import FaultSettings
from asana_sandbox.limits import TIER_REQUESTS_PER_MINUTE, LimitSettings, RateLimiter
from asana_sandbox.oauth import TokenInfo, TokenRegistry
from asana_sandbox.routes import ROUTES
from asana_sandbox.routes.base import TIER_RANK, RequestContext, Route
from asana_sandbox.store import Store

__all__ = ["SandboxApp", "TokenInfo"]

API_PREFIX = "/api/1.0"
log = logging.getLogger("asana_sandbox")


def _rule_path(template: str) -> str:
    """The spec's `{project_gid}` placeholders in werkzeug's `<project_gid>` syntax."""
    return API_PREFIX + template.replace("{", "<").replace("}", ">")


class Stats:
    """Request counters read by tests and benchmarks through `GET /_sandbox/stats`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.by_method: Counter[str] = Counter()
            self.by_route: Counter[str] = Counter()
            self.by_status: Counter[str] = Counter()
            self.rate_limited = 0
            self.total = 0

    def count(self, method: str, route: str, status: int) -> None:
        with self.lock:
            self.total += 1
            self.by_method[method] += 1
            self.by_route[route] += 1
            self.by_status[str(status)] += 1
            if status == 429:
                self.rate_limited += 1

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": {
                    "total": self.total,
                    "by_method": dict(self.by_method),
                    "by_route": dict(self.by_route),
                    "by_status": dict(self.by_status),
                },
                "rate_limited": self.rate_limited,
            }


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
    ) -> None:
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
        self.mutation_rng = random.Random(seed)
        self.routes: dict[str, Route] = {}
        rules = [
            Rule("/_sandbox/stats", endpoint="control:stats", methods=["GET"]),
            Rule("/_sandbox/reset", endpoint="control:reset", methods=["POST"]),
            Rule("/_sandbox/faults", endpoint="control:faults", methods=["GET", "POST"]),
            Rule("/_sandbox/mutate", endpoint="control:mutate", methods=["POST"]),
            Rule("/-/oauth_authorize", endpoint="oauth:authorize", methods=["GET"]),
            Rule("/-/oauth_token", endpoint="oauth:token", methods=["POST"]),
            Rule("/-/oauth_revoke", endpoint="oauth:revoke", methods=["POST"]),
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
            return self._control(endpoint.split(":", 1)[1], request)
        if endpoint is not None and endpoint.startswith("oauth:"):
            return getattr(self.tokens, endpoint.split(":", 1)[1])(request)
        route_name = endpoint or f"{request.method} (unknown route)"
        response = self._api(request, self.routes.get(endpoint) if endpoint else None, params)
        self.stats.count(request.method, route_name, response.status_code)
        return response

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
            with self.limits.admit(token, request.method, search=route.search):
                if self.faults.delay_ms:
                    # A slow answer holds its concurrency slot, as a slow Asana response would.
                    time.sleep(self.faults.delay_ms / 1000)
                ctx = RequestContext(self, request, self.tokens.lookup(token), _api_path(request))
                with self.store.lock:
                    return route.handler(ctx, **params)
        except ApiError as error:
            return error.response()
        except Exception:  # an unexpected bug still answers in Asana's shape, with a phrase
            log.exception("unhandled error for %s %s", request.method, request.path)
            return server_error(500).response()

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token or self.tokens.lookup(token.strip()) is None:
            raise unauthorized()
        return token.strip()

    # -- control endpoints ----------------------------------------------------------------------------
    def _control(self, name: str, request: Request) -> Response:
        try:
            if name == "stats":
                return json_response({**self.stats.as_dict(), "objects": self.store.counts()})
            if name == "reset":
                self.stats.reset()
                return json_response({"reset": True})
            if name == "faults":
                if request.method == "POST":
                    self.faults.update(_json_object(request))
                return json_response({"faults": self.faults.as_dict()})
            body = _json_object(request)
            fraction = body.get("fraction")
            if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
                raise ApiError(400, "fraction: Must be a number greater than 0 and at most 1")
            if "seed" in body:
                self.mutation_rng.seed(body["seed"])
            from asana_sandbox.mutate import mutate  # only needed by tests and benchmarks

            with self.store.lock:
                return json_response(mutate(self.store, float(fraction), self.mutation_rng))
        except ApiError as error:
            return error.response()


def _api_path(request: Request) -> str:
    return request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path


def _json_object(request: Request) -> dict[str, Any]:
    data = request.get_json(silent=True, force=True)
    if data is None and request.get_data():
        raise ApiError(400, "Could not parse request data, invalid JSON")
    if data is not None and not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return data or {}


def _drop_connection(request: Request) -> None:
    """Close the client's socket without an answer, as a dying load balancer would."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
