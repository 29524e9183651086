"""The sandbox's control endpoints (`/_sandbox/*`) and the request counters they report."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

from werkzeug.wrappers import Request, Response

from asana_sandbox.errors import ApiError, json_response
from asana_sandbox.faults import FaultSettings
from asana_sandbox.models import rules
from asana_sandbox.store import Store
from asana_sandbox.webhook_delivery import WebhookDeliverer

CONTROL_PREFIX = "/_sandbox/"
ENDPOINTS = {
    "stats": ("GET",),
    "reset": ("POST",),
    "faults": ("GET", "POST"),
    "mutate": ("POST",),
    "rule_triggers": ("GET", "POST"),
    "webhooks": ("GET", "POST"),
    "webhooks/flush": ("POST",),
    "webhooks/heartbeat": ("POST",),
    "webhooks/clock": ("POST",),
}


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


class Control:
    """Answers `/_sandbox/stats`, `reset`, `faults`, `mutate`, `rule_triggers` and `webhooks[/...]`."""

    def __init__(
        self,
        store: Store,
        faults: FaultSettings,
        stats: Stats,
        seed: int,
        webhooks: WebhookDeliverer | None = None,
    ) -> None:
        self.store = store
        self.webhooks = webhooks or WebhookDeliverer(store)
        self.faults = faults
        self.stats = stats
        self.mutation_rng = random.Random(seed)

    def __call__(self, name: str, request: Request) -> Response:
        try:
            if name == "stats":
                counts = {"objects": self.store.counts(), "webhooks": self.webhooks.stats()}
                return json_response({**self.stats.as_dict(), **counts})
            if name.startswith("webhooks"):
                return json_response({"webhooks": _webhooks(self.webhooks, name, request)})
            if name == "reset":
                self.stats.reset()
                return json_response({"reset": True})
            if name == "faults":
                if request.method == "POST":
                    self.faults.update(_json_object(request))
                return json_response({"faults": self.faults.as_dict()})
            if name == "rule_triggers":
                body = _json_object(request) if request.method == "POST" else None
                return json_response(rules.control(self.store, body))
            return self._mutate(_json_object(request))
        except ApiError as error:
            return error.response()

    def _mutate(self, body: dict[str, Any]) -> Response:
        fraction = body.get("fraction")
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
            raise ApiError(400, "fraction: Must be a number greater than 0 and at most 1")
        if "seed" in body:
            seed = body["seed"]
            if isinstance(seed, bool) or not isinstance(seed, (int, str)):
                raise ApiError(400, "seed: Must be an integer or a string")
            self.mutation_rng.seed(seed)
        from asana_sandbox.mutate import mutate  # only needed by tests and benchmarks

        with self.store.lock:
            return json_response(mutate(self.store, float(fraction), self.mutation_rng))


def _webhooks(deliverer: WebhookDeliverer, name: str, request: Request) -> dict[str, Any]:
    """`/_sandbox/webhooks[/flush|/heartbeat|/clock]`: the delivery counters, after the action asked for."""
    body = _json_object(request) if request.method == "POST" else {}
    try:
        if name == "webhooks/flush":
            return deliverer.flush(_seconds(body, "wait_seconds", 30.0))
        if name == "webhooks/heartbeat":
            return deliverer.heartbeat()
        if name == "webhooks/clock":
            if "advance_seconds" not in body:
                raise ApiError(400, "advance_seconds: Missing input")
            return deliverer.advance(_seconds(body, "advance_seconds", 0.0))
        return deliverer.configure(body) if body else deliverer.stats()
    except ValueError as error:
        raise ApiError(400, str(error)) from None


def _seconds(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 10**7:
        raise ApiError(400, f"{name}: Must be a number of seconds, 0 or more")
    return float(value)


def _json_object(request: Request) -> dict[str, Any]:
    data = request.get_json(silent=True, force=True)
    if data is None and request.get_data():
        raise ApiError(400, "Could not parse request data, invalid JSON")
    if data is not None and not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return data or {}
