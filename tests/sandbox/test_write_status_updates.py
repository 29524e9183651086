"""Status updates via the write API: create on a project, portfolio or goal, delete; the parent follows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox_client import SandboxClient


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _parent(client: SandboxClient, kind: str) -> dict:
    return client.store.all(kind)[0]


def _current(client: SandboxClient, kind: str, gid: str) -> dict | None:
    return client.get(f"/{kind}s/{gid}", opt_fields="current_status_update.title").json()["data"][
        "current_status_update"
    ]


def _post(client: SandboxClient, parent: str, **data: Any) -> Any:
    return client.post("/status_updates", {"parent": parent, "status_type": "on_track", "text": "ok", **data})


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("kind", "subtype"),
    [
        ("project", "project_status_update"),
        ("portfolio", "portfolio_status_update"),
        ("goal", "goal_status_update"),
    ],
)
def test_create_answers_201_and_becomes_the_parents_current_update(
    client: SandboxClient, kind: str, subtype: str
) -> None:
    parent = _parent(client, kind)
    modified = client.get(f"/{kind}s/{parent['gid']}").json()["data"].get("modified_at")
    response = _post(client, parent["gid"], title="Week 12", text="Moving along.")
    assert response.status_code == 201
    update = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/status_updates/{update['gid']}")
    me = client.store.all("user")[0]["gid"]
    assert (update["resource_subtype"], update["title"], update["text"]) == (
        subtype,
        "Week 12",
        "Moving along.",
    )
    assert (update["author"]["gid"], update["created_by"]["gid"], update["parent"]["gid"]) == (
        me,
        me,
        parent["gid"],
    )
    assert _current(client, kind, parent["gid"]) == {"gid": update["gid"], "title": "Week 12"}
    listed = client.get("/status_updates", parent=parent["gid"]).json()["data"]
    assert update["gid"] in {u["gid"] for u in listed}
    # A status update is not an edit of the parent's own fields.
    assert client.get(f"/{kind}s/{parent['gid']}").json()["data"].get("modified_at") == modified


def test_a_goals_status_follows_its_latest_update(client: SandboxClient) -> None:
    goal = _parent(client, "goal")
    for status_type, status in (("at_risk", "yellow"), ("achieved", "achieved")):
        _post(client, goal["gid"], status_type=status_type)
        assert client.get(f"/goals/{goal['gid']}", opt_fields="status").json()["data"]["status"] == status


def test_html_text_gives_the_text(client: SandboxClient) -> None:
    update = _post(
        client, _parent(client, "project")["gid"], text=None, html_text="<body>Ship <em>it</em></body>"
    )
    assert update.status_code == 201
    shown = client.get(f"/status_updates/{update.json()['data']['gid']}", opt_fields="text,html_text").json()
    assert (shown["data"]["text"], shown["data"]["html_text"]) == ("Ship it", "<body>Ship <em>it</em></body>")


def test_bad_input_is_refused_and_changes_nothing(client: SandboxClient) -> None:
    project, goal = _parent(client, "project")["gid"], _parent(client, "goal")["gid"]
    before = client.store.counts()
    for body, message in [
        ({"status_type": "on_track", "text": "x"}, "parent: Missing input"),
        ({"parent": project, "text": "x"}, "status_type: Missing input"),
        ({"parent": project, "status_type": "on_track"}, "text: Missing input"),
        ({"parent": project, "status_type": "achieved", "text": "x"}, "status_type: Not one of"),
        ({"parent": goal, "status_type": "on_hold", "text": "x"}, "status_type: Not one of"),
        (
            {"parent": client.store.all("task")[0]["gid"], "status_type": "on_track", "text": "x"},
            "parent: Not a rec",
        ),
        ({"parent": "abc", "status_type": "on_track", "text": "x"}, "parent: Not a Long: abc"),
        (
            {"parent": project, "status_type": "on_track", "html_text": "<p>x</p>"},
            "html_text: XML is invalid",
        ),
    ]:
        got = _error(client.post("/status_updates", body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    assert client.store.counts() == before


def test_delete_answers_empty_and_the_parent_falls_back_to_the_previous_update(client: SandboxClient) -> None:
    project = _parent(client, "project")["gid"]
    first = _post(client, project, title="First").json()["data"]
    second = _post(client, project, title="Second").json()["data"]
    response = client.delete(f"/status_updates/{second['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert client.get(f"/status_updates/{second['gid']}").status_code == 404
    assert _current(client, "project", project) == {"gid": first["gid"], "title": "First"}
    assert second["gid"] not in {
        u["gid"] for u in client.get("/status_updates", parent=project).json()["data"]
    }
    assert client.delete(f"/status_updates/{second['gid']}").status_code == 404


def test_writes_append_events_to_the_parents_stream(client: SandboxClient) -> None:
    project = _parent(client, "project")["gid"]
    sync = client.get("/events", resource=project).json()["sync"]
    update = _post(client, project).json()["data"]
    client.delete(f"/status_updates/{update['gid']}")
    events = client.get("/events", resource=project, sync=sync).json()["data"]
    seen = [(e["resource"]["gid"], e["action"], (e.get("change") or {}).get("field")) for e in events]
    assert seen == [
        (update["gid"], "added", None),
        (project, "changed", "current_status_update"),
        (update["gid"], "deleted", None),
        (project, "changed", "current_status_update"),
    ]


# -- project statuses: the deprecated name of a project's status updates ------------------------------------
def _statuses(client: SandboxClient, project: str) -> dict:
    """The project's current status and status update, and the gids of the two lists."""
    fields = "current_status,current_status_update"
    shown = client.get(f"/projects/{project}", opt_fields=fields).json()["data"]
    statuses = client.get(f"/projects/{project}/project_statuses").json()["data"]
    updates = client.get("/status_updates", parent=project).json()["data"]
    return {
        "current_status": (shown["current_status"] or {}).get("gid"),
        "current_status_update": (shown["current_status_update"] or {}).get("gid"),
        "project_statuses": {s["gid"] for s in statuses},
        "status_updates": {u["gid"] for u in updates},
    }


def _project_status(client: SandboxClient, project: str, title: str) -> tuple[str, str]:
    """A project status posted through the API, and the gid of its status update twin."""
    body = {"title": title, "text": "ok", "color": "green"}
    response = client.post(f"/projects/{project}/project_statuses", body)
    assert response.status_code == 201, response.text
    return response.json()["data"]["gid"], _statuses(client, project)["current_status_update"]


@pytest.mark.parametrize("deleted", ["status_update", "project_status"])
def test_deleting_either_name_of_a_project_status_deletes_both(client: SandboxClient, deleted: str) -> None:
    project = _parent(client, "project")["gid"]
    before = _statuses(client, project)
    status, update = _project_status(client, project, "W12")
    assert _statuses(client, project)["current_status"] == status
    path = f"/status_updates/{update}" if deleted == "status_update" else f"/project_statuses/{status}"
    assert client.delete(path).json() == {"data": {}}
    assert client.get(f"/project_statuses/{status}").status_code == 404
    assert client.get(f"/status_updates/{update}").status_code == 404
    assert _statuses(client, project) == before


def test_deleting_a_dataset_status_update_deletes_its_project_status(client: SandboxClient) -> None:
    store = client.store
    project = next(
        p for p in store.all("project") if len(store.related("project_status", "_parent", p["gid"])) > 1
    )
    shown = _statuses(client, project["gid"])
    update, status = shown["current_status_update"], shown["current_status"]
    assert client.delete(f"/status_updates/{update}").json() == {"data": {}}
    assert client.get(f"/project_statuses/{status}").status_code == 404
    after = _statuses(client, project["gid"])
    assert after["project_statuses"] == shown["project_statuses"] - {status}
    assert after["current_status"] in after["project_statuses"]
    assert after["current_status_update"] in after["status_updates"]
