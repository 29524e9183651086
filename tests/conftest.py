"""Shared fixtures: Asana sandboxes on free loopback ports."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from asana_sandbox.server import SandboxServer

# Functional tests are not about throttling: give them room; throttle tests pass their own budget.
FAST_REQUESTS_PER_MINUTE = 1_000_000


class SandboxClient:
    """A started sandbox plus a `requests` session that speaks to it with the sandbox's PAT."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {server.token}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.server.base_url + path, params=params, timeout=30)

    def control(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.server.root_url}/_sandbox/{name}"
        response = (
            requests.post(url, json=body, timeout=60) if body is not None else requests.get(url, timeout=30)
        )
        response.raise_for_status()
        return response.json()


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
