"""Fixtures for the webhook receiver: a queue, a secrets file and a receiver on a free loopback port."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from asana_webhooks.queue import EventQueue
from asana_webhooks.receiver import Receiver, ReceiverServer
from asana_webhooks.secrets import SecretStore, new_token
from tests.webhooks.helpers import SECRET, sign


@dataclass
class Receiving:
    """A running receiver and what it writes to."""

    server: ReceiverServer
    queue_path: Path
    store: SecretStore

    @property
    def url(self) -> str:
        return self.server.url

    def hook(self, secret: str = SECRET) -> str:
        """A webhook path whose handshake already happened (as `create` + the receiver leave it)."""
        token = new_token()
        self.store.reserve(token, resource="1300", target=f"{self.url}/{token}")
        assert self.store.accept_handshake(token, secret)
        return token

    def deliver(
        self,
        token: str,
        events: list[dict],
        secret: str = SECRET,
        *,
        body: bytes | None = None,
        headers: dict[str, str | None] | None = None,
    ) -> requests.Response:
        """POST a signed delivery; `headers` override the usual ones (None drops one)."""
        raw = json.dumps({"events": events}).encode() if body is None else body
        wanted = {
            "Content-Type": "application/json",
            "X-Hook-Signature": sign(secret, raw),
            **(headers or {}),
        }
        sent = {k: v for k, v in wanted.items() if v is not None}
        return requests.post(f"{self.url}/{token}", data=raw, headers=sent, timeout=10)

    def stored(self) -> list[dict]:
        with EventQueue(self.queue_path) as queue:
            return [item.event for item in queue.read()]


@pytest.fixture
def receiving(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[Receiving]:
    """A receiver (waitress, 4 threads) on a free port, stopped after the test."""
    caplog.set_level(logging.INFO, logger="asana_webhooks")
    queue_path = tmp_path / "queue.sqlite"
    store = SecretStore(tmp_path / "secrets.json")
    server = ReceiverServer(Receiver(EventQueue(queue_path), store), port=0, threads=4).start()
    yield Receiving(server, queue_path, store)
    server.stop()
