"""Webhook test helpers: Asana's signature, a secret of Asana's shape and compact events."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

SECRET = "5f3a9c1be07d4c2a8e6b1f0d9a7c3e21"  # the shape of Asana's X-Hook-Secret (hex)


def sign(secret: str, body: bytes) -> str:
    """Asana's X-Hook-Signature: lowercase hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event(n: int, **extra: Any) -> dict[str, Any]:
    """A compact task event as Asana delivers it; `n` makes it distinct."""
    return {
        "user": {"gid": "1201", "resource_type": "user", "name": "Ada"},
        "created_at": f"2026-12-03T10:{n // 60 % 60:02d}:{n % 60:02d}.{n % 1000:03d}Z",
        "action": "changed",
        "resource": {"gid": str(9000 + n), "resource_type": "task", "resource_subtype": "default_task"},
        "parent": None,
        "type": "task",
        "change": {"field": "name", "action": "changed", "new_value": f"task {n}"},
        **extra,
    }
