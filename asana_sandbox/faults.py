"""Fault injection for tests and benchmarks: 5xx, 429 bursts, dropped connections, slow answers."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from asana_sandbox.errors import bad_request


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
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad_request(f"{key}: Must be a number")
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
        """The fault to inject into the next request: "rate_limit", "drop", "error" or None."""
        with self.lock:
            if self.rate_limit_burst > 0:
                self.rate_limit_burst -= 1
                return "rate_limit"
            if self.drop_rate and self.rng.random() < self.drop_rate:
                return "drop"
            if self.error_rate and self.rng.random() < self.error_rate:
                return "error"
        return None
