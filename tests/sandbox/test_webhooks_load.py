"""Webhooks under load and at shutdown: a burst of thousands of events, slow targets, a stop mid-way."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from asana_sandbox.server import SandboxServer
from tests.sandbox.helpers import workspace
from tests.sandbox.webhook_receiver import Receiver
from tests.sandbox_client import SandboxClient


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """A sandbox this module stops itself (the shutdown is under test)."""
    running = SandboxServer("demo", requests_per_minute=1_000_000, allow_loopback_webhooks=True).start()
    yield running
    running.stop()


def _webhooks_on_every_project(client: SandboxClient, receiver: Receiver) -> list[str]:
    projects = [p["gid"] for p in client.store.all("project")]
    for gid in projects:
        response = client.post("/webhooks", {"resource": gid, "target": f"{receiver.url}/{gid}"})
        assert response.status_code == 201, response.text
    return projects


def test_a_burst_of_2000_events_is_delivered_completely(server: SandboxServer, receiver: Receiver) -> None:
    """Simulated days of work in quick succession; every project's webhook gets each of its events once,
    in order, signed, by the background deliveries alone (no flush)."""
    client = SandboxClient(server)
    projects = _webhooks_on_every_project(client, receiver)
    before = len(server.store.events)
    started = time.monotonic()
    seed, expected_total = 0, 0
    while expected_total < 2000:
        seed += 1
        client.control("mutate", {"fraction": 1.0, "seed": seed})
        log = server.store.events[before:]
        expected_total = sum(1 for _, _, scopes in log for gid in projects if gid in scopes)
    expected = {gid: [e for _, e, scopes in log if gid in scopes] for gid in projects}
    receiver.wait_for(expected_total, timeout=60)
    elapsed = time.monotonic() - started
    for gid in projects:
        assert receiver.events(f"/{gid}") == expected[gid], gid
    assert len(receiver.events()) == expected_total >= 2000
    stats = client.control("webhooks")["webhooks"]
    assert stats["deliveries"]["events_delivered"] == expected_total
    assert stats["deliveries"]["failed"] == 0 and stats["pending_events"] == 0
    print(f"{expected_total} events to {len(projects)} webhooks delivered in {elapsed:.2f} s")


def test_a_slow_target_never_holds_up_api_requests(server: SandboxServer, receiver: Receiver) -> None:
    client = SandboxClient(server)
    project = client.store.all("project")[0]
    assert client.post("/webhooks", {"resource": project["gid"], "target": receiver.url}).status_code == 201
    server.webhooks.flush()
    receiver.delay = 3.0
    task = client.store.related("task", "projects", project["gid"])[0]
    client.put(f"/tasks/{task['gid']}", {"name": "Slowly delivered"})
    time.sleep(0.3)  # the delivery is in flight now
    started = time.monotonic()
    for _ in range(5):
        assert client.get(f"/tasks/{task['gid']}").status_code == 200
        assert client.put(f"/tasks/{task['gid']}", {"notes": "meanwhile"}).status_code == 200
    assert client.get("/webhooks", workspace=workspace(client.store)["gid"]).status_code == 200
    assert client.control("webhooks")["webhooks"]["pending_events"] >= 1
    assert time.monotonic() - started < 2.0  # well before the 3 s delivery is answered


def test_stopping_the_server_drops_pending_deliveries_at_once(receiver: Receiver) -> None:
    server = SandboxServer("demo", requests_per_minute=1_000_000, allow_loopback_webhooks=True).start()
    client = SandboxClient(server)
    project = client.store.all("project")[0]
    body = {"resource": project["gid"], "target": receiver.url, "filters": [{"action": "changed"}]}
    assert client.post("/webhooks", body).status_code == 201
    server.webhooks.flush()
    # One delivery in flight to a slow target, more events waiting behind it.
    receiver.delay = 3.0
    tasks = client.store.related("task", "projects", project["gid"])[:5]
    client.put(f"/tasks/{tasks[0]['gid']}", {"name": "In flight"})
    time.sleep(0.3)
    for task in tasks[1:]:
        client.put(f"/tasks/{task['gid']}", {"name": "Pending"})
    pending = server.webhooks.stats()["pending_events"]
    assert pending == 5  # the batch in flight (1 event) and the 4 behind it
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.5  # an in-flight POST gets a second, the 3 s target is not awaited
    stats = server.webhooks.stats()
    # The batch in flight is the target's to answer; the events behind it are dropped.
    assert stats["deliveries"]["dropped_at_shutdown"] == pending - 1
    names = {t.name for t in threading.enumerate()}
    assert "asana-sandbox-webhooks" not in names
    received = len(receiver.deliveries)
    time.sleep(0.5)
    assert len(receiver.deliveries) == received  # nothing is sent after the stop
