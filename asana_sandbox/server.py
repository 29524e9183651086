"""Run the sandbox on a local port, in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import date
from types import TracebackType
from typing import Any

from werkzeug.serving import (
    LISTEN_QUEUE,
    BaseWSGIServer,
    WSGIRequestHandler,
    get_sockaddr,
    make_server,
    select_address_family,
)

from asana_sandbox.app import API_PREFIX, SandboxApp
from asana_sandbox.datasets import load_dataset
from asana_sandbox.errors import HELP
from asana_sandbox.oauth import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REDIRECT_URI,
    DEFAULT_REFRESH_TOKEN,
    DEFAULT_TOKEN,
    TokenRegistry,
)
from asana_sandbox.store import Store
from asana_sandbox.webhook_delivery import WebhookDeliverer, WebhookSettings

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_REFRESH_TOKEN",
    "DEFAULT_TOKEN",
    "SandboxServer",
    "build_app",
]


STOP_POLL_SECONDS = 0.05


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to the `asana_sandbox.access` logger at DEBUG, not to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logging.getLogger("asana_sandbox.access").debug('"%s" %s %s', self.requestline, code, size)

    def log_error(self, format: str, *args: Any) -> None:
        logging.getLogger("asana_sandbox.access").debug(format, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests http.server cannot parse (a garbled request line, bad headers) are answered here.

        Its default is an HTML page; the sandbox answers in Asana's error shape like everywhere else.
        """
        phrase = message or self.responses.get(code, ("Error", ""))[0]
        self.log_error("code %d, message %s", code, phrase)
        self.send_response(code, phrase)
        self.send_header("Connection", "close")
        if code < 200 or code in (204, 205, 304):
            self.end_headers()
            return
        body = json.dumps({"errors": [{"message": phrase, "help": HELP}]}).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def build_app(
    dataset: str = "demo",
    *,
    seed: int = 42,
    reference_date: date | None = None,
    tier: str | None = None,
    requests_per_minute: int | None = None,
    token: str = DEFAULT_TOKEN,
    service_account: bool = True,
    oauth_token_ttl: int = 3600,
    oauth_redirect_uris: tuple[str, ...] = (),
    allow_loopback_webhooks: bool = False,
    webhook_timeout: float = 10.0,
    control_token: str | None = None,
) -> SandboxApp:
    """The WSGI app over a freshly generated (or loaded) dataset.

    `allow_loopback_webhooks`: a sandbox-only affordance for local tests and demos: webhook targets on
    loopback (localhost, 127.x, ::1) are accepted instead of Asana's 403. `webhook_timeout`: seconds a target
    has to answer a handshake or a delivery (Asana's 10). `reference_date`: the day a built-in dataset's dates
    lead up to (default: today in UTC). `oauth_redirect_uris`: more redirect URLs registered for the sandbox's
    OAuth app, besides its defaults. `control_token`: required by the control endpoints (else loopback only).
    """
    store = Store(load_dataset(dataset, seed, reference_date))
    users = store.all("user")
    if not users:
        raise ValueError(f"dataset {dataset!r} has no users: the token needs one to act as")
    tokens = TokenRegistry(
        users[0]["gid"],
        pat=token,
        service_account=service_account,
        access_token_ttl=oauth_token_ttl,
        redirect_uris=tuple(oauth_redirect_uris),
    )
    webhooks = WebhookSettings(allow_loopback=allow_loopback_webhooks, timeout_seconds=webhook_timeout)
    return SandboxApp(
        store,
        tokens=tokens,
        tier_override=tier,
        requests_per_minute=requests_per_minute,
        seed=seed,
        webhooks=webhooks,
        control_token=control_token,
    )


def _make_server(host: str, port: int, app: SandboxApp) -> BaseWSGIServer:
    """A threaded server on a socket bound here, so that a busy port raises OSError.

    Left to bind by itself, werkzeug prints to stderr and calls `sys.exit(1)` when the port is taken.
    """
    family = select_address_family(host, port)
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(get_sockaddr(host, port, family))
        listener.listen(LISTEN_QUEUE)
        return make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler, fd=listener.fileno()
        )
    finally:
        listener.close()  # the server holds its own duplicate of the socket


class SandboxServer:
    """A sandbox bound to a loopback port; `port=0` picks a free one."""

    def __init__(
        self, dataset: str = "demo", *, host: str = "127.0.0.1", port: int = 0, **options: object
    ) -> None:
        self.token = str(options.get("token", DEFAULT_TOKEN))
        self.app = build_app(dataset, **options)  # type: ignore[arg-type]
        self._server: BaseWSGIServer = _make_server(host, port, self.app)
        self._thread: threading.Thread | None = None

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def webhooks(self) -> WebhookDeliverer:
        """Webhook deliveries: `flush()`, `heartbeat()`, `advance(seconds)`, `stats()`, `configure({...})`."""
        return self.app.webhooks

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    def start(self) -> SandboxServer:
        # A short poll interval: stop() waits for the loop to notice, and tests start and stop many sandboxes.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": STOP_POLL_SECONDS},
            name="asana-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self.app.webhooks.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
