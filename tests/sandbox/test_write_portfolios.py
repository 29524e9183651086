"""Portfolios through the write API: create, update, items and their order, members, delete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox_client import SandboxClient


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _workspace(client: SandboxClient) -> str:
    return client.store.all("workspace")[0]["gid"]


def _portfolio(client: SandboxClient, **data: Any) -> dict:
    response = client.post("/portfolios", {"workspace": _workspace(client), "name": "Launches", **data})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _projects(client: SandboxClient, count: int) -> list[str]:
    workspace = _workspace(client)
    return [p["gid"] for p in client.store.all("project") if p["workspace"]["gid"] == workspace][:count]


def _items(client: SandboxClient, portfolio: str) -> list[str]:
    return [i["gid"] for i in client.get(f"/portfolios/{portfolio}/items").json()["data"]]


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def test_create_answers_201_and_lists_the_portfolio_and_its_first_member(client: SandboxClient) -> None:
    workspace = _workspace(client)
    response = client.post(
        "/portfolios",
        {
            "workspace": workspace,
            "name": "Q3 bets",
            "color": "dark-blue",
            "due_on": "2026-09-30",
            "public": True,
        },
    )
    assert response.status_code == 201
    portfolio = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/portfolios/{portfolio['gid']}")
    me = client.store.all("user")[0]["gid"]
    assert (portfolio["owner"]["gid"], [m["gid"] for m in portfolio["members"]]) == (me, [me])
    assert (portfolio["color"], portfolio["privacy_setting"], portfolio["public"]) == (
        "dark-blue",
        "public_to_domain",
        True,
    )
    mine = client.get("/portfolios", workspace=workspace, owner="me").json()["data"]
    assert portfolio["gid"] in {p["gid"] for p in mine}
    memberships = client.get(f"/portfolios/{portfolio['gid']}/portfolio_memberships").json()["data"]
    assert [(m["member"]["gid"], m["access_level"]) for m in memberships] == [(me, "admin")]
    generic = client.get("/memberships", parent=portfolio["gid"]).json()["data"]
    assert [m["member"]["gid"] for m in generic] == [me]


def test_bad_input_is_refused_and_changes_nothing(client: SandboxClient) -> None:
    workspace = _workspace(client)
    before = client.store.counts()
    for body, message in [
        ({"name": "x"}, "workspace: Missing input"),
        ({"workspace": workspace}, "name: Missing input"),
        ({"workspace": "abc", "name": "x"}, "workspace: Not a Long: abc"),
        ({"workspace": workspace, "name": "x", "color": "plaid"}, "color: Not one of"),
        (
            {"workspace": workspace, "name": "x", "default_access_level": "owner"},
            "default_access_level: Not one of",
        ),
        (
            {"workspace": workspace, "name": "x", "start_on": "2026-02-01", "due_on": "2026-01-01"},
            "start_on: ",
        ),
    ]:
        got = _error(client.post("/portfolios", body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    assert client.store.counts() == before


def test_update_changes_its_fields_but_not_workspace_or_members(client: SandboxClient) -> None:
    portfolio = _portfolio(client)
    response = client.put(
        f"/portfolios/{portfolio['gid']}",
        {"name": "Renamed", "archived": True, "public": False, "color": "dark-red"},
    )
    assert response.status_code == 200
    data = client.get(
        f"/portfolios/{portfolio['gid']}", opt_fields="name,archived,privacy_setting,color"
    ).json()
    assert data["data"] == {
        "gid": portfolio["gid"],
        "name": "Renamed",
        "archived": True,
        "privacy_setting": "members_only",
        "color": "dark-red",
    }
    for field in ("workspace", "members"):
        got = _error(client.put(f"/portfolios/{portfolio['gid']}", {field: _workspace(client)}))
        assert got == (400, f"{field}: Cannot write this property")
    assert client.put("/portfolios/1", {"name": "x"}).status_code == 404


def test_items_are_added_in_order_and_removed(client: SandboxClient) -> None:
    portfolio = _portfolio(client)
    one, two, three = _projects(client, 3)
    path = f"/portfolios/{portfolio['gid']}"
    response = client.post(f"{path}/addItem", {"item": one})
    assert (response.status_code, response.json()) == (200, {"data": {}})
    client.post(f"{path}/addItem", {"item": two, "insert_before": one})
    client.post(f"{path}/addItem", {"item": three, "insert_after": two})
    assert _items(client, portfolio["gid"]) == [two, three, one]
    client.post(f"{path}/addItem", {"item": one, "insert_before": two})  # already in: moved
    assert _items(client, portfolio["gid"]) == [one, two, three]
    settings = client.get(f"{path}/project_portfolio_settings").json()["data"]
    assert len(settings) == 3
    nested = _portfolio(client, name="Inner")
    client.post(f"{path}/addItem", {"item": nested["gid"]})
    assert _items(client, portfolio["gid"])[-1] == nested["gid"]
    for body, message in [
        ({"item": portfolio["gid"]}, "item: A portfolio cannot hold itself"),
        ({"item": client.store.all("task")[0]["gid"]}, "item: Not a recognized ID"),
        ({"item": one, "insert_before": "123"}, "insert_before: Not an item"),
        ({}, "item: Missing input"),
    ]:
        got = _error(client.post(f"{path}/addItem", body))
        assert got[0] == 400 and got[1].startswith(message), (body, got)
    got = _error(client.post(f"/portfolios/{nested['gid']}/addItem", {"item": portfolio["gid"]}))
    assert got[0] == 400 and "cannot hold itself" in got[1]  # no cycles through nested portfolios
    response = client.post(f"{path}/removeItem", {"item": two})
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert _items(client, portfolio["gid"]) == [one, three, nested["gid"]]
    assert len(client.get(f"{path}/project_portfolio_settings").json()["data"]) == 2


def test_members_are_added_and_removed(client: SandboxClient) -> None:
    portfolio = _portfolio(client, default_access_level="viewer")
    users = [u["gid"] for u in client.store.all("user")[1:3]]
    response = client.post(f"/portfolios/{portfolio['gid']}/addMembers", {"members": ",".join(users)})
    assert response.status_code == 200
    assert [m["gid"] for m in response.json()["data"]["members"]][1:] == users
    memberships = client.get("/portfolio_memberships", portfolio=portfolio["gid"]).json()["data"]
    assert [(m["member"]["gid"], m["access_level"]) for m in memberships][1:] == [
        (u, "viewer") for u in users
    ]
    response = client.post(f"/portfolios/{portfolio['gid']}/removeMembers", {"members": [users[0]]})
    assert users[0] not in {m["gid"] for m in response.json()["data"]["members"]}
    memberships = client.get("/portfolio_memberships", portfolio=portfolio["gid"], user=users[0]).json()[
        "data"
    ]
    assert memberships == []
    got = _error(client.post(f"/portfolios/{portfolio['gid']}/addMembers", {"members": ["abc"]}))
    assert got == (400, "members: [0]: Not a Long: abc")


def test_delete_keeps_the_items_and_drops_what_hung_on_the_portfolio(client: SandboxClient) -> None:
    outer, portfolio = _portfolio(client, name="Outer"), _portfolio(client, name="Doomed")
    (project,) = _projects(client, 1)
    client.post(f"/portfolios/{portfolio['gid']}/addItem", {"item": project})
    client.post(f"/portfolios/{outer['gid']}/addItem", {"item": portfolio["gid"]})
    goal = client.store.all("goal")[0]["gid"]
    client.post(f"/goals/{goal}/addSupportingRelationship", {"supporting_resource": portfolio["gid"]})
    update = client.post(
        "/status_updates", {"parent": portfolio["gid"], "status_type": "on_track", "text": "ok"}
    )
    response = client.delete(f"/portfolios/{portfolio['gid']}")
    assert (response.status_code, response.json()) == (200, {"data": {}})
    assert client.get(f"/portfolios/{portfolio['gid']}").status_code == 404
    assert client.get(f"/projects/{project}").status_code == 200
    assert _items(client, outer["gid"]) == []
    assert client.get(f"/status_updates/{update.json()['data']['gid']}").status_code == 404
    links = client.get("/goal_relationships", supported_goal=goal).json()["data"]
    assert portfolio["gid"] not in {link["supporting_resource"]["gid"] for link in links}
    settings = client.get(f"/projects/{project}/project_portfolio_settings", opt_fields="portfolio").json()[
        "data"
    ]
    assert portfolio["gid"] not in {s["portfolio"]["gid"] for s in settings}
    assert client.store.related("portfolio_membership", "parent", portfolio["gid"]) == []


def test_writes_append_events_to_the_workspace_stream(client: SandboxClient) -> None:
    workspace = _workspace(client)
    sync = client.get(f"/workspaces/{workspace}/events").json()["sync"]
    portfolio = _portfolio(client)
    (project,) = _projects(client, 1)
    client.put(f"/portfolios/{portfolio['gid']}", {"name": "Renamed"})
    client.post(f"/portfolios/{portfolio['gid']}/addItem", {"item": project})
    client.post(f"/portfolios/{portfolio['gid']}/removeItem", {"item": project})
    client.delete(f"/portfolios/{portfolio['gid']}")
    events = client.get(f"/workspaces/{workspace}/events", sync=sync).json()["data"]
    seen = [
        (
            e["resource"]["gid"],
            e["action"],
            (e.get("change") or {}).get("field"),
            (e.get("parent") or {}).get("gid"),
        )
        for e in events
        if e["resource"]["gid"] in (portfolio["gid"], project)
    ]
    assert seen == [
        (portfolio["gid"], "added", None, workspace),
        (portfolio["gid"], "changed", "name", None),
        (project, "added", None, portfolio["gid"]),
        (project, "removed", None, portfolio["gid"]),
        (portfolio["gid"], "deleted", None, None),
    ]


def test_a_deleted_portfolio_takes_the_requests_to_join_it_along(client: SandboxClient) -> None:
    portfolio = _portfolio(client, name="Doomed")
    request = client.post("/access_requests", {"target": portfolio["gid"]}).json()["data"]
    assert client.delete(f"/portfolios/{portfolio['gid']}").status_code == 200
    assert client.post(f"/access_requests/{request['gid']}/approve").status_code == 404
