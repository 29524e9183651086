"""The receiver: a WSGI app that answers Asana's handshake and stores signed deliveries, and its server.

Every POST is a handshake (it carries `X-Hook-Secret`) or a delivery (`X-Hook-Signature` over the raw
body). The last segment of the path names the webhook (`asana-webhooks create` gave it a token of its
own). A delivery is answered 200 only once its events are committed to the queue; anything that cannot
be trusted or read is refused with a 4xx and stores nothing. No answer waits on anything but the
queue's lock, which gives up after `EventQueue.busy_timeout` (503: Asana delivers again later).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from types import FrameType
from typing import Any

from waitress import wasyncore
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from asana_webhooks.queue import EventQueue, QueueError
from asana_webhooks.secrets import SecretStore, SecretStoreError

#: Largest delivery accepted (Asana batches compact events; a batch of 100 is ~50 kB).
DEFAULT_MAX_BODY_BYTES = 1_000_000
#: A path token as `secrets.new_token` makes them (URL-safe base64), with room for other schemes.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")

logger = logging.getLogger("asana_webhooks")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True)
class Answer:
    """A status, a JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def error(cls, status: int, message: str) -> Answer:
        return cls(status, {"error": message})


class Receiver:
    """The WSGI app: handshake on reserved paths, signed deliveries into `queue`."""

    def __init__(
        self, queue: EventQueue, store: SecretStore, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    ) -> None:
        self.queue = queue
        self.store = store
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        method = environ.get("REQUEST_METHOD", "GET")
        token = _path_token(environ.get("PATH_INFO", ""))
        try:
            answer = self.handle(method, token, environ)
        except Exception as exc:  # a bug must not take the receiver down; the type says enough
            logger.error("internal error on %s: %s", method, type(exc).__name__)
            answer = Answer.error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; Asana will retry")
        body = json.dumps(answer.body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *answer.headers]
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}", headers)
        outcome = answer.body.get("error") or ", ".join(f"{k}={v}" for k, v in answer.body.items())
        logger.info(
            "%s /%s %d %s (%.1f ms)",
            method,
            token or "",
            answer.status,
            outcome,
            (time.monotonic() - started) * 1000,
        )
        return [] if method == "HEAD" else [body]

    def handle(self, method: str, token: str | None, environ: dict[str, Any]) -> Answer:
        """Route one request to its answer."""
        if method in ("GET", "HEAD"):
            return Answer(HTTPStatus.OK, {"status": "ok"})
        if method != "POST":
            return Answer(
                HTTPStatus.METHOD_NOT_ALLOWED,
                {"error": f"{method} is not accepted; Asana POSTs"},
                (("Allow", "GET, HEAD, POST"),),
            )
        body = _read_body(environ, self.max_body_bytes)
        if isinstance(body, Answer):
            return body
        secret = environ.get("HTTP_X_HOOK_SECRET")
        if secret is not None:
            return self.handshake(token, secret)
        return self.deliver(token, environ.get("HTTP_X_HOOK_SIGNATURE"), body)

    def handshake(self, token: str | None, secret: str) -> Answer:
        """Echo `X-Hook-Secret` on a path reserved by `asana-webhooks create`, keeping the secret."""
        try:
            accepted = token is not None and self.store.accept_handshake(token, secret)
        except SecretStoreError as exc:
            logger.error("%s", exc)
            return Answer.error(HTTPStatus.SERVICE_UNAVAILABLE, "cannot keep the secret now")
        if not accepted:
            return Answer.error(
                HTTPStatus.UNAUTHORIZED,
                "no webhook is being created on this path (use `asana-webhooks create`)",
            )
        return Answer(HTTPStatus.OK, {"handshake": "accepted"}, (("X-Hook-Secret", secret),))

    def deliver(self, token: str | None, signature: str | None, body: bytes) -> Answer:
        """Verify the signature, then store the events; 200 only once they are committed."""
        try:
            secret = self.store.secret_for(token) if token else None
            webhook_gid = self.store.webhook_gid(token) if token else None
        except SecretStoreError as exc:
            logger.error("%s", exc)
            return Answer.error(HTTPStatus.SERVICE_UNAVAILABLE, "cannot read the webhook secrets now")
        if secret is None:
            return Answer.error(HTTPStatus.UNAUTHORIZED, "unknown webhook path")
        if not signature:
            return Answer.error(HTTPStatus.UNAUTHORIZED, "missing X-Hook-Signature header")
        expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
        if not hmac.compare_digest(expected, signature.strip().lower().encode("latin-1")):
            return Answer.error(HTTPStatus.UNAUTHORIZED, "X-Hook-Signature does not match the body")
        events = _events(body)
        if isinstance(events, Answer):
            return events
        assert token is not None  # a secret was found for it
        try:
            result = self.queue.append(token, events, webhook_gid=webhook_gid)
        except QueueError as exc:
            logger.error("%s", exc)
            return Answer.error(
                HTTPStatus.SERVICE_UNAVAILABLE, "cannot store the events now; send them again"
            )
        return Answer(HTTPStatus.OK, {"stored": result.stored, "duplicates": result.duplicates})


def _path_token(path: str) -> str | None:
    """The last segment of the path, when it looks like a webhook's token."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last if _TOKEN.match(last) else None


def _read_body(environ: dict[str, Any], limit: int) -> bytes | Answer:
    """The raw body (at most `limit` bytes), or the answer that refuses it."""
    length_header = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length_header:
        try:
            length = int(length_header)
        except ValueError:
            return Answer.error(HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
        if length < 0:
            return Answer.error(HTTPStatus.BAD_REQUEST, "Content-Length is negative")
        if length > limit:
            return Answer.error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {limit} bytes")
        body: bytes = stream.read(length)
    else:
        body = stream.read(limit + 1)
        if len(body) > limit:
            return Answer.error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {limit} bytes")
    return body


def _events(body: bytes) -> list[dict[str, Any]] | Answer:
    """The events of a delivery `{"events": [...]}`, or the 400 that says what is wrong with it."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Answer.error(HTTPStatus.BAD_REQUEST, "body is not JSON")
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        return Answer.error(HTTPStatus.BAD_REQUEST, 'body is not {"events": [...]}')
    if not all(isinstance(event, dict) for event in events):
        return Answer.error(HTTPStatus.BAD_REQUEST, "an event is not a JSON object")
    return events


class ReceiverServer:
    """The receiver on waitress, a production WSGI server.

    `run` serves until SIGINT/SIGTERM, `start`/`stop` in a background thread (tests). Stopping is
    graceful: no new connection is accepted, requests already read finish and their answers are sent
    (for up to `drain_seconds`), then the workers stop and the queue is closed.
    """

    def __init__(
        self,
        receiver: Receiver,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        drain_seconds: float = 5.0,
    ) -> None:
        self.receiver = receiver
        self.drain_seconds = drain_seconds
        self._map: dict[int, Any] = {}  # waitress's socket map, ours so that we can drive the loop
        self.server: BaseWSGIServer | MultiSocketServer = create_server(
            receiver,
            map=self._map,
            host=host,
            port=port,
            threads=threads,
            # waitress refuses a larger body itself (413) before reading it all.
            max_request_body_size=receiver.max_body_bytes,
            connection_limit=500,
            channel_timeout=30,
            ident="asana-webhooks",
            clear_untrusted_proxy_headers=True,
        )
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one the OS chose for port 0)."""
        return int(getattr(self.server, "effective_port", 0))

    @property
    def url(self) -> str:
        host = str(getattr(self.server, "effective_host", "127.0.0.1"))
        return f"http://{host}:{self.port}"

    def run(self) -> None:
        """Serve in this thread until SIGINT/SIGTERM, then stop gracefully."""

        def stop(signum: int, frame: FrameType | None) -> None:
            logger.info("%s: stopping", signal.Signals(signum).name)
            self._stopping.set()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._serve()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def start(self) -> ReceiverServer:
        """Serve in a background thread; `stop` ends it."""
        self._thread = threading.Thread(target=self._serve, name="asana-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop a server started with `start` (gracefully, as on SIGTERM)."""
        if self._thread is None or not self._thread.is_alive():
            return
        self._stopping.set()
        trigger = getattr(self.server, "trigger", None)
        if trigger is not None:
            with contextlib.suppress(OSError):  # closed already: the loop has ended by itself
                trigger.pull_trigger()  # wake the loop now rather than at its next poll timeout
        if self._thread is not None:
            self._thread.join(timeout=self.drain_seconds + 10)

    def _serve(self) -> None:
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=0.2, map=self._map, use_poll=True, count=1)
            for dispatcher in list(self._map.values()):
                if isinstance(dispatcher, BaseWSGIServer):
                    dispatcher.accepting = False  # its readable() then stops accepting connections
            deadline = time.monotonic() + self.drain_seconds
            while self._busy() and time.monotonic() < deadline:
                wasyncore.loop(timeout=0.05, map=self._map, use_poll=True, count=1)
        finally:
            self.server.task_dispatcher.shutdown()
            wasyncore.close_all(self._map)
            self.receiver.queue.close()
            logger.info("stopped")

    def _busy(self) -> bool:
        """Requests queued or running, or answers not yet sent."""
        tasks = self.server.task_dispatcher
        return bool(
            tasks.active_count
            or tasks.queue
            or any(getattr(channel, "total_outbufs_len", 0) for channel in self._map.values())
        )
