"""Fault injection for tests and benchmarks: 5xx, 429 bursts, dropped connections, slow answers, and
success answers with a broken body (as a misbehaving proxy or a cut connection gives)."""

from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from asana_sandbox.errors import bad_request

#: How `bad_body` breaks a 200 answer: an HTML page, the JSON cut in half, an object with no `data`, or
#: `data` of the wrong kind (an object for a list, a list for an object).
BAD_BODIES = ("html", "truncated", "no_data", "wrong_data")
#: Upper bounds that keep a fault finite (a wait of months, a minute's delay, a day's token lifetime).
LIMITS = {
    "rate_limit_retry_after": 10_000_000,
    "delay_ms": 60_000,
    "offset_ttl_seconds": 86_400,
    "rate_limit_burst": 1_000_000,
    "bad_body_burst": 1_000_000,
    "seed": 2**63,
}


def break_body(kind: str, body: bytes) -> tuple[bytes, str]:
    """A 200 answer's body broken the `kind` way, with its content type."""
    if kind == "html":
        return b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
    if kind == "truncated":
        return body[: len(body) // 2], "application/json"
    if kind == "no_data":
        return b"{}", "application/json"
    data = json.loads(body or b"{}").get("data")
    return json.dumps({"data": {} if isinstance(data, list) else []}).encode(), "application/json"


@dataclass
class FaultSettings:
    """What `POST /_sandbox/faults` can set; every fault is off by default."""

    error_rate: float = 0.0
    error_status: int = 500
    rate_limit_burst: int = 0
    rate_limit_retry_after: int = 1
    drop_rate: float = 0.0
    delay_ms: int = 0
    offset_ttl_seconds: float | None = None
    bad_body_burst: int = 0
    bad_body: str = "html"
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a JSON body; unknown keys or wrong types are a 400, never a 500."""
        allowed = {f.name: f.type for f in fields(self) if f.name not in ("rng", "lock")}
        for key, value in changes.items():
            if key not in allowed:
                raise bad_request(f"{key}: Unknown fault setting; use one of {', '.join(sorted(allowed))}")
            if key == "offset_ttl_seconds" and value is None:
                self.offset_ttl_seconds = None
                continue
            if key == "bad_body":
                if value not in BAD_BODIES:
                    raise bad_request(f"bad_body: Must be one of {', '.join(BAD_BODIES)}")
                self.bad_body = value
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad_request(f"{key}: Must be a number")
            if not math.isfinite(value):
                raise bad_request(f"{key}: Must be a finite number")
            if value > LIMITS.get(key, math.inf):
                raise bad_request(f"{key}: Must be at most {LIMITS[key]}")
            if key in ("error_rate", "drop_rate") and not 0 <= value <= 1:
                raise bad_request(f"{key}: Must be between 0 and 1")
            if key == "error_status" and value not in (500, 502, 503, 504):
                raise bad_request("error_status: Must be one of 500, 502, 503, 504")
            if value < 0:
                raise bad_request(f"{key}: Must not be negative")
            setattr(
                self,
                key,
                int(value) if key not in ("error_rate", "drop_rate", "offset_ttl_seconds") else value,
            )
        if "seed" in changes:
            self.rng.seed(self.seed)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("rng", "lock")}

    def draw(self) -> str | None:
        """The fault to inject into the next request: "rate_limit", "bad_body", "drop", "error" or None."""
        with self.lock:
            if self.rate_limit_burst > 0:
                self.rate_limit_burst -= 1
                return "rate_limit"
            if self.bad_body_burst > 0:
                self.bad_body_burst -= 1
                return "bad_body"
            if self.drop_rate and self.rng.random() < self.drop_rate:
                return "drop"
            if self.error_rate and self.rng.random() < self.error_rate:
                return "error"
        return None
