"""The Events API: 412 with a fresh sync token, then the changes since, at most 100 a call."""

from __future__ import annotations

from typing import Any

from .helpers import ACME, PERSONAL, busiest_project, error_message, workspace

INVALID_SYNC = (
    "Sync token invalid or too old. If you are attempting to keep resources in sync, you must fetch the full "
    "dataset for this query now and use the new sync token for the next sync."
)


def _sync(client, path: str, **params: str) -> str:
    response = client.get(path, **params)
    assert response.status_code == 412, response.text
    return response.json()["sync"]


def test_events_without_a_sync_token_answer_412_with_a_fresh_token(demo) -> None:
    response = demo.get("/events", resource=busiest_project(demo.store)["gid"])
    assert response.status_code == 412
    body = response.json()
    assert error_message(body) == INVALID_SYNC
    assert isinstance(body["sync"], str) and body["sync"]


def test_an_invalid_sync_token_answers_412_with_a_fresh_token(demo) -> None:
    response = demo.get("/events", resource=busiest_project(demo.store)["gid"], sync="bogus")
    assert response.status_code == 412
    assert response.json()["sync"] != "bogus"


def test_a_token_of_another_resource_answers_412(demo) -> None:
    projects = demo.store.all("project")
    token = _sync(demo, "/events", resource=projects[0]["gid"])
    assert demo.get("/events", resource=projects[1]["gid"], sync=token).status_code == 412


def test_changes_after_a_mutation_come_with_a_new_token(sandbox) -> None:
    project = busiest_project(sandbox.store)
    token = _sync(sandbox, "/events", resource=project["gid"])
    quiet = sandbox.get("/events", resource=project["gid"], sync=token).json()
    assert quiet["data"] == [] and quiet["has_more"] is False
    changed = sandbox.control("mutate", {"fraction": 0.5, "seed": 2})
    body = sandbox.get("/events", resource=project["gid"], sync=quiet["sync"]).json()
    assert body["data"], changed
    assert body["has_more"] is False
    assert body["sync"] != quiet["sync"]
    touched = {e["resource"]["gid"] for e in body["data"]}
    in_project = {t["gid"] for t in sandbox.store.related("task", "projects", project["gid"])}
    assert (
        touched
        & (set(changed["changed_tasks"]) | set(changed["moved"]))
        & (in_project | set(changed["moved"]))
    )
    for event in body["data"]:
        assert event["action"] in ("changed", "added", "removed", "deleted", "undeleted")
        assert ("change" in event) == (event["action"] == "changed")
    # Nothing happened since: the new token gives nothing, and re-reading the old one is safe.
    assert sandbox.get("/events", resource=project["gid"], sync=body["sync"]).json()["data"] == []
    again = sandbox.get("/events", resource=project["gid"], sync=quiet["sync"]).json()
    assert again["data"] == body["data"]


def _drain(client, path: str, token: str, **params: str) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    while True:
        body = client.get(path, sync=token, **params).json()
        pages.append(body)
        token = body["sync"]
        if not body["has_more"]:
            return pages


def test_more_than_100_events_come_100_at_a_time_with_has_more(sandbox) -> None:
    projects = [p["gid"] for p in sandbox.store.all("project")]
    tokens = {gid: _sync(sandbox, "/events", resource=gid) for gid in projects}
    sandbox.control("mutate", {"fraction": 1, "seed": 3})
    sandbox.control("mutate", {"fraction": 1, "seed": 4})
    streams = {gid: _drain(sandbox, "/events", tokens[gid], resource=gid) for gid in projects}
    assert any(len(pages) >= 2 for pages in streams.values()), "no project had over 100 events"
    for pages in streams.values():
        assert all(len(page["data"]) == 100 and page["has_more"] for page in pages[:-1])
        assert len(pages[-1]["data"]) <= 100
        assert pages[-1]["has_more"] is False


def test_workspace_events_see_every_change_in_the_workspace(sandbox) -> None:
    acme = workspace(sandbox.store)["gid"]
    path = f"/workspaces/{acme}/events"
    token = _sync(sandbox, path)
    changed = sandbox.control("mutate", {"fraction": 0.2, "seed": 6})
    events = [e for page in _drain(sandbox, path, token) for e in page["data"]]
    in_acme = {t["gid"] for t in sandbox.store.all("task") if t["workspace"]["gid"] == acme}
    expected = (set(changed["edited"]) | set(changed["moved"]) | set(changed["commented"])) & in_acme
    assert expected
    assert expected <= {e["resource"]["gid"] for e in events} | {
        e["parent"]["gid"] for e in events if e.get("parent")
    }


def test_workspace_events_are_for_enterprise_service_accounts(sandbox_factory) -> None:
    """Asana serves a workspace's events to a Service Account of an Enterprise+ organization only."""
    service_account, user = sandbox_factory(), sandbox_factory(service_account=False)
    personal = workspace(service_account.store, PERSONAL)["gid"]
    below_enterprise = service_account.get(f"/workspaces/{personal}/events")
    assert below_enterprise.status_code == 402
    error_message(below_enterprise.json())
    not_a_service_account = user.get(f"/workspaces/{workspace(user.store, ACME)['gid']}/events")
    assert not_a_service_account.status_code == 403
    error_message(not_a_service_account.json())
