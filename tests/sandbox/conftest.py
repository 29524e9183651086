"""Fixtures of the sandbox tests: a demo sandbox shared by the read-only tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from asana_sandbox.server import SandboxServer
from tests.sandbox_client import SandboxClient


@pytest.fixture(scope="module")
def demo() -> Iterator[SandboxClient]:
    """A demo sandbox for tests that only read (stopping a server costs half a second: share it)."""
    server = SandboxServer("demo", requests_per_minute=1_000_000).start()
    yield SandboxClient(server)
    server.stop()
