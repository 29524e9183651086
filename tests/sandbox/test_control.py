"""Control endpoints outside `/api/1.0`: stats, reset, faults and mutate, and what they do to the API."""

from __future__ import annotations

import pytest
import requests

from .helpers import busiest_project, error_message, tasks_of


def test_stats_count_requests_by_method_route_and_status(sandbox) -> None:
    task = tasks_of(sandbox.store, busiest_project(sandbox.store))[0]
    sandbox.get(f"/tasks/{task['gid']}")
    sandbox.get(f"/tasks/{task['gid']}")
    sandbox.get("/tasks/404404404404")
    sandbox.get("/no_such_route")
    stats = sandbox.control("stats")
    requests_ = stats["requests"]
    assert requests_["total"] == 4
    assert requests_["by_method"] == {"GET": 4}
    assert requests_["by_route"]["GET /tasks/{task_gid}"] == 3
    assert requests_["by_route"]["GET (unknown route)"] == 1
    assert requests_["by_status"] == {"200": 2, "404": 2}
    assert stats["rate_limited"] == 0
    assert stats["objects"]["task"] == len(sandbox.store.all("task"))


def test_stats_count_the_429s_sent(sandbox) -> None:
    sandbox.control("faults", {"rate_limit_burst": 3})
    for _ in range(4):
        sandbox.get("/users/me")
    stats = sandbox.control("stats")
    assert stats["rate_limited"] == 3
    assert stats["requests"]["by_status"] == {"429": 3, "200": 1}


def test_reset_zeroes_the_counters(sandbox) -> None:
    sandbox.get("/users/me")
    assert sandbox.control("reset", {}) == {"reset": True}
    stats = sandbox.control("stats")
    assert stats["requests"]["total"] == 0
    assert stats["requests"]["by_route"] == {}
    assert stats["rate_limited"] == 0


def test_a_429_burst_answers_with_the_configured_retry_after_then_recovers(sandbox) -> None:
    sandbox.control("faults", {"rate_limit_burst": 2, "rate_limit_retry_after": 7})
    for _ in range(2):
        response = sandbox.get("/users/me")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        error_message(response.json())
    assert sandbox.get("/users/me").status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_the_error_rate_fault_answers_the_configured_5xx(sandbox, status: int) -> None:
    sandbox.control("faults", {"error_rate": 1, "error_status": status})
    response = sandbox.get("/users/me")
    assert response.status_code == status
    error_message(response.json())


def test_a_dropped_connection_gets_no_answer(sandbox) -> None:
    sandbox.control("faults", {"drop_rate": 1})
    with pytest.raises(requests.ConnectionError):
        sandbox.get("/users/me")
    sandbox.control("faults", {"drop_rate": 0})
    assert sandbox.get("/users/me").status_code == 200


def test_faults_reports_the_settings_in_force(sandbox) -> None:
    sandbox.control("faults", {"delay_ms": 5, "offset_ttl_seconds": 30})
    faults = sandbox.control("faults")["faults"]
    assert faults["delay_ms"] == 5
    assert faults["offset_ttl_seconds"] == 30
    assert faults["error_rate"] == 0


def _modified_at(client, gids: list[str]) -> dict[str, str]:
    return {
        gid: client.get(f"/tasks/{gid}", opt_fields="modified_at").json()["data"]["modified_at"]
        for gid in gids
    }


def _stored_modified_at(client) -> dict[str, str]:
    """Every task's modified_at as the store holds it now (read before a mutation)."""
    return {t["gid"]: t["modified_at"] for t in client.store.all("task")}


def test_mutate_leaves_a_moved_task_modified_at_alone_and_moves_it(sandbox) -> None:
    before = _stored_modified_at(sandbox)
    projects_before = {
        t["gid"]: [p["gid"] for p in t.get("projects") or ()] for t in sandbox.store.all("task")
    }
    changed = sandbox.control("mutate", {"fraction": 0.3, "seed": 5})
    moved = [gid for gid in changed["moved"] if gid not in changed["changed_tasks"]]
    assert moved, changed
    after = _modified_at(sandbox, moved)
    for gid in moved:
        assert after[gid] == before[gid]
        assert gids_of(sandbox, f"/tasks/{gid}/projects") != projects_before[gid]


def test_mutate_changes_a_commented_task_modified_at_and_adds_the_story(sandbox) -> None:
    before = _stored_modified_at(sandbox)
    changed = sandbox.control("mutate", {"fraction": 0.3, "seed": 5})
    assert changed["commented"], changed
    for gid in changed["commented"]:
        now = sandbox.get(f"/tasks/{gid}", opt_fields="modified_at").json()["data"]["modified_at"]
        assert now > before[gid]
        stories = sandbox.get(f"/tasks/{gid}/stories", opt_fields="created_at,resource_subtype").json()[
            "data"
        ]
        assert any(s["resource_subtype"] == "comment_added" and s["created_at"] == now for s in stories)


def test_mutate_answers_what_it_changed(sandbox) -> None:
    changed = sandbox.control("mutate", {"fraction": 0.1, "seed": 1})
    assert changed["fraction"] == 0.1
    for key in ("edited", "commented", "created", "created_subtasks", "deleted", "moved", "changed_tasks"):
        assert isinstance(changed[key], list)
    assert changed["changed_tasks"]
    for gid in changed["created"]:
        assert sandbox.get(f"/tasks/{gid}").status_code == 200


def test_mutate_removes_deleted_tasks_from_lists_and_their_stories(sandbox) -> None:
    stories = {
        t["gid"]: [s["gid"] for s in sandbox.store.related("story", "target", t["gid"])]
        for t in sandbox.store.all("task")
    }
    changed = sandbox.control("mutate", {"fraction": 0.3, "seed": 5})
    deleted = set(changed["deleted"])
    assert deleted, changed
    for project in sandbox.store.all("project"):
        assert not deleted & set(gids_of(sandbox, f"/projects/{project['gid']}/tasks"))
    gone = [story for gid in deleted for story in stories[gid]]
    assert gone
    assert all(sandbox.get(f"/stories/{story}").status_code == 404 for story in gone)


def test_mutate_adding_a_subtask_leaves_the_parent_modified_at_alone(sandbox) -> None:
    before = _stored_modified_at(sandbox)
    changed = sandbox.control("mutate", {"fraction": 0.3, "seed": 5})
    assert changed["created_subtasks"], changed
    for gid in changed["created_subtasks"]:
        parent = sandbox.get(f"/tasks/{gid}", opt_fields="parent").json()["data"]["parent"]["gid"]
        if parent in changed["changed_tasks"]:
            continue  # changed in its own right in the same run
        assert _modified_at(sandbox, [parent]) == {parent: before[parent]}
        assert gid in gids_of(sandbox, f"/tasks/{parent}/subtasks")


def gids_of(client, path: str) -> list[str]:
    return [record["gid"] for record in client.get(path).json()["data"]]
