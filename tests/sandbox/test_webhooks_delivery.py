"""Deliveries: signed batches of the webhook's events, as the Events API shows them, through its filters."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.sandbox.helpers import workspace
from tests.sandbox.webhook_receiver import Receiver
from tests.sandbox_client import SandboxClient


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def hooks(sandbox_factory: Callable[..., SandboxClient]) -> SandboxClient:
    return sandbox_factory(allow_loopback_webhooks=True)


def _project(client: SandboxClient) -> dict[str, Any]:
    return client.store.related("project", "workspace", workspace(client.store)["gid"])[0]


def _task(client: SandboxClient, project: dict[str, Any]) -> dict[str, Any]:
    return client.store.related("task", "projects", project["gid"])[0]


def _create(client: SandboxClient, resource: str, target: str, filters: Any = None) -> tuple[str, str]:
    """A webhook (gid, secret) whose first delivery, the heartbeat, has been made."""
    body: dict[str, Any] = {"resource": resource, "target": target}
    if filters is not None:
        body["filters"] = filters
    response = client.post("/webhooks", body)
    assert response.status_code == 201, response.text
    client.webhooks.flush()
    return response.json()["data"]["gid"], response.json()["X-Hook-Secret"]


def _sync(client: SandboxClient, resource: str) -> str:
    """A fresh Events API sync token of `resource` (the first call answers 412 with one)."""
    response = client.get("/events", resource=resource)
    assert response.status_code == 412
    token: str = response.json()["sync"]
    return token


def test_a_change_arrives_within_a_second_signed_as_the_events_api_shows_it(
    hooks: SandboxClient, receiver: Receiver
) -> None:
    project = _project(hooks)
    _, secret = _create(hooks, project["gid"], receiver.url + "/p")
    token = _sync(hooks, project["gid"])
    task = _task(hooks, project)
    started = time.monotonic()
    assert hooks.put(f"/tasks/{task['gid']}", {"name": "Renamed by the test"}).status_code == 200
    delivered = receiver.wait_for(2, timeout=5)  # the change and the story it makes
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed  # about 0.1 s on an idle machine: the 100 ms batch window and the POST
    polled = hooks.get("/events", resource=project["gid"], sync=token).json()["data"]
    assert delivered == polled
    assert delivered[0]["action"] == "changed" and delivered[0]["change"]["field"] == "name"
    deliveries = receiver.accepted("/p")
    assert all(d.signed_by(secret) for d in deliveries)
    assert all(d.headers["content-type"] == "application/json" for d in deliveries)
    assert not deliveries[-1].signed_by("0" * 64)


def test_changes_made_together_arrive_together(hooks: SandboxClient, receiver: Receiver) -> None:
    """Ten edits in one Batch API call make one delivery, not ten."""
    hooks.webhooks.configure({"batch_window_ms": 1000})  # room for a loaded machine (the default is 100)
    project = _project(hooks)
    _create(hooks, project["gid"], receiver.url + "/p", [{"resource_type": "task", "action": "changed"}])
    tasks = hooks.store.related("task", "projects", project["gid"])[:10]
    actions = [
        {"method": "put", "relative_path": f"/tasks/{t['gid']}", "data": {"notes": f"note {i}"}}
        for i, t in enumerate(tasks)
    ]
    assert hooks.post("/batch", {"actions": actions}).status_code == 200
    events = receiver.wait_for(10, timeout=5)
    assert {e["resource"]["gid"] for e in events} == {t["gid"] for t in tasks}
    assert {e["change"]["field"] for e in events} <= {"notes", "html_notes"}
    assert len([d for d in receiver.accepted() if d.events]) == 1


def test_a_large_change_is_sent_in_batches_of_at_most_100_in_order(
    hooks: SandboxClient, receiver: Receiver
) -> None:
    """Two simulated days of work: each project's webhook gets exactly the events its stream logged."""
    projects = hooks.store.all("project")
    for project in projects:
        _create(hooks, project["gid"], f"{receiver.url}/{project['gid']}")
    before = len(hooks.store.events)
    hooks.control("mutate", {"fraction": 1.0, "seed": 3})
    hooks.control("mutate", {"fraction": 1.0, "seed": 4})
    hooks.control("webhooks/flush", {})
    sizes = []
    for project in projects:
        expected = [e for _, e, scopes in hooks.store.events[before:] if project["gid"] in scopes]
        assert receiver.events(f"/{project['gid']}") == expected
        sizes += [len(d.events) for d in receiver.accepted(f"/{project['gid']}") if d.events]
    assert max(sizes) == 100  # at least one project had more than a delivery's worth


def test_only_events_that_pass_a_filter_are_delivered(hooks: SandboxClient, receiver: Receiver) -> None:
    project = _project(hooks)
    filters = [
        {"resource_type": "task", "action": "changed", "fields": ["due_on"]},
        {"resource_type": "story", "resource_subtype": "comment_added", "action": "added"},
    ]
    _create(hooks, project["gid"], receiver.url + "/p", filters)
    task = _task(hooks, project)
    hooks.put(f"/tasks/{task['gid']}", {"name": "Not delivered", "notes": "Nor this"})
    hooks.put(f"/tasks/{task['gid']}", {"due_on": "2031-01-02"})
    hooks.post(f"/tasks/{task['gid']}/stories", {"text": "A comment"})
    hooks.webhooks.flush()
    got = [
        (e["resource"]["resource_type"], e["action"], (e.get("change") or {}).get("field"))
        for e in receiver.events()
    ]
    assert got == [("task", "changed", "due_on"), ("story", "added", None)]
    assert receiver.events()[1]["resource"]["resource_subtype"] == "comment_added"


def test_a_workspace_webhook_gets_project_events_never_task_or_story_ones(
    hooks: SandboxClient, receiver: Receiver
) -> None:
    space = workspace(hooks.store)
    _create(hooks, space["gid"], receiver.url + "/w", [{"resource_type": "project", "action": "added"}])
    project = _project(hooks)
    task = _task(hooks, project)
    hooks.put(f"/tasks/{task['gid']}", {"name": "Not for the workspace webhook"})
    hooks.post(f"/tasks/{task['gid']}/stories", {"text": "Nor this"})
    team = hooks.store.related("team", "organization", space["gid"])[0]
    created = hooks.post("/projects", {"name": "Delivered", "workspace": space["gid"], "team": team["gid"]})
    assert created.status_code == 201
    hooks.webhooks.flush()
    events = receiver.events()
    assert {(e["resource"]["resource_type"], e["action"]) for e in events} == {("project", "added")}
    assert created.json()["data"]["gid"] in {e["resource"]["gid"] for e in events}


def test_new_filters_apply_to_the_next_changes_and_a_deleted_webhook_gets_nothing(
    hooks: SandboxClient, receiver: Receiver
) -> None:
    project = _project(hooks)
    gid, _ = _create(
        hooks, project["gid"], receiver.url + "/p", [{"resource_type": "task", "action": "deleted"}]
    )
    task = _task(hooks, project)
    hooks.put(f"/tasks/{task['gid']}", {"name": "Filtered out"})
    hooks.webhooks.flush()
    assert receiver.events() == []
    hooks.put(f"/webhooks/{gid}", {"filters": [{"resource_type": "task", "action": "changed"}]})
    hooks.put(f"/tasks/{task['gid']}", {"name": "Now delivered"})
    hooks.webhooks.flush()
    assert [e["change"]["new_value"] for e in receiver.events()] == ["Now delivered"]
    assert hooks.delete(f"/webhooks/{gid}").status_code == 200
    hooks.put(f"/tasks/{task['gid']}", {"name": "After the delete"})
    hooks.webhooks.flush()
    assert len(receiver.events()) == 1
    assert gid not in hooks.control("webhooks")["webhooks"]["by_webhook"]


def test_events_from_before_the_webhook_are_not_sent(hooks: SandboxClient, receiver: Receiver) -> None:
    project = _project(hooks)
    task = _task(hooks, project)
    hooks.put(f"/tasks/{task['gid']}", {"name": "Before the webhook"})
    _create(hooks, project["gid"], receiver.url + "/p")
    hooks.webhooks.flush()
    assert receiver.events() == []


def test_the_datasets_webhooks_are_records_only(hooks: SandboxClient, receiver: Receiver) -> None:
    """A dataset's webhook has no secret shared with anyone: the sandbox sends it nothing."""
    (record,) = hooks.store.all("webhook")
    hooks.put(f"/tasks/{_task(hooks, _project(hooks))['gid']}", {"due_on": "2031-05-06"})
    stats = hooks.control("webhooks/flush", {})["webhooks"]
    assert record["gid"] not in stats["by_webhook"]
    assert stats["deliveries"]["attempted"] == 0


def test_stats_count_what_was_sent(hooks: SandboxClient, receiver: Receiver) -> None:
    project = _project(hooks)
    gid, _ = _create(
        hooks, project["gid"], receiver.url + "/p", [{"resource_type": "task", "action": "changed"}]
    )
    for name in ("one", "two", "three"):
        hooks.put(f"/tasks/{_task(hooks, project)['gid']}", {"name": name})
        hooks.webhooks.flush()
    stats = hooks.control("stats")["webhooks"]  # the general stats carry them too
    assert stats["deliveries"] | {"dropped_at_shutdown": 0} == {
        "attempted": 4,
        "succeeded": 4,
        "failed": 0,
        "retries": 0,
        "events_delivered": 3,
        "heartbeats": 1,
        "dropped_at_shutdown": 0,
    }
    mine = stats["by_webhook"][gid]
    assert (mine["attempted"], mine["events_delivered"], mine["pending_events"]) == (4, 3, 0)
    assert mine["last_success_at"] is not None and mine["delivery_retry_count"] == 0
