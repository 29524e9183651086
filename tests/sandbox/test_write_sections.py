"""Sections through the write API: create and place, reorder, rename, delete, and moving tasks into them."""

from __future__ import annotations

from typing import Any

import pytest

from asana_sandbox.store import Record
from tests.sandbox_client import SandboxClient


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _project(client: SandboxClient, k: int = 0) -> Record:
    return client.store.all("project")[k]


def _order(client: SandboxClient, project: Record) -> list[str]:
    return [s["gid"] for s in client.get(f"/projects/{project['gid']}/sections").json()["data"]]


def _tasks(client: SandboxClient, section: str) -> list[str]:
    return [t["gid"] for t in client.get(f"/sections/{section}/tasks").json()["data"]]


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def test_create_goes_last_or_where_placed(client: SandboxClient) -> None:
    project = _project(client)
    before = _order(client, project)
    response = client.post(f"/projects/{project['gid']}/sections", {"name": "Later"})
    assert response.status_code == 201
    last = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/sections/{last['gid']}")
    assert (last["name"], last["project"]["gid"]) == ("Later", project["gid"])
    assert _order(client, project) == [*before, last["gid"]]
    first = client.post(
        f"/projects/{project['gid']}/sections", {"name": "Now", "insert_before": before[0]}
    ).json()["data"]
    second = client.post(
        f"/projects/{project['gid']}/sections", {"name": "Soon", "insert_after": first["gid"]}
    ).json()["data"]
    assert _order(client, project) == [first["gid"], second["gid"], *before, last["gid"]]


def test_insert_reorders_sections_and_answers_empty_data(client: SandboxClient) -> None:
    project = _project(client)
    order = _order(client, project)
    response = client.post(
        f"/projects/{project['gid']}/sections/insert", {"section": order[-1], "before_section": order[0]}
    )
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert _order(client, project) == [order[-1], *order[:-1]]
    client.post(
        f"/projects/{project['gid']}/sections/insert", {"section": order[-1], "after_section": order[1]}
    )
    assert _order(client, project) == [order[0], order[1], order[-1], *order[2:-1]]


def test_update_renames_everywhere_and_can_move(client: SandboxClient) -> None:
    project = _project(client)
    order = _order(client, project)
    task = client.get(f"/sections/{order[0]}/tasks").json()["data"][0]
    response = client.put(f"/sections/{order[0]}", {"name": "Doing", "insert_after": order[-1]})
    assert response.status_code == 200 and response.json()["data"]["name"] == "Doing"
    assert _order(client, project) == [*order[1:], order[0]]
    shown = client.get(f"/tasks/{task['gid']}", opt_fields="memberships.section.name").json()["data"]
    assert {"gid": order[0], "name": "Doing"} in [m["section"] for m in shown["memberships"]]


def test_delete_only_an_empty_section_and_never_the_last(client: SandboxClient) -> None:
    project = _project(client)
    order = _order(client, project)
    assert _error(client.delete(f"/sections/{order[0]}")) == (
        400,
        "section: Sections must be empty to be deleted",
    )
    empty = client.post(f"/projects/{project['gid']}/sections", {"name": "Empty"}).json()["data"]
    workspace = project["workspace"]["gid"]
    sync = client.get(f"/workspaces/{workspace}/events").json()["sync"]
    assert client.delete(f"/sections/{empty['gid']}").json() == {"data": {}}
    assert client.get(f"/sections/{empty['gid']}").status_code == 404
    assert _order(client, project) == order
    events = client.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    assert [e["action"] for e in events if e["resource"]["gid"] == empty["gid"]] == ["deleted"]
    new = client.post("/projects", {"name": "p", "workspace": workspace, "team": project["team"]["gid"]})
    only = _order(client, new.json()["data"])
    assert _error(client.delete(f"/sections/{only[0]}")) == (
        400,
        "section: The last remaining section cannot be deleted",
    )


def test_add_task_moves_it_to_the_top_of_the_section_without_touching_modified_at(
    client: SandboxClient,
) -> None:
    project = _project(client)
    order = _order(client, project)
    source, target = order[0], order[-1]
    task = client.store.get(_tasks(client, source)[0])
    modified = task["modified_at"]
    sync = client.get("/events", resource=project["gid"]).json()["sync"]
    response = client.post(f"/sections/{target}/addTask", {"task": task["gid"]})
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert _tasks(client, target)[0] == task["gid"]
    assert task["gid"] not in _tasks(client, source)
    shown = client.get(f"/tasks/{task['gid']}", opt_fields="memberships,modified_at").json()["data"]
    assert [m["section"]["gid"] for m in shown["memberships"] if m["project"]["gid"] == project["gid"]] == [
        target
    ]
    assert shown["modified_at"] == modified
    events = client.get("/events", resource=project["gid"], sync=sync).json()["data"]
    moves = [
        (e["action"], e["parent"]["gid"])
        for e in events
        if e["resource"]["gid"] == task["gid"] and e["parent"]
    ]
    assert ("removed", source) in moves and ("added", target) in moves


def test_add_task_places_it_before_or_after_another(client: SandboxClient) -> None:
    project = _project(client)
    order = _order(client, project)
    target = next(s for s in order if len(_tasks(client, s)) >= 2)
    inside = _tasks(client, target)
    mover = next(g for s in order if s != target for g in _tasks(client, s))
    client.post(f"/sections/{target}/addTask", {"task": mover, "insert_after": inside[0]})
    assert _tasks(client, target) == [inside[0], mover, *inside[1:]]
    client.post(f"/sections/{target}/addTask", {"task": mover, "insert_before": inside[-1]})
    assert _tasks(client, target) == [*inside[:-1], mover, inside[-1]]


def test_add_task_from_outside_the_project_adds_it_to_the_project(client: SandboxClient) -> None:
    project = _project(client)
    counts = client.get(f"/projects/{project['gid']}/task_counts", opt_fields="num_tasks").json()["data"]
    outsider = next(
        t
        for t in client.store.all("task")
        if t["workspace"]["gid"] == project["workspace"]["gid"]
        and project["gid"] not in {p["gid"] for p in t["projects"]}
        and not t["parent"]
    )
    section = _order(client, project)[1]
    client.post(f"/sections/{section}/addTask", {"task": outsider["gid"]})
    assert outsider["gid"] in {
        t["gid"] for t in client.get(f"/projects/{project['gid']}/tasks").json()["data"]
    }
    after = client.get(f"/projects/{project['gid']}/task_counts", opt_fields="num_tasks").json()["data"]
    assert after["num_tasks"] == counts["num_tasks"] + 1


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("sections", {}, "name: Missing input"),
        ("sections", {"name": ""}, "name: Missing input"),
        ("sections", {"name": 3}, "name: Not a string: 3"),
        ("sections", {"name": "x", "insert_before": "S0", "insert_after": "S1"}, "insert_before: Cannot be"),
        ("sections", {"name": "x", "insert_before": "OTHER"}, "insert_before: Sections cannot be moved"),
        ("sections", {"name": "x", "insert_after": "abc"}, "insert_after: Not a Long: abc"),
        ("sections/insert", {"section": "S0"}, "before_section: One of before_section or after_section"),
        ("sections/insert", {"before_section": "S0"}, "section: Missing input"),
        (
            "sections/insert",
            {"section": "OTHER", "before_section": "S0"},
            "section: Sections cannot be moved",
        ),
        ("sections/insert", {"section": "S0", "after_section": "OTHER"}, "after_section: Sections cannot be"),
        ("addTask", {}, "task: Missing input"),
        ("addTask", {"task": "12345"}, "task: Not a recognized ID: 12345"),
        ("addTask", {"task": "T", "insert_before": "FOREIGN"}, "insert_before: Task"),
        ("addTask", {"task": "T", "insert_before": "T", "insert_after": "T"}, "insert_before: Cannot be"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    demo: SandboxClient, path: str, body: dict, message: str
) -> None:
    project, other = _project(demo), _project(demo, 1)
    order = _order(demo, project)
    names = {
        "S0": order[0],
        "S1": order[1],
        "OTHER": _order(demo, other)[0],
        "T": _tasks(demo, order[1])[0],
        "FOREIGN": _tasks(demo, order[2])[0],
    }
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    url = f"/sections/{order[0]}/addTask" if path == "addTask" else f"/projects/{project['gid']}/{path}"
    before = (demo.store.counts(), list(demo.store.by_type["section"]), list(demo.store.by_type["task"]))
    status, text = _error(demo.post(url, body))
    assert status == 400 and text.startswith(message), text
    assert (demo.store.counts(), demo.store.by_type["section"], demo.store.by_type["task"]) == before


def test_update_needs_a_name_and_unknown_sections_answer_404(demo: SandboxClient) -> None:
    section = _order(demo, _project(demo))[0]
    assert _error(demo.put(f"/sections/{section}", {"insert_after": section})) == (400, "name: Missing input")
    assert demo.put("/sections/1", {"name": "x"}).status_code == 404
    assert demo.delete("/sections/1").status_code == 404
    assert demo.post("/sections/1/addTask", {"task": "1"}).status_code == 404
    assert demo.post("/projects/1/sections", {"name": "x"}).status_code == 404


def test_a_section_holding_a_task_in_its_assignees_my_tasks_is_not_empty(client: SandboxClient) -> None:
    project = _project(client)
    section = client.post(f"/projects/{project['gid']}/sections", {"name": "Mine"}).json()["data"]
    task = next(t for t in client.store.related("task", "projects", project["gid"]) if t["assignee"])
    client.put(f"/tasks/{task['gid']}", {"assignee_section": section["gid"]})
    assert _error(client.delete(f"/sections/{section['gid']}")) == (
        400,
        "section: Sections must be empty to be deleted",
    )
    client.put(f"/tasks/{task['gid']}", {"assignee_section": None})
    assert client.delete(f"/sections/{section['gid']}").json() == {"data": {}}
