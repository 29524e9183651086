"""Memberships through the write API: create, update and delete on projects, goals and portfolios."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asana_sandbox.store import Record
from tests.sandbox_client import SandboxClient


@pytest.fixture
def client(sandbox: SandboxClient) -> SandboxClient:
    return sandbox


def _outsider(client: SandboxClient, parent: Record) -> Record:
    members = {m["member"]["gid"] for m in client.store.related("membership", "parent", parent["gid"])}
    workspace = parent["workspace"]["gid"]
    users = [m["user"]["gid"] for m in client.store.related("workspace_membership", "workspace", workspace)]
    return client.store.get(next(g for g in users if g not in members))


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["errors"][0]["message"]


def _project_levels(client: SandboxClient, project: Record) -> dict[str, tuple[str, str]]:
    listed = client.get(
        f"/projects/{project['gid']}/project_memberships", opt_fields="member,access_level,write_access"
    )
    return {m["member"]["gid"]: (m["access_level"], m["write_access"]) for m in listed.json()["data"]}


def test_project_membership_is_listed_everywhere_a_member_is(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    user = _outsider(client, project)
    response = client.post(
        "/memberships", {"parent": project["gid"], "member": user["gid"], "access_level": "commenter"}
    )
    assert response.status_code == 201
    membership = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/memberships/{membership['gid']}")
    assert (membership["resource_subtype"], membership["access_level"]) == ("project_membership", "commenter")
    assert (membership["parent"]["gid"], membership["member"]["gid"]) == (project["gid"], user["gid"])
    assert membership["gid"] in {
        m["gid"] for m in client.get("/memberships", parent=project["gid"]).json()["data"]
    }
    assert _project_levels(client, project)[user["gid"]] == ("commenter", "comment_only")
    members = client.get(f"/projects/{project['gid']}", opt_fields="members").json()["data"]["members"]
    assert user["gid"] in {m["gid"] for m in members}


def test_default_level_is_the_projects_and_a_second_create_changes_nothing_else(
    client: SandboxClient,
) -> None:
    project = client.store.all("project")[0]
    user = _outsider(client, project)
    first = client.post("/memberships", {"parent": project["gid"], "member": user["email"]}).json()["data"]
    assert first["access_level"] == project["default_access_level"]
    again = client.post("/memberships", {"parent": project["gid"], "member": user["gid"]}).json()["data"]
    assert again["gid"] == first["gid"]
    assert len(client.get("/memberships", parent=project["gid"], member=user["gid"]).json()["data"]) == 1


def test_update_changes_the_level_through_either_gid(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    membership = client.store.related("membership", "parent", project["gid"])[-1]
    user = membership["member"]["gid"]
    response = client.put(f"/memberships/{membership['gid']}", {"access_level": "commenter"})
    assert response.status_code == 200 and response.json()["data"]["access_level"] == "commenter"
    assert _project_levels(client, project)[user] == ("commenter", "comment_only")
    twin = client.get(f"/projects/{project['gid']}/project_memberships", user=user).json()["data"][0]
    updated = client.put(f"/memberships/{twin['gid']}", {"access_level": "admin"}).json()["data"]
    assert (updated["gid"], updated["access_level"]) == (membership["gid"], "admin")
    assert client.get(f"/memberships/{membership['gid']}").json()["data"]["access_level"] == "admin"


def test_delete_ends_membership_following_and_both_records(client: SandboxClient) -> None:
    project = client.store.all("project")[0]
    follower = project["followers"][0]["gid"]
    membership = client.get("/memberships", parent=project["gid"], member=follower).json()["data"][0]
    twin = client.get(f"/projects/{project['gid']}/project_memberships", user=follower).json()["data"][0]
    sync = client.get("/events", resource=project["gid"]).json()["sync"]
    assert client.delete(f"/memberships/{membership['gid']}").json() == {"data": {}}
    assert client.get(f"/memberships/{membership['gid']}").status_code == 404
    assert client.get(f"/project_memberships/{twin['gid']}").status_code == 404
    shown = client.get(f"/projects/{project['gid']}", opt_fields="members,followers").json()["data"]
    assert follower not in {u["gid"] for u in shown["members"] + shown["followers"]}
    events = client.get("/events", resource=project["gid"], sync=sync).json()["data"]
    assert ("deleted", membership["gid"]) in {(e["action"], e["resource"]["gid"]) for e in events}


def test_goal_and_portfolio_memberships(client: SandboxClient) -> None:
    goal = client.store.all("goal")[0]
    user = _outsider(client, goal)
    made = client.post("/memberships", {"parent": goal["gid"], "member": user["gid"]}).json()["data"]
    assert (made["resource_subtype"], made["access_level"], made["goal"]["gid"]) == (
        "goal_membership",
        "commenter",
        goal["gid"],
    )
    portfolio = client.store.all("portfolio")[0]
    user = _outsider(client, portfolio)
    made = client.post(
        "/memberships", {"parent": portfolio["gid"], "member": user["gid"], "access_level": "viewer"}
    ).json()["data"]
    assert made["resource_subtype"] == "portfolio_membership"
    listed = client.get(
        f"/portfolios/{portfolio['gid']}/portfolio_memberships", opt_fields="member,access_level"
    )
    assert {"gid": user["gid"], "resource_type": "user", "name": user["name"]} in [
        m["member"] for m in listed.json()["data"]
    ]
    assert user["gid"] in {m["gid"] for m in client.store.get(portfolio["gid"])["members"]}
    team = client.store.all("team")[0]
    made = client.post("/memberships", {"parent": portfolio["gid"], "member": team["gid"]}).json()["data"]
    assert made["member"]["resource_type"] == "team"


def test_goal_memberships_need_premium(sandbox_factory: Callable[..., SandboxClient]) -> None:
    free = sandbox_factory(tier="free")
    goal = free.store.all("goal")[0]
    membership = free.store.related("membership", "parent", goal["gid"])[0]
    user = _outsider(free, goal)
    assert free.post("/memberships", {"parent": goal["gid"], "member": user["gid"]}).status_code == 402
    assert free.put(f"/memberships/{membership['gid']}", {"access_level": "editor"}).status_code == 402
    assert free.delete(f"/memberships/{membership['gid']}").status_code == 402
    project = free.store.all("project")[0]
    assert free.post("/memberships", {"parent": project["gid"], "member": user["gid"]}).status_code == 201


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"member": "U"}, "parent: Missing input"),
        ({"parent": "P"}, "member: Missing input"),
        ({"parent": "abc", "member": "U"}, "parent: Not a Long: abc"),
        ({"parent": "TASK", "member": "U"}, "parent: Not a recognized ID"),
        ({"parent": "P", "member": "P"}, "member: Not a recognized ID"),
        (
            {"parent": "P", "member": "U", "access_level": "viewer"},
            "access_level: Not one of the allowed values",
        ),
        ({"parent": "PORTFOLIO", "member": "U", "access_level": "commenter"}, "access_level: Not one of"),
        ({"parent": "P", "member": "U", "role": "owner"}, "role: Not one of the allowed values"),
    ],
)
def test_create_bad_input_is_refused_and_changes_nothing(
    demo: SandboxClient, body: dict, message: str
) -> None:
    project = demo.store.all("project")[0]
    names = {
        "P": project["gid"],
        "U": _outsider(demo, project)["gid"],
        "TASK": demo.store.all("task")[0]["gid"],
        "PORTFOLIO": demo.store.all("portfolio")[0]["gid"],
    }
    body = {k: names.get(v, v) for k, v in body.items()}
    before = demo.store.counts()
    status, text = _error(demo.post("/memberships", body))
    assert status == 400 and text.startswith(message), text
    assert demo.store.counts() == before


def test_update_refuses_parent_and_member_and_bad_levels(demo: SandboxClient) -> None:
    membership = next(
        m for m in demo.store.all("membership") if m["resource_subtype"] == "project_membership"
    )
    snapshot = dict(membership)
    path = f"/memberships/{membership['gid']}"
    assert _error(demo.put(path, {"parent": membership["parent"]["gid"]})) == (
        400,
        "parent: Cannot write this property",
    )
    assert _error(demo.put(path, {"access_level": "owner"}))[0] == 400
    assert demo.store.get(membership["gid"]) == snapshot
    assert demo.put("/memberships/1", {"access_level": "editor"}).status_code == 404
