"""Stories through the write API: comments on tasks and goals, editing and pinning them, deleting one's own;
the task's `modified_at` and the events that follow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from asana_sandbox.server import SandboxServer
from asana_sandbox.store import Record
from tests.sandbox_client import SandboxClient

from .helpers import ACME, PERSONAL, error_message, gids, workspace


@pytest.fixture(scope="module")
def client() -> Iterator[SandboxClient]:
    """One demo sandbox for the module: each test comments on a task it creates."""
    server = SandboxServer("demo", requests_per_minute=1_000_000).start()
    yield SandboxClient(server)
    server.stop()


def _task(client: SandboxClient, ws: str = ACME) -> Record:
    response = client.post("/tasks", {"name": "Discuss", "workspace": workspace(client.store, ws)["gid"]})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _modified_at(client: SandboxClient, task: Record) -> str:
    return client.get(f"/tasks/{task['gid']}", opt_fields="modified_at").json()["data"]["modified_at"]


def _error(response: requests.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    return error_message(response.json())


def test_a_comment_is_created_listed_and_moves_the_tasks_modified_at(client) -> None:
    task = _task(client)
    before = _modified_at(client, task)
    response = client.post(f"/tasks/{task['gid']}/stories", {"text": "On it", "is_pinned": True})
    assert response.status_code == 201
    story = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/stories/{story['gid']}")
    assert (story["type"], story["resource_subtype"], story["text"]) == ("comment", "comment_added", "On it")
    assert story["is_pinned"] is True
    shown = client.get(f"/stories/{story['gid']}", opt_fields="html_text").json()["data"]
    assert shown["html_text"] == "<body>On it</body>"
    assert story["created_by"]["gid"] == client.store.all("user")[0]["gid"]
    assert story["target"]["gid"] == task["gid"]
    assert story["gid"] in gids(client.get(f"/tasks/{task['gid']}/stories").json())
    assert _modified_at(client, task) > before
    events = [e for _, e, scopes in client.store.events if task["gid"] in scopes]
    assert ("added", story["gid"], task["gid"]) in {
        (e["action"], e["resource"]["gid"], (e["parent"] or {}).get("gid")) for e in events
    }


def test_html_text_gives_the_text_and_a_sticker_is_kept(client) -> None:
    task = _task(client)
    story = client.post(
        f"/tasks/{task['gid']}/stories",
        {"html_text": "<body>Ship <strong>it</strong> &amp; go</body>", "sticker_name": "trophy"},
    ).json()["data"]
    assert (story["text"], story["sticker_name"]) == ("Ship it & go", "trophy")


def test_a_comment_needs_text_and_takes_only_one_of_text_and_html_text(client) -> None:
    task = _task(client)
    url = f"/tasks/{task['gid']}/stories"
    assert _error(client.post(url, {"is_pinned": True})) == "text: Missing input"
    assert "Only one of" in _error(client.post(url, {"text": "a", "html_text": "<body>a</body>"}))
    assert "sticker_name" in _error(client.post(url, {"text": "a", "sticker_name": "unicorn"}))
    assert _error(client.post(url, {"text": 5})) == "text: Not a string: 5"
    assert client.get(f"/tasks/{task['gid']}/stories").json()["data"] == []
    assert client.post("/tasks/1/stories", {"text": "a"}).status_code == 404


def test_editing_a_comment_marks_it_edited_and_pins_it(client) -> None:
    task = _task(client)
    story = client.post(f"/tasks/{task['gid']}/stories", {"text": "Frist"}).json()["data"]
    assert story["is_edited"] is False
    updated = client.put(f"/stories/{story['gid']}", {"text": "First", "is_pinned": True}).json()["data"]
    assert (updated["text"], updated["is_edited"], updated["is_pinned"]) == ("First", True, True)
    shown = client.get(f"/stories/{story['gid']}", opt_fields="html_text").json()["data"]
    assert shown["html_text"] == "<body>First</body>"
    pinned_only = client.post(f"/tasks/{task['gid']}/stories", {"text": "x"}).json()["data"]
    unchanged = client.put(f"/stories/{pinned_only['gid']}", {"is_pinned": True}).json()["data"]
    assert unchanged["is_edited"] is False


def test_only_comments_can_be_edited_or_deleted(client) -> None:
    task = _task(client)
    client.put(f"/tasks/{task['gid']}", {"name": "Renamed"})
    system = next(
        s
        for s in client.get(f"/tasks/{task['gid']}/stories", opt_fields="type,text").json()["data"]
        if s["type"] == "system"
    )
    assert "Only comment stories" in _error(client.put(f"/stories/{system['gid']}", {"text": "forged"}))
    assert "pinned" in _error(client.put(f"/stories/{system['gid']}", {"is_pinned": True}))
    _error(client.delete(f"/stories/{system['gid']}"), 403)
    assert client.get(f"/stories/{system['gid']}").json()["data"]["text"] == system["text"]


def test_deleting_ones_own_comment_404s_and_moves_the_tasks_modified_at(client) -> None:
    task = _task(client)
    story = client.post(f"/tasks/{task['gid']}/stories", {"text": "oops"}).json()["data"]
    before = _modified_at(client, task)
    response = client.delete(f"/stories/{story['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert client.get(f"/stories/{story['gid']}").status_code == 404
    assert story["gid"] not in gids(client.get(f"/tasks/{task['gid']}/stories").json())
    assert _modified_at(client, task) > before
    removed = [e for _, e, _s in client.store.events if e["resource"]["gid"] == story["gid"]]
    assert removed[-1]["action"] == "removed" and removed[-1]["parent"]["gid"] == task["gid"]


def test_a_comment_by_someone_else_cannot_be_deleted(client) -> None:
    me = client.store.all("user")[0]["gid"]
    theirs = next(
        s
        for s in client.store.all("story")
        if s["resource_subtype"] == "comment_added" and s["created_by"]["gid"] != me
    )
    assert "only delete stories they have created" in _error(client.delete(f"/stories/{theirs['gid']}"), 403)
    assert client.get(f"/stories/{theirs['gid']}").status_code == 200


def test_goal_comments_are_premium_like_goals(client) -> None:
    paid = next(g for g in client.store.all("goal") if g["workspace"]["name"] == ACME)
    story = client.post(f"/goals/{paid['gid']}/stories", {"text": "On track"})
    assert story.status_code == 201 and story.json()["data"]["target"]["gid"] == paid["gid"]
    assert story.json()["data"]["gid"] in gids(client.get(f"/goals/{paid['gid']}/stories").json())
    free = [g for g in client.store.all("goal") if g["workspace"]["name"] == PERSONAL]
    if free:
        assert client.post(f"/goals/{free[0]['gid']}/stories", {"text": "x"}).status_code == 402
