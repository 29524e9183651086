"""Fixtures of the target tests: a demo sandbox per test (targets write), and request counters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox_client import SandboxClient


def write_requests(sandbox: SandboxClient) -> dict[str, int]:
    """Write calls the sandbox answered since the last reset, by route (batch actions count one each)."""
    stats = sandbox.control("stats")
    return {
        route: n
        for route, n in stats["requests"]["by_route"].items()
        if not route.startswith("GET ") and route != "POST /batch"
    }


@pytest.fixture
def fresh(sandbox: SandboxClient) -> SandboxClient:
    """A demo sandbox with its counters at zero."""
    sandbox.control("reset", {})
    return sandbox


def store_names(sandbox: SandboxClient, resource_type: str) -> list[str]:
    return sorted(r.get("name") or "" for r in sandbox.store.all(resource_type))


__all__ = ["Any", "store_names", "write_requests"]
