"""Tags through the write API: create, update, tag and untag tasks, delete; events and errors."""

from __future__ import annotations

import pytest

from tests.sandbox_client import SandboxClient


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _workspace(client: SandboxClient) -> str:
    return client.store.all("workspace")[0]["gid"]


def _task(client: SandboxClient) -> dict:
    return next(t for t in client.store.all("task") if t.get("projects"))


def test_create_answers_201_with_location_and_is_listed(client: SandboxClient) -> None:
    workspace = _workspace(client)
    response = client.post("/tags", {"name": "Blocked", "color": "dark-red", "workspace": workspace})
    assert response.status_code == 201
    tag = response.json()["data"]
    assert tag["name"] == "Blocked" and tag["color"] == "dark-red"
    assert tag["workspace"]["gid"] == workspace
    assert response.headers["Location"].endswith(f"/api/1.0/tags/{tag['gid']}")
    assert client.get(f"/tags/{tag['gid']}").json()["data"]["name"] == "Blocked"
    listed = client.get(f"/workspaces/{workspace}/tags", limit=100).json()["data"]
    assert tag["gid"] in {t["gid"] for t in listed}


def test_options_fields_choose_the_answer_fields(client: SandboxClient) -> None:
    response = client.post(
        "/tags",
        json={"data": {"name": "x", "workspace": _workspace(client)}, "options": {"fields": ["color"]}},
    )
    assert set(response.json()["data"]) == {"gid", "color"}


def test_update_renames_everywhere_it_is_shown(client: SandboxClient) -> None:
    task = _task(client)
    tag = client.post("/tags", {"name": "Old", "workspace": task["workspace"]["gid"]}).json()["data"]
    assert client.post(f"/tasks/{task['gid']}/addTag", {"tag": tag["gid"]}).json() == {"data": {}}
    updated = client.put(f"/tags/{tag['gid']}", {"name": "New"}).json()["data"]
    assert updated["name"] == "New"
    shown = client.get(f"/tasks/{task['gid']}", opt_fields="tags.name").json()["data"]["tags"]
    assert {"gid": tag["gid"], "name": "New"} in shown


def test_tagging_a_task_moves_its_modified_at_and_lists_it(client: SandboxClient) -> None:
    task = _task(client)
    before = task["modified_at"]
    tag = client.post(f"/workspaces/{task['workspace']['gid']}/tags", {"name": "t"}).json()["data"]
    client.post(f"/tasks/{task['gid']}/addTag", {"tag": tag["gid"]})
    client.post(f"/tasks/{task['gid']}/addTag", {"tag": tag["gid"]})  # twice: still tagged once
    fresh = client.get(f"/tasks/{task['gid']}", opt_fields="tags,modified_at").json()["data"]
    assert [t["gid"] for t in fresh["tags"]].count(tag["gid"]) == 1
    assert fresh["modified_at"] > before
    assert [t["gid"] for t in client.get(f"/tags/{tag['gid']}/tasks").json()["data"]] == [task["gid"]]
    client.post(f"/tasks/{task['gid']}/removeTag", {"tag": tag["gid"]})
    assert client.get(f"/tags/{tag['gid']}/tasks").json()["data"] == []


def test_delete_answers_empty_data_then_404_and_untags_tasks(client: SandboxClient) -> None:
    task = _task(client)
    tag = client.post("/tags", {"name": "gone", "workspace": task["workspace"]["gid"]}).json()["data"]
    client.post(f"/tasks/{task['gid']}/addTag", {"tag": tag["gid"]})
    response = client.delete(f"/tags/{tag['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert client.get(f"/tags/{tag['gid']}").status_code == 404
    shown = client.get(f"/tasks/{task['gid']}", opt_fields="tags").json()["data"]["tags"]
    assert tag["gid"] not in {t["gid"] for t in shown}


def test_writes_append_events_to_the_workspace_stream(client: SandboxClient) -> None:
    workspace = _workspace(client)
    sync = client.get(f"/workspaces/{workspace}/events").json()["sync"]
    tag = client.post("/tags", {"name": "e", "workspace": workspace}).json()["data"]
    client.put(f"/tags/{tag['gid']}", {"color": "dark-blue"})
    client.delete(f"/tags/{tag['gid']}")
    events = client.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    seen = [
        (e["action"], (e.get("change") or {}).get("field"))
        for e in events
        if e["resource"]["gid"] == tag["gid"]
    ]
    assert seen == [("added", None), ("changed", "color"), ("deleted", None)]


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"name": "x"}, 400, "workspace: Missing input"),
        ({"name": "x", "workspace": "abc"}, 400, "workspace: Not a Long: abc"),
        ({"name": "x", "workspace": "12345"}, 400, "workspace: Not a recognized ID: 12345"),
        ({"name": 7, "workspace": "WS"}, 400, "name: Not a string: 7"),
        ({"name": "x", "workspace": "WS", "color": "plaid"}, 400, "color: Not one of the allowed values"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    client: SandboxClient, body: dict, status: int, message: str
) -> None:
    body = {k: (_workspace(client) if v == "WS" else v) for k, v in body.items()}
    before = client.store.counts().get("tag")
    response = client.post("/tags", body)
    assert response.status_code == status
    assert response.json()["errors"][0]["message"].startswith(message)
    assert client.store.counts().get("tag") == before


def test_malformed_json_and_creation_only_fields(client: SandboxClient) -> None:
    tag = client.store.all("tag")[0]
    response = client.session.post(
        client.base_url + "/tags", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()["errors"][0]["message"]) == (
        400,
        "Could not parse request data, invalid JSON",
    )
    response = client.put(f"/tags/{tag['gid']}", {"workspace": tag["workspace"]["gid"]})
    assert (response.status_code, response.json()["errors"][0]["message"]) == (
        400,
        "workspace: Cannot write this property",
    )
