"""Shared fixtures: Asana sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from asana_sandbox.server import SandboxServer
from tests.sandbox_client import SandboxClient

# Functional tests are not about throttling: give them room; throttle tests pass their own budget.
FAST_REQUESTS_PER_MINUTE = 1_000_000


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxClient]]:
    """Start sandboxes with any options; each is stopped when the test ends."""
    started: list[SandboxServer] = []

    def start(dataset: str = "demo", **options: Any) -> SandboxClient:
        options.setdefault("requests_per_minute", FAST_REQUESTS_PER_MINUTE)
        server = SandboxServer(dataset, **options).start()
        started.append(server)
        return SandboxClient(server)

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., SandboxClient]) -> SandboxClient:
    """A fresh `demo` sandbox with a generous rate limit."""
    return sandbox_factory()
