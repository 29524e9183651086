"""The handshake `POST /webhooks` makes with its target, and the loopback opt-in (sandbox only)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from asana_sandbox.models.webhooks import HANDSHAKE_FAILED
from tests.sandbox.helpers import error_message, workspace
from tests.sandbox.webhook_receiver import Receiver
from tests.sandbox_client import SandboxClient


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def hooks(sandbox_factory: Callable[..., SandboxClient]) -> SandboxClient:
    """A sandbox that lets webhook targets on loopback through, with a short timeout for the slow cases."""
    return sandbox_factory(allow_loopback_webhooks=True, webhook_timeout=0.5)


def _project(client: SandboxClient) -> dict[str, Any]:
    return client.store.related("project", "workspace", workspace(client.store)["gid"])[0]


def _create(client: SandboxClient, target: str, **extra: Any) -> requests.Response:
    return client.post("/webhooks", {"resource": _project(client)["gid"], "target": target, **extra})


def test_handshake_echoed_creates_an_active_webhook_then_a_heartbeat(
    hooks: SandboxClient, receiver: Receiver
) -> None:
    response = _create(hooks, receiver.url + "/hooks/1?app=state")
    assert response.status_code == 201, response.text
    secret, hook = response.json()["X-Hook-Secret"], response.json()["data"]
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert hook["active"] is True
    # The handshake: a POST to the full target (query kept), the secret in a header, no body, no signature.
    (shake,) = receiver.handshakes
    assert (shake.path, shake.body, shake.headers["x-hook-secret"]) == ("/hooks/1?app=state", b"", secret)
    assert "x-hook-signature" not in shake.headers
    # Then a heartbeat: an empty, signed list of events, and no secret.
    hooks.webhooks.flush()
    (beat,) = receiver.accepted()
    assert beat.events == [] and beat.signed_by(secret) and "x-hook-secret" not in beat.headers
    stats = hooks.control("webhooks")["webhooks"]
    assert stats["handshakes"] == {"succeeded": 1, "failed": 0}
    assert stats["by_webhook"][hook["gid"]]["heartbeats"] == 1


def test_a_204_echo_is_accepted(hooks: SandboxClient) -> None:
    """Asana accepts 200 or 204 with the echo: a target answering 204 is accepted too."""

    class Echo204(Receiver):
        def _answer_handshake(self, handler: Any, got: Any, secret: str) -> None:
            self.handshakes.append(got)
            handler.send_response(204)
            handler.send_header("X-Hook-Secret", secret)
            handler.end_headers()

    with Echo204() as target:
        assert _create(hooks, target.url + "/h").status_code == 201


@pytest.mark.parametrize("mode", ["no_echo", "wrong", "500"])
def test_a_target_that_does_not_echo_the_secret_is_refused(
    hooks: SandboxClient, receiver: Receiver, mode: str
) -> None:
    receiver.handshake = mode
    before = hooks.store.counts().get("webhook", 0)
    response = _create(hooks, receiver.url + "/h")
    assert response.status_code == 400
    assert error_message(response.json()) == HANDSHAKE_FAILED
    assert len(receiver.handshakes) == 1
    assert hooks.store.counts().get("webhook", 0) == before
    assert hooks.control("webhooks")["webhooks"]["handshakes"] == {"succeeded": 0, "failed": 1}


def test_a_handshake_answered_too_late_is_refused(hooks: SandboxClient, receiver: Receiver) -> None:
    receiver.handshake, receiver.handshake_delay = "slow", 1.5  # the sandbox waits 0.5 s here (Asana: 10 s)
    started = time.monotonic()
    response = _create(hooks, receiver.url + "/h")
    assert response.status_code == 400
    assert error_message(response.json()) == HANDSHAKE_FAILED
    assert time.monotonic() - started < 1.4


def test_a_target_nobody_listens_on_is_refused(hooks: SandboxClient, receiver: Receiver) -> None:
    url = receiver.url
    receiver.__exit__(None, None, None)  # the port is closed now
    response = _create(hooks, url + "/h")
    assert (response.status_code, error_message(response.json())) == (400, HANDSHAKE_FAILED)


def test_a_slow_handshake_holds_up_the_create_only(
    sandbox_factory: Callable[..., SandboxClient], receiver: Receiver
) -> None:
    client = sandbox_factory(allow_loopback_webhooks=True, webhook_timeout=5)
    receiver.handshake, receiver.handshake_delay = "slow", 2.0
    answer: dict[str, requests.Response] = {}
    create = threading.Thread(target=lambda: answer.setdefault("r", _create(client, receiver.url + "/h")))
    create.start()
    while not receiver.handshakes:
        time.sleep(0.01)
    started = time.monotonic()
    assert client.get("/users/me").status_code == 200
    task = client.store.all("task")[0]
    assert client.put(f"/tasks/{task['gid']}", {"name": "Edited meanwhile"}).status_code == 200
    assert time.monotonic() - started < 1.5  # the other requests did not wait for the 2 s handshake
    create.join(timeout=10)
    assert answer["r"].status_code == 201


def test_loopback_targets_are_refused_by_default_before_any_handshake(
    sandbox: SandboxClient, receiver: Receiver
) -> None:
    response = _create(sandbox, receiver.url + "/h")
    assert response.status_code == 403
    assert error_message(response.json()) == "target: Invalid hostname: 127.0.0.1"
    assert receiver.handshakes == []


@pytest.mark.parametrize("target", ["https://10.1.2.3/hook", "http://192.168.0.7/hook", "http://[::]/x"])
def test_the_loopback_opt_in_lets_no_other_local_address_through(hooks: SandboxClient, target: str) -> None:
    assert _create(hooks, target).status_code == 403


def test_loopback_can_be_allowed_at_run_time(sandbox: SandboxClient, receiver: Receiver) -> None:
    assert sandbox.control("webhooks", {"allow_loopback": True})["webhooks"]["allow_loopback"] is True
    assert _create(sandbox, f"http://localhost:{receiver.server.server_address[1]}/h").status_code == 201


def test_the_cli_flag_allows_loopback_targets(receiver: Receiver) -> None:
    """`asana-sandbox serve --allow-loopback-webhooks` (the installed console script's code, in a child)."""
    command = [sys.executable, "-c", "from asana_sandbox.cli import run; run()", "serve", "--port", "0"]
    child = subprocess.Popen(
        [*command, "--allow-loopback-webhooks", "--webhook-timeout", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert child.stdout is not None
        lines = [child.stdout.readline() for _ in range(5)]
        base = next(line.split()[-1] for line in lines if line.startswith("base URL:"))
        token = next(line.split()[-1] for line in lines if line.startswith("token (PAT):"))
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        space = session.get(f"{base}/workspaces", timeout=10).json()["data"][0]["gid"]
        project = session.get(f"{base}/projects", params={"workspace": space}, timeout=10).json()["data"][0]
        body = {"data": {"resource": project["gid"], "target": receiver.url + "/cli"}}
        assert session.post(f"{base}/webhooks", json=body, timeout=10).status_code == 201
        assert [h.path for h in receiver.handshakes] == ["/cli"]
    finally:
        child.terminate()
        child.wait(timeout=10)
