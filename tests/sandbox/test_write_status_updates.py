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
