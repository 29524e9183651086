"""Asana's offset pagination: `limit` 1-100, `next_page` only with `limit`, opaque expiring offsets."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from .helpers import busiest_project, error_message, gids

TOO_LARGE = "The result is too large. You should use pagination (may require specifying a workspace)!"


@pytest.fixture
def project_tasks(demo) -> tuple[str, list[str]]:
    """The path of the busiest project's task list, and every task gid of it in order."""
    project = busiest_project(demo.store)
    path = f"/projects/{project['gid']}/tasks"
    everything = gids(demo.get(path).json())
    assert len(everything) > 10
    return path, everything


@pytest.mark.parametrize("limit", ["0", "101", "x", "-1", "1.5"])
def test_limit_outside_1_to_100_is_a_400(demo, project_tasks, limit: str) -> None:
    path, _ = project_tasks
    response = demo.get(path, limit=limit)
    assert response.status_code == 400
    assert "limit" in error_message(response.json())


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(demo, project_tasks, limit: str) -> None:
    path, _ = project_tasks
    response = demo.get(path, limit=limit)
    assert response.status_code == 200
    assert len(response.json()["data"]) == int(limit) or response.json()["next_page"] is None


def test_next_page_is_absent_without_limit(demo, project_tasks) -> None:
    path, everything = project_tasks
    body = demo.get(path).json()
    assert "next_page" not in body
    assert gids(body) == everything


def test_next_page_is_null_on_the_last_page(demo, project_tasks) -> None:
    path, everything = project_tasks
    body = demo.get(path, limit=len(everything)).json()
    assert body["next_page"] is None
    assert gids(body) == everything


def test_next_page_path_is_relative_and_keeps_the_other_parameters_and_uri_is_absolute(
    demo, project_tasks
) -> None:
    path, _ = project_tasks
    body = demo.get(path, limit=3, opt_fields="name,completed", completed_since="2000-01-01").json()
    next_page = body["next_page"]
    assert set(next_page) == {"offset", "path", "uri"}
    assert next_page["path"].startswith(f"{path}?")
    for kept in ("limit=3", "opt_fields=name%2Ccompleted", "completed_since=2000-01-01"):
        assert kept in next_page["path"]
    assert f"offset={next_page['offset']}" in next_page["path"]
    assert next_page["uri"] == demo.base_url + next_page["path"]
    follow = requests.get(next_page["uri"], headers=demo.session.headers, timeout=30)
    assert follow.status_code == 200
    assert all(set(record) == {"gid", "name", "completed"} for record in follow.json()["data"])


def test_walking_every_page_yields_each_record_exactly_once(demo, project_tasks) -> None:
    path, everything = project_tasks
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 7}
    while True:
        body = demo.get(path, **params).json()
        seen.extend(gids(body))
        if body["next_page"] is None:
            break
        params = {"limit": 7, "offset": body["next_page"]["offset"]}
    assert seen == everything


def test_offset_token_expires_after_the_configured_lifetime(sandbox) -> None:
    path = f"/projects/{busiest_project(sandbox.store)['gid']}/tasks"
    sandbox.control("faults", {"offset_ttl_seconds": 0})
    offset = sandbox.get(path, limit=2).json()["next_page"]["offset"]
    time.sleep(0.01)  # let the token age past its zero-second lifetime
    response = sandbox.get(path, limit=2, offset=offset)
    assert response.status_code == 400
    assert "offset" in error_message(response.json())


def test_offset_token_is_accepted_within_its_lifetime(sandbox) -> None:
    path = f"/projects/{busiest_project(sandbox.store)['gid']}/tasks"
    sandbox.control("faults", {"offset_ttl_seconds": 3600})
    offset = sandbox.get(path, limit=2).json()["next_page"]["offset"]
    assert sandbox.get(path, limit=2, offset=offset).status_code == 200


@pytest.mark.parametrize("offset", ["not-a-token", "eyJwIjogLTF9", "!!!"])
def test_invalid_offset_is_a_400(demo, project_tasks, offset: str) -> None:
    path, _ = project_tasks
    response = demo.get(path, limit=2, offset=offset)
    assert response.status_code == 400
    assert "offset" in error_message(response.json())


def _dataset_with_tags(directory: Path, count: int) -> str:
    workspace = {"gid": "1", "resource_type": "workspace", "name": "Big", "is_organization": True}
    user = {
        "gid": "2",
        "resource_type": "user",
        "name": "Ann",
        "email": "ann@big.example.com",
        "workspaces": [{"gid": "1", "resource_type": "workspace", "name": "Big"}],
    }
    tags = [
        {
            "gid": str(100 + i),
            "resource_type": "tag",
            "name": f"tag {i}",
            "workspace": {"gid": "1", "resource_type": "workspace", "name": "Big"},
        }
        for i in range(count)
    ]
    path = directory / f"tags-{count}.json"
    path.write_text(json.dumps({"records": [workspace, user, *tags]}), encoding="utf-8")
    return str(path)


def test_a_list_over_1000_records_without_limit_is_a_400_result_too_large(sandbox_factory, tmp_path) -> None:
    big = sandbox_factory(_dataset_with_tags(tmp_path, 1001))
    response = big.get("/workspaces/1/tags")
    assert response.status_code == 400
    assert error_message(response.json()) == TOO_LARGE
    assert big.get("/workspaces/1/tags", limit=100).status_code == 200


def test_a_list_of_1000_records_without_limit_is_answered(sandbox_factory, tmp_path) -> None:
    big = sandbox_factory(_dataset_with_tags(tmp_path, 1000))
    response = big.get("/workspaces/1/tags")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 1000


def _dataset_with_users(directory: Path, count: int) -> str:
    workspace = {"gid": "1", "resource_type": "workspace", "name": "Big", "is_organization": True}
    users = [
        {
            "gid": str(100 + i),
            "resource_type": "user",
            "name": f"User {count - i:05d}",  # created in reverse alphabetical order
            "email": f"user{i}@big.example.com",
            "workspaces": [{"gid": "1", "resource_type": "workspace", "name": "Big"}],
        }
        for i in range(count)
    ]
    path = directory / f"users-{count}.json"
    path.write_text(json.dumps([workspace, *users]), encoding="utf-8")
    return str(path)


def test_workspace_users_are_alphabetical_and_capped_at_2000_never_too_large(
    sandbox_factory, tmp_path
) -> None:
    big = sandbox_factory(_dataset_with_users(tmp_path, 2100))
    response = big.get("/workspaces/1/users")
    assert response.status_code == 200
    names = [user["name"] for user in response.json()["data"]]
    assert len(names) == 2000
    assert names == sorted(names)
    assert names[0] == "User 00001"
    # The paginated `GET /users` has no such cap: without limit it is too large.
    too_large = big.get("/users", workspace="1")
    assert too_large.status_code == 400
    assert error_message(too_large.json()) == TOO_LARGE


def test_pages_resume_after_the_last_record_served_when_earlier_ones_were_deleted(sandbox) -> None:
    project = busiest_project(sandbox.store)
    path = f"/projects/{project['gid']}/tasks"
    first = sandbox.get(path, limit=10).json()
    served = gids(first)
    sandbox.store.delete(served[0])  # a record already served disappears before the next page
    sandbox.store.delete(served[3])
    rest: list[str] = []
    body = sandbox.get(path, limit=10, offset=first["next_page"]["offset"]).json()
    rest.extend(gids(body))
    while body["next_page"] is not None:
        body = sandbox.get(path, limit=10, offset=body["next_page"]["offset"]).json()
        rest.extend(gids(body))
    remaining = gids(sandbox.get(path).json())
    assert rest == remaining[remaining.index(served[-1]) + 1 :]
    assert not set(rest) & set(served)
