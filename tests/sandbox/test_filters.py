"""Server-side filters the tap relies on: `modified_since`, `completed_since`, `created_since`, typeahead."""

from __future__ import annotations

from .helpers import PERSONAL, busiest_project, gids, workspace


def _tasks(demo, **params: str) -> list[dict[str, str]]:
    project = busiest_project(demo.store)["gid"]
    return demo.get(
        "/tasks", project=project, opt_fields="modified_at,completed,completed_at", **params
    ).json()["data"]


def test_modified_since_keeps_exactly_the_tasks_modified_at_or_after_it(demo) -> None:
    everything = _tasks(demo)
    stamps = sorted(t["modified_at"] for t in everything)
    since = stamps[len(stamps) // 2]
    kept = _tasks(demo, modified_since=since)
    assert {t["gid"] for t in kept} == {t["gid"] for t in everything if t["modified_at"] >= since}
    assert 0 < len(kept) < len(everything)


def test_completed_since_now_keeps_only_incomplete_tasks(demo) -> None:
    everything = _tasks(demo)
    assert any(t["completed"] for t in everything)
    kept = _tasks(demo, completed_since="now")
    assert {t["gid"] for t in kept} == {t["gid"] for t in everything if not t["completed"]}


def test_completed_since_a_date_keeps_incomplete_tasks_and_those_completed_since(demo) -> None:
    everything = _tasks(demo)
    done = sorted(t["completed_at"] for t in everything if t["completed"])
    since = done[len(done) // 2]
    kept = _tasks(demo, completed_since=since)
    expected = {t["gid"] for t in everything if not t["completed"] or t["completed_at"] >= since}
    assert {t["gid"] for t in kept} == expected


def test_created_since_keeps_the_newer_status_updates(demo) -> None:
    project = max(
        demo.store.all("project"), key=lambda p: len(demo.store.related("status_update", "parent", p["gid"]))
    )
    everything = demo.get("/status_updates", parent=project["gid"], opt_fields="created_at").json()["data"]
    assert len(everything) > 1
    since = sorted(u["created_at"] for u in everything)[len(everything) // 2]
    kept = gids(demo.get("/status_updates", parent=project["gid"], created_since=since).json())
    assert kept == [u["gid"] for u in everything if u["created_at"] >= since]
    assert 0 < len(kept) < len(everything)


def test_typeahead_for_actors_finds_users(demo) -> None:
    acme = workspace(demo.store)["gid"]
    user = demo.store.all("user")[0]
    response = demo.get(f"/workspaces/{acme}/typeahead", resource_type="actor", query=user["name"])
    assert response.status_code == 200
    assert user["gid"] in gids(response.json())


def test_typeahead_for_agents_finds_the_agents_of_the_workspace(demo) -> None:
    acme = workspace(demo.store)["gid"]
    response = demo.get(f"/workspaces/{acme}/typeahead", resource_type="agent")
    assert response.status_code == 200
    assert gids(response.json()) == [a["gid"] for a in demo.store.related("agent", "workspace", acme)] != []
    personal = workspace(demo.store, PERSONAL)["gid"]
    assert demo.get(f"/workspaces/{personal}/typeahead", resource_type="agent").json()["data"] == []
