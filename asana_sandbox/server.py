"""Run the sandbox on a local port, in a background thread (tests) or in the foreground (CLI)."""

from __future__ import annotations

import json
import threading
from datetime import date
from types import TracebackType
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server
from waitress.task import ErrorTask, WSGITask

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
# Enough workers for the sandbox's own concurrency limits (429 above 50 reads / 15 writes in flight) to answer
# rather than queue, with room for control requests and requests held by the `delay_ms` fault.
WORKER_THREADS = 100
# Request line plus headers; above it the answer is 431 (Asana's front ends refuse such requests too).
MAX_HEADER_BYTES = 64 * 1024
SOCKET_ENVIRON_KEY = "asana_sandbox.socket"


class _SandboxTask(WSGITask):
    """A request for the app; its environ carries the client socket, for the `drop` fault."""

    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[SOCKET_ENVIRON_KEY] = self.channel.socket
        return environ


class _AsanaErrorTask(ErrorTask):
    """Requests waitress cannot parse (bad request line or headers, headers too large) are answered here.

    waitress's default is a plain-text page; the sandbox answers in Asana's error shape like everywhere else.
    """

    def execute(self) -> None:
        error: Any = getattr(self.request, "error", None)  # the parser's waitress.utilities.Error
        body = json.dumps({"errors": [{"message": f"{error.reason}: {error.body}", "help": HELP}]}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers = [("Content-Type", "application/json")]
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _SandboxChannel(HTTPChannel):
    task_class = _SandboxTask
    error_task_class = _AsanaErrorTask


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


def _make_server(
    host: str, port: int, app: SandboxApp, socket_map: dict[int, Any]
) -> BaseWSGIServer | MultiSocketServer:
    """waitress on `host:port`, HTTP/1.1 with keep-alive as Asana's API; a busy port raises OSError here."""
    server = create_server(
        app,
        map=socket_map,
        host=host,
        port=port,
        threads=WORKER_THREADS,
        max_request_header_size=MAX_HEADER_BYTES,
        connection_limit=1000,
        ident="",  # no `Server: waitress` header; Asana names no server either
        log_socket_errors=False,  # clients hanging up (and the `drop` fault) are not errors
        clear_untrusted_proxy_headers=True,
    )
    for dispatcher in socket_map.values():  # every listening socket (a name may resolve to several)
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = _SandboxChannel
    return server


class SandboxServer:
    """A sandbox bound to a loopback port; `port=0` picks a free one."""

    def __init__(
        self, dataset: str = "demo", *, host: str = "127.0.0.1", port: int = 0, **options: object
    ) -> None:
        self.token = str(options.get("token", DEFAULT_TOKEN))
        self.app = build_app(dataset, **options)  # type: ignore[arg-type]
        self._map: dict[int, Any] = {}  # waitress's socket map, ours so that stop() can end the loop
        self._server = _make_server(host, port, self.app, self._map)
        self._stopping = threading.Event()
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
        if isinstance(self._server, MultiSocketServer):
            host, port = self._server.effective_listen[0][:2]
        else:
            host, port = self._server.effective_host, self._server.effective_port  # type: ignore[attr-defined]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    def start(self) -> SandboxServer:
        """Serve in a background thread; `stop` ends it."""
        self._thread = threading.Thread(target=self.serve_forever, name="asana-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until `stop` (or KeyboardInterrupt), then close every socket."""
        try:
            while not self._stopping.is_set():
                # A short poll: stop() waits for the loop to notice, and tests start and stop many sandboxes.
                wasyncore.loop(timeout=STOP_POLL_SECONDS, map=self._map, use_poll=True, count=1)
        finally:
            self._server.task_dispatcher.shutdown(timeout=5)
            wasyncore.close_all(self._map)

    def stop(self) -> None:
        self.app.webhooks.stop()
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        else:  # never served: release the port and the worker threads
            self._server.task_dispatcher.shutdown(timeout=5)
            wasyncore.close_all(self._map)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
