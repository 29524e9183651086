"""The Batch API: up to 10 independent actions, answered in order, each counted as a request of its own."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest
import requests

from asana_sandbox.errors import ApiError
from asana_sandbox.limits import LimitSettings, RateLimiter
from tests.sandbox.helpers import error_message, workspace
from tests.sandbox_client import SandboxClient


def _batch(client: SandboxClient, actions: Any) -> requests.Response:
    return client.post("/batch", {"actions": actions})


def _results(client: SandboxClient, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = _batch(client, actions)
    assert response.status_code == 200, response.text
    results = response.json()["data"]
    assert len(results) == len(actions)
    return results


def _task(client: SandboxClient) -> dict[str, Any]:
    return next(t for t in client.store.all("task") if t.get("projects"))


def test_actions_are_answered_in_order_each_with_its_own_status(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    task = _task(sandbox)
    results = _results(
        sandbox,
        [
            {"method": "get", "relative_path": "/users/me", "options": {"fields": ["email"]}},
            {"method": "post", "relative_path": "/tags", "data": {"name": "Batched", "workspace": acme}},
            {"method": "put", "relative_path": f"/tasks/{task['gid']}", "data": {"notes": "From a batch"}},
            {"method": "get", "relative_path": "/tasks/404404404404"},
            {"method": "delete", "relative_path": "/tags/404404404404"},
        ],
    )
    assert [r["status_code"] for r in results] == [200, 201, 200, 404, 404]
    assert set(results[0]["body"]["data"]) == {"gid", "email"}
    tag = results[1]["body"]["data"]
    assert results[1]["headers"] == {"location": f"/tags/{tag['gid']}"}
    assert sandbox.get(f"/tags/{tag['gid']}").json()["data"]["name"] == "Batched"
    assert task["notes"] == "From a batch"
    assert "errors" in results[3]["body"] and results[3]["headers"] == {}


def test_one_failing_action_does_not_stop_the_others(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    results = _results(
        sandbox,
        [
            {"method": "post", "relative_path": "/tags", "data": {"name": "one", "workspace": acme}},
            {"method": "post", "relative_path": "/tags", "data": {"name": "bad", "workspace": "abc"}},
            {"method": "post", "relative_path": "/tags", "data": {"name": "two", "workspace": acme}},
        ],
    )
    assert [r["status_code"] for r in results] == [201, 400, 201]
    assert error_message(results[1]["body"]) == "workspace: Not a Long: abc"
    names = {t["name"] for t in sandbox.store.related("tag", "workspace", acme)}
    assert {"one", "two"} <= names and "bad" not in names


def test_get_actions_take_data_as_query_parameters_and_options_as_paging(demo: SandboxClient) -> None:
    acme = workspace(demo.store)["gid"]
    project = demo.store.related("project", "workspace", acme)[0]["gid"]
    [tasks, projects] = _results(
        demo,
        [
            {
                "method": "get",
                "relative_path": "/tasks",
                "data": {"project": project},
                "options": {"limit": 2, "fields": ["name", "completed"]},
            },
            {"method": "get", "relative_path": "/projects", "data": {"workspace": acme, "archived": False}},
        ],
    )
    assert tasks["status_code"] == 200
    assert len(tasks["body"]["data"]) == 2 and set(tasks["body"]["data"][0]) == {"gid", "name", "completed"}
    assert tasks["body"]["next_page"]["offset"]
    assert projects["status_code"] == 200
    archived = {p["gid"] for p in demo.store.all("project") if p["archived"]}
    assert projects["body"]["data"] and not archived & {p["gid"] for p in projects["body"]["data"]}


def test_actions_not_allowed_in_a_batch_answer_400_each(demo: SandboxClient) -> None:
    acme = workspace(demo.store)["gid"]
    task = _task(demo)["gid"]
    refused = [
        (
            {"method": "get", "relative_path": f"/tasks/{task}?opt_fields=name"},
            "Query parameters are not accepted",
        ),
        ({"method": "post", "relative_path": "/batch", "data": {"actions": []}}, "cannot be nested"),
        (
            {"method": "post", "relative_path": "/organization_exports", "data": {"organization": acme}},
            "exports",
        ),
        ({"method": "post", "relative_path": "/attachments", "data": {"parent": task}}, "Attachment uploads"),
        ({"method": "fetch", "relative_path": "/users/me"}, "actions[4].method: Not one of"),
        ({"method": "get"}, "actions[5].relative_path: Missing input"),
        ({"method": "get", "relative_path": "users/me"}, "Not a path relative to the API"),
        ("GET /users/me", "actions[7]: Not an object"),
    ]
    before = demo.store.counts()
    results = _results(
        demo, [action for action, _ in refused] + [{"method": "get", "relative_path": "/users/me"}]
    )
    for result, (_, message) in zip(results, refused, strict=False):
        assert result["status_code"] == 400 and message in error_message(result["body"]), result
    assert results[-1]["status_code"] == 200
    assert demo.store.counts() == before


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        (None, "actions: Missing input"),
        ([], "actions: A batch request needs at least one action"),
        ([{"method": "get", "relative_path": "/users/me"}] * 11, "at most 10 actions"),
        ({"method": "get"}, "actions: Not an array"),
    ],
)
def test_a_batch_holds_one_to_ten_actions(demo: SandboxClient, actions: Any, message: str) -> None:
    before = demo.control("stats")["requests"]["by_route"].get("GET /users/{user_gid}", 0)
    response = demo.post("/batch", {} if actions is None else {"actions": actions})
    assert (response.status_code, message in error_message(response.json())) == (400, True)
    assert demo.control("stats")["requests"]["by_route"].get("GET /users/{user_gid}", 0) == before


def test_malformed_json_or_a_bad_token_fail_the_whole_batch(demo: SandboxClient) -> None:
    url = demo.base_url + "/batch"
    response = demo.session.post(url, data="{oops", headers={"Content-Type": "application/json"}, timeout=30)
    assert (response.status_code, error_message(response.json())) == (
        400,
        "Could not parse request data, invalid JSON",
    )
    body = {"data": {"actions": [{"method": "get", "relative_path": "/users/me"}]}}
    response = requests.post(url, json=body, headers={"Authorization": "Bearer nope"}, timeout=30)
    assert response.status_code == 401


def test_each_action_costs_one_request_and_the_batch_none(sandbox_factory) -> None:
    client = sandbox_factory(requests_per_minute=5)
    me = {"method": "get", "relative_path": "/users/me"}
    assert [r["status_code"] for r in _results(client, [me] * 3)] == [200] * 3
    stats = client.control("stats")["requests"]["by_route"]
    assert (stats["GET /users/{user_gid}"], stats["POST /batch"]) == (3, 1)
    # Two requests left: a batch of three would exceed the budget, so none of it runs.
    response = _batch(client, [me] * 3)
    assert response.status_code == 429 and response.headers["Retry-After"].isdigit()
    assert client.control("stats")["requests"]["by_route"]["GET /users/{user_gid}"] == 3
    assert client.get("/users/me").status_code == 429  # the refused actions counted, as refused requests do


def test_a_batch_needs_a_concurrent_slot_for_each_of_its_actions() -> None:
    limiter = RateLimiter(LimitSettings(requests_per_minute=1000))
    with ExitStack() as in_flight:
        for _ in range(13):
            in_flight.enter_context(limiter.admit("token", "POST"))
        limiter.check_batch("token", ["POST", "PUT", "GET"])  # 15 writes: still fits
        with pytest.raises(ApiError) as raised:
            limiter.check_batch("token", ["POST", "DELETE", "PUT"])
        assert raised.value.status == 429
        limiter.check_batch("other-token", ["POST"] * 10)
    assert limiter.in_flight("token") == (0, 0)
