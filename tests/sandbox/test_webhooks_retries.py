"""Failed deliveries: retries with backoff and their counters, deletion after 24 hours; heartbeats every 8 h.

Hours pass on the sandbox's delivery clock (`POST /_sandbox/webhooks/clock`), not in real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from tests.sandbox.helpers import error_message, workspace
from tests.sandbox.webhook_receiver import Receiver
from tests.sandbox_client import SandboxClient

HOUR = 3600


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def hooks(sandbox_factory: Callable[..., SandboxClient]) -> SandboxClient:
    return sandbox_factory(allow_loopback_webhooks=True)


def _at(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _setup(client: SandboxClient, receiver: Receiver) -> tuple[str, str]:
    """A webhook on a project (its heartbeat made) and a task of that project: (webhook gid, task gid)."""
    project = client.store.related("project", "workspace", workspace(client.store)["gid"])[0]
    body = {"resource": project["gid"], "target": receiver.url + "/p"}
    response = client.post("/webhooks", {**body, "filters": [{"resource_type": "task", "action": "changed"}]})
    assert response.status_code == 201, response.text
    client.webhooks.flush()
    task = client.store.related("task", "projects", project["gid"])[0]
    return response.json()["data"]["gid"], task["gid"]


def _hook(client: SandboxClient, gid: str) -> dict[str, Any]:
    data: dict[str, Any] = client.get(f"/webhooks/{gid}").json()["data"]
    return data


def _advance(client: SandboxClient, seconds: float) -> dict[str, Any]:
    stats: dict[str, Any] = client.control("webhooks/clock", {"advance_seconds": seconds})["webhooks"]
    return stats


def test_a_failed_delivery_is_retried_with_exponential_backoff_until_it_succeeds(
    hooks: SandboxClient, receiver: Receiver
) -> None:
    gid, task = _setup(hooks, receiver)
    receiver.status = 500
    hooks.put(f"/tasks/{task}", {"name": "Delivered at the fourth attempt"})
    hooks.webhooks.flush()
    waits = []
    for attempt in (1, 2, 3):
        hook = _hook(hooks, gid)
        assert hook["delivery_retry_count"] == attempt
        assert hook["last_failure_content"] == "500 Internal Server Error\n\nok"
        waits.append(_at(hook["next_attempt_after"]) - _at(hook["last_failure_at"]))
        if attempt == 1:
            first_failure = _at(hook["last_failure_at"])
        assert _at(hook["failure_deletion_timestamp"]) - first_failure == pytest.approx(24 * HOUR, abs=0.01)
        assert receiver.events() == []
        _advance(hooks, waits[-1] - 1)  # not yet due
        assert _hook(hooks, gid)["delivery_retry_count"] == attempt
        if attempt == 3:
            receiver.status = 200
        _advance(hooks, 1)
    assert waits == pytest.approx([60, 120, 240], abs=0.01)
    hook = _hook(hooks, gid)
    # The spec does not make these two nullable: the sandbox leaves them out when there is no date.
    assert hook["delivery_retry_count"] == 0
    assert "next_attempt_after" not in hook and "failure_deletion_timestamp" not in hook
    assert _at(hook["last_success_at"]) > _at(hook["last_failure_at"])
    assert [e["change"]["new_value"] for e in receiver.events()] == ["Delivered at the fourth attempt"]
    assert len([d for d in receiver.deliveries if d.events]) == 4  # the same batch, four times
    stats = hooks.control("webhooks")["webhooks"]["deliveries"]
    assert (stats["failed"], stats["retries"], stats["events_delivered"]) == (3, 3, 1)


def test_the_backoff_stops_growing_at_an_hour(hooks: SandboxClient, receiver: Receiver) -> None:
    gid, task = _setup(hooks, receiver)
    receiver.status = 503
    hooks.put(f"/tasks/{task}", {"name": "Never delivered"})
    hooks.webhooks.flush()
    for _ in range(7):  # waits of 60 s x 2^n reach an hour at the 7th retry
        _advance(hooks, HOUR)
    hook = _hook(hooks, gid)
    assert hook["delivery_retry_count"] == 8
    assert _at(hook["next_attempt_after"]) - _at(hook["last_failure_at"]) == pytest.approx(HOUR, abs=0.01)


def test_a_target_too_slow_to_answer_is_a_failure(
    sandbox_factory: Callable[..., SandboxClient], receiver: Receiver
) -> None:
    client = sandbox_factory(allow_loopback_webhooks=True, webhook_timeout=0.3)
    gid, task = _setup(client, receiver)
    receiver.delay = 1.0
    client.put(f"/tasks/{task}", {"name": "Too slow"})
    client.webhooks.flush()
    hook = _hook(client, gid)
    assert (hook["delivery_retry_count"], hook["last_failure_content"]) == (1, "Timed out after 0.3 seconds")


def test_a_webhook_that_cannot_deliver_for_24_hours_is_deleted(
    hooks: SandboxClient, receiver: Receiver
) -> None:
    gid, task = _setup(hooks, receiver)
    receiver.status = 500
    hooks.put(f"/tasks/{task}", {"name": "Never delivered"})
    hooks.webhooks.flush()
    deletion = _at(_hook(hooks, gid)["failure_deletion_timestamp"])
    for _ in range(23):
        stats = _advance(hooks, HOUR)
    assert _hook(hooks, gid)["delivery_retry_count"] > 5  # still there after 23 hours of failures
    assert _at(stats["clock"]) < deletion
    stats = _advance(hooks, HOUR)
    assert hooks.get(f"/webhooks/{gid}").status_code == 404
    assert stats["webhooks_deleted"] == 1 and gid not in stats["by_webhook"]
    acme = workspace(hooks.store)["gid"]
    assert gid not in {h["gid"] for h in hooks.get("/webhooks", workspace=acme).json()["data"]}


def test_one_success_within_24_hours_keeps_the_webhook(hooks: SandboxClient, receiver: Receiver) -> None:
    gid, task = _setup(hooks, receiver)
    receiver.status = 500
    hooks.put(f"/tasks/{task}", {"name": "Late"})
    hooks.webhooks.flush()
    for _ in range(20):
        _advance(hooks, HOUR)
    receiver.status = 200
    _advance(hooks, HOUR)
    receiver.status = 500
    hooks.put(f"/tasks/{task}", {"name": "Failing again"})
    hooks.webhooks.flush()
    for _ in range(10):
        _advance(hooks, HOUR)  # 31 hours since the first failure, 10 since the last success
    hook = _hook(hooks, gid)
    assert _at(hook["failure_deletion_timestamp"]) > _at(hook["last_success_at"])
    assert [e["change"]["new_value"] for e in receiver.events()] == ["Late"]


def test_heartbeats_every_8_hours(hooks: SandboxClient, receiver: Receiver) -> None:
    gid, _ = _setup(hooks, receiver)
    beats = lambda: len([d for d in receiver.accepted() if not d.events])  # noqa: E731
    assert beats() == 1  # the one after the handshake
    _advance(hooks, 8 * HOUR - 60)
    assert beats() == 1
    _advance(hooks, 60)
    assert beats() == 2
    _advance(hooks, 8 * HOUR)
    assert beats() == 3
    stats = hooks.control("webhooks/heartbeat", {})["webhooks"]  # one now, on demand
    assert beats() == 4 and stats["deliveries"]["heartbeats"] == 4
    assert stats["by_webhook"][gid]["heartbeats"] == 4
    assert all(d.headers["x-hook-signature"] for d in receiver.accepted())


def test_failed_heartbeats_count_towards_the_deletion_too(hooks: SandboxClient, receiver: Receiver) -> None:
    gid, _ = _setup(hooks, receiver)
    receiver.status = 500
    _advance(hooks, 8 * HOUR)
    assert _hook(hooks, gid)["delivery_retry_count"] == 1
    for _ in range(24):
        _advance(hooks, HOUR)
    assert hooks.get(f"/webhooks/{gid}").status_code == 404


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("webhooks/clock", {}, "advance_seconds: Missing input"),
        ("webhooks/clock", {"advance_seconds": -1}, "advance_seconds: Must be a number of seconds"),
        ("webhooks/clock", {"advance_seconds": "1h"}, "advance_seconds: Must be a number of seconds"),
        ("webhooks/flush", {"wait_seconds": True}, "wait_seconds: Must be a number of seconds"),
        ("webhooks", {"timeout_seconds": 0}, "timeout_seconds: Not a valid value"),
        ("webhooks", {"allow_loopback": "yes"}, "allow_loopback: Not a valid value"),
        ("webhooks", {"retries": 3}, "retries: Not a webhook setting"),
    ],
)
def test_bad_control_requests_are_refused(hooks: SandboxClient, name: str, body: Any, message: str) -> None:
    response = requests.post(f"{hooks.root_url}/_sandbox/{name}", json=body, timeout=10)
    assert response.status_code == 400
    assert message in error_message(response.json())


def test_a_nan_number_is_refused(hooks: SandboxClient) -> None:
    url = f"{hooks.root_url}/_sandbox/webhooks/clock"
    response = requests.post(url, data='{"advance_seconds": NaN}', timeout=10)
    assert response.status_code == 400
    assert hooks.control("webhooks")["webhooks"]["clock_offset_seconds"] == 0
