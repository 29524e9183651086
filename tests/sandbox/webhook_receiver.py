"""A webhook target for the sandbox's webhook tests: a loopback HTTP server whose answers a test chooses."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Delivery:
    """One POST the receiver got: its path, headers (lower-cased names), raw body and the status answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = json.loads(self.body)["events"]
        return events

    def signed_by(self, secret: str) -> bool:
        expected = hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("x-hook-signature", ""))


class Receiver:
    """Answers handshakes as `handshake` says ("echo", "no_echo", "wrong", "500", or "slow": echo after
    `handshake_delay`) and deliveries with `status` after `delay` seconds; keeps every request it got."""

    def __init__(self) -> None:
        self.handshake = "echo"
        self.handshake_delay = 0.0  # seconds before a "slow" handshake answers
        self.status = 200
        self.delay = 0.0
        self.secrets: dict[str, str] = {}  # path -> secret of its handshake
        self.handshakes: list[Delivery] = []
        self.deliveries: list[Delivery] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got = Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                secret = self.headers.get("X-Hook-Secret")
                if secret is not None:
                    receiver._answer_handshake(self, got, secret)
                    return
                with receiver.lock:
                    status, delay = receiver.status, receiver.delay
                if delay:
                    time.sleep(delay)
                got.status = status
                with receiver.changed:  # kept before it is answered, so the sender never outruns the list
                    receiver.deliveries.append(got)
                    receiver.changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _answer_handshake(self, handler: BaseHTTPRequestHandler, got: Delivery, secret: str) -> None:
        with self.changed:
            self.handshakes.append(got)
            mode = self.handshake
            if mode == "echo":
                self.secrets[got.path] = secret
        if mode == "slow":
            time.sleep(self.handshake_delay)
        handler.send_response(500 if mode == "500" else 200)
        if mode in ("echo", "500", "slow"):
            handler.send_header("X-Hook-Secret", secret)
        elif mode == "wrong":
            handler.send_header("X-Hook-Secret", "0" * 64)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def accepted(self, path: str | None = None) -> list[Delivery]:
        """The deliveries answered 2xx (to `path`, if given), in the order received."""
        with self.lock:
            return [d for d in self.deliveries if path in (None, d.path) and 200 <= d.status < 300]

    def events(self, path: str | None = None) -> list[dict[str, Any]]:
        """Every event of the deliveries answered 2xx (to `path`, if given), in the order received."""
        return [e for d in self.accepted(path) for e in d.events]

    def wait_for(self, count: int, timeout: float = 10.0, path: str | None = None) -> list[dict[str, Any]]:
        """Wait until `count` events have been accepted; returns them (fewer if the time ran out)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                events = [
                    e
                    for d in self.deliveries
                    if path in (None, d.path) and 200 <= d.status < 300
                    for e in d.events
                ]
                remaining = deadline - time.monotonic()
                if len(events) >= count or remaining <= 0:
                    return events
                self.changed.wait(remaining)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


_shared: Receiver | None = None
_shared_lock = threading.Lock()


def shared_target(path: str = "/hook") -> str:
    """The URL of a process-wide receiver that answers every handshake: for tests that only need a webhook
    to be created (the sandbox must allow loopback targets). It runs until the test process ends."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Receiver().__enter__()
        return _shared.url + path
