"""Workspaces, users and teams through the write API: membership changes as every read shows them.

Tests of refused requests share the module's `demo` sandbox (a refused request writes nothing, which they
check); the others get a fresh `sandbox` each.
"""

from __future__ import annotations

from typing import Any

import pytest

from asana_sandbox.store import Record
from tests.sandbox.helpers import PERSONAL, error_message, gids, workspace
from tests.sandbox_client import SandboxClient

HIRO = "Hiro Adams"  # the demo's first user: the token acts as him; the only admin of Acme Corp


def _user(client: SandboxClient, name: str) -> Record:
    return next(u for u in client.store.all("user") if u["name"] == name)


def _member_only_of(client: SandboxClient, workspace_name: str) -> Record:
    """The first user who is a member of that workspace and no other."""
    return next(
        u for u in client.store.all("user") if [w["name"] for w in u["workspaces"]] == [workspace_name]
    )


def _first_admin(client: SandboxClient, workspace_gid: str) -> Record:
    """The workspace's first admin: the sandbox's stand-in for an organization's designated admin."""
    admin = next(
        m
        for m in client.store.all("workspace_membership")
        if m["workspace"]["gid"] == workspace_gid and m.get("is_admin") and m.get("is_active", True)
    )
    return client.store.get(admin["user"]["gid"])


def _events(client: SandboxClient, workspace_gid: str, sync: str) -> list[dict[str, Any]]:
    return client.get(f"/workspaces/{workspace_gid}/events", sync=sync).json()["data"]


def _sync(client: SandboxClient, workspace_gid: str) -> str:
    return client.get(f"/workspaces/{workspace_gid}/events").json()["sync"]


def _seen(events: list[dict[str, Any]], resource_type: str) -> list[tuple[str, str | None]]:
    """(action, parent gid) of the events about objects of `resource_type`."""
    return [
        (e["action"], (e.get("parent") or {}).get("gid"))
        for e in events
        if e["resource"]["resource_type"] == resource_type
    ]


def _counts(client: SandboxClient) -> dict[str, int]:
    return client.store.counts()


# -- the workspace ------------------------------------------------------------------------------------------
def test_rename_answers_the_workspace_and_every_reference_shows_the_new_name(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    sync = _sync(sandbox, acme)
    response = sandbox.put(f"/workspaces/{acme}", {"name": "Acme Inc"})
    assert response.status_code == 200
    assert response.json()["data"] == {
        "gid": acme,
        "resource_type": "workspace",
        "name": "Acme Inc",
        "email_domains": ["acme.example.com"],
        "is_organization": True,
    }
    me = sandbox.get("/users/me", opt_fields="workspaces.name").json()["data"]
    assert {"gid": acme, "name": "Acme Inc"} in me["workspaces"]
    changed = [e for e in _events(sandbox, acme, sync) if e["resource"]["gid"] == acme]
    assert [(e["action"], e["change"]["field"]) for e in changed] == [("changed", "name")]


def test_only_the_name_of_a_workspace_can_be_written(demo: SandboxClient) -> None:
    acme = workspace(demo.store)
    response = demo.put(f"/workspaces/{acme['gid']}", {"email_domains": ["evil.example.com"]})
    assert (response.status_code, error_message(response.json())) == (
        400,
        "email_domains: Cannot write this property",
    )
    assert acme["email_domains"] == ["acme.example.com"]


# -- adding users -------------------------------------------------------------------------------------------
def test_add_user_by_email_lists_them_in_every_read_of_the_workspace(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    samir = _member_only_of(sandbox, PERSONAL)
    sync = _sync(sandbox, acme)
    response = sandbox.post(f"/workspaces/{acme}/addUser", {"user": samir["email"]})
    assert response.status_code == 200
    assert response.json()["data"]["gid"] == samir["gid"]
    assert samir["gid"] in gids(sandbox.get(f"/workspaces/{acme}/users").json())
    assert samir["gid"] in gids(sandbox.get("/users", workspace=acme, limit=100).json())
    memberships = sandbox.get(
        f"/workspaces/{acme}/workspace_memberships", user=samir["gid"], opt_fields="is_guest,is_active"
    ).json()["data"]
    # Outside the organization's email domain: a guest, as Asana makes them.
    assert [(m["is_active"], m["is_guest"]) for m in memberships] == [(True, True)]
    task_list = sandbox.get(f"/users/{samir['gid']}/user_task_list", workspace=acme)
    assert task_list.status_code == 200
    assert ("added", acme) in _seen(_events(sandbox, acme, sync), "workspace_membership")


def test_adding_a_member_again_changes_nothing(demo: SandboxClient) -> None:
    acme = workspace(demo.store)["gid"]
    before = _counts(demo)
    for user in ("me", _user(demo, "Priya Haddad")["gid"]):
        assert demo.post(f"/workspaces/{acme}/addUser", {"user": user}).status_code == 200
    assert _counts(demo) == before


def test_add_user_with_an_unknown_email_invites_a_new_user(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    response = sandbox.post(f"/workspaces/{acme}/addUser", {"user": "new.hire@acme.example.com"})
    user = response.json()["data"]
    assert (user["email"], user["name"], [w["gid"] for w in user["workspaces"]]) == (
        "new.hire@acme.example.com",
        "new.hire@acme.example.com",
        [acme],
    )
    shown = sandbox.get(f"/users/{user['gid']}").json()["data"]
    assert shown["email"] == "new.hire@acme.example.com"
    membership = sandbox.get(
        f"/workspaces/{acme}/workspace_memberships", user=user["gid"], opt_fields="is_guest"
    ).json()["data"]
    assert [m["is_guest"] for m in membership] == [False]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "user: Missing input"),
        ({"user": "abc"}, "user: Not a Long: abc"),
        ({"user": "12345"}, "user: Not a recognized ID: 12345"),
        ({"user": "someone@nowhere"}, "user: Not a valid email address: someone@nowhere"),
        ({"user": 7.5}, "user: Not a Long: 7.5"),
    ],
)
def test_add_user_refuses_bad_input_and_changes_nothing(
    demo: SandboxClient, body: dict[str, Any], message: str
) -> None:
    acme = workspace(demo.store)["gid"]
    before = _counts(demo)
    response = demo.post(f"/workspaces/{acme}/addUser", body)
    assert (response.status_code, error_message(response.json())) == (400, message)
    assert _counts(demo) == before
    assert demo.post("/workspaces/1/addUser", {"user": "me"}).status_code == 404


# -- removing users -----------------------------------------------------------------------------------------
def test_remove_user_deprovisions_them_as_asana_does(sandbox: SandboxClient) -> None:
    """Their tasks are unassigned into a private project of the heir, who gets a review task; they leave
    the workspace's lists and teams; their membership stays, inactive; projects they own keep their owner."""
    store = sandbox.store
    acme = workspace(store)["gid"]
    ivy = _user(sandbox, "Ivy Chen")
    assigned = {t["gid"] for t in store.related("task", "assignee", ivy["gid"])}
    owned = [p["gid"] for p in store.all("project") if p["owner"]["gid"] == ivy["gid"]]
    sync = _sync(sandbox, acme)
    response = sandbox.post(f"/workspaces/{acme}/removeUser", {"user": ivy["email"]})
    assert (response.status_code, response.json()) == (200, {"data": {}})

    project = store.all("project")[-1]
    assert project["name"] == "Tasks previously assigned to Ivy Chen"
    shown = sandbox.get(f"/projects/{project['gid']}", opt_fields="owner.name,privacy_setting").json()["data"]
    assert (shown["owner"]["name"], shown["privacy_setting"]) == (HIRO, "private")
    listed = sandbox.get(f"/projects/{project['gid']}/tasks", opt_fields="name,assignee.name").json()["data"]
    assert assigned <= {t["gid"] for t in listed}
    assert all(t["assignee"] is None for t in listed if t["gid"] in assigned)
    [review] = [t for t in listed if t["gid"] not in assigned]
    assert review["assignee"]["name"] == HIRO
    assert all(store.get(gid)["owner"]["gid"] == ivy["gid"] for gid in owned)

    assert ivy["gid"] not in gids(sandbox.get(f"/workspaces/{acme}/users").json())
    assert sandbox.get(f"/users/{ivy['gid']}/teams", organization=acme).json()["data"] == []
    assert sandbox.get(f"/users/{ivy['gid']}/user_task_list", workspace=acme).status_code == 404
    membership = sandbox.get(
        f"/workspaces/{acme}/workspace_memberships", user=ivy["gid"], opt_fields="is_active"
    ).json()["data"]
    assert [m["is_active"] for m in membership] == [False]
    events = _events(sandbox, acme, sync)
    assert ("removed", acme) in _seen(events, "workspace_membership")
    teams = {t["gid"] for t in store.all("team") if t["name"] in ("Design", "Data", "Legal")}
    assert sorted(_seen(events, "team_membership")) == sorted(("removed", t) for t in teams)


def test_with_a_service_account_the_designated_admin_inherits(sandbox: SandboxClient) -> None:
    """In the free workspace the token's user is no member; its designated (first) admin inherits."""
    personal = workspace(sandbox.store, PERSONAL)["gid"]
    samir = _member_only_of(sandbox, PERSONAL)
    admin = _first_admin(sandbox, personal)
    assert admin["gid"] != samir["gid"]
    assert sandbox.post(f"/workspaces/{personal}/removeUser", {"user": samir["gid"]}).status_code == 200
    project = sandbox.store.all("project")[-1]
    assert (project["name"], project["owner"]["name"]) == (
        f"Tasks previously assigned to {samir['name']}",
        admin["name"],
    )
    assert sandbox.store.related("task", "assignee", samir["gid"]) == []


def test_with_a_personal_token_only_an_admin_removes_and_the_token_user_inherits(sandbox_factory) -> None:
    client = sandbox_factory(service_account=False)
    personal = workspace(client.store, PERSONAL)["gid"]
    before = _counts(client)
    response = client.post(
        f"/workspaces/{personal}/removeUser", {"user": _member_only_of(client, PERSONAL)["gid"]}
    )
    assert response.status_code == 403
    assert _counts(client) == before
    acme = workspace(client.store)["gid"]
    grace = _user(client, "Grace Varga")
    assert client.post(f"/workspaces/{acme}/removeUser", {"user": grace["gid"]}).status_code == 200
    assert client.store.all("project")[-1]["owner"]["name"] == HIRO


def test_a_removed_user_can_be_added_back(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    keiko = _user(sandbox, "Keiko Weber")
    sandbox.post(f"/workspaces/{acme}/removeUser", {"user": keiko["gid"]})
    sandbox.post(f"/workspaces/{acme}/addUser", {"user": keiko["gid"]})
    memberships = sandbox.get(
        f"/workspaces/{acme}/workspace_memberships", user=keiko["gid"], opt_fields="is_active"
    ).json()["data"]
    assert [m["is_active"] for m in memberships] == [True]
    assert keiko["gid"] in gids(sandbox.get(f"/workspaces/{acme}/users").json())
    assert sandbox.get(f"/users/{keiko['gid']}/user_task_list", workspace=acme).status_code == 200


# -- users' own fields --------------------------------------------------------------------------------------
def test_custom_field_values_on_a_user(sandbox: SandboxClient) -> None:
    store = sandbox.store
    acme = workspace(store)["gid"]
    priya = _user(sandbox, "Priya Haddad")
    priority = next(f for f in store.all("custom_field") if f["type"] == "enum")
    option = priority["enum_options"][1]
    response = sandbox.put(
        f"/users/{priya['gid']}",
        {"custom_fields": {priority["gid"]: option["gid"]}},
        params={"workspace": acme},
    )
    assert response.status_code == 200
    [value] = response.json()["data"]["custom_fields"]
    assert (value["gid"], value["enum_value"]["gid"], value["display_value"]) == (
        priority["gid"],
        option["gid"],
        option["name"],
    )
    shown = sandbox.get(f"/users/{priya['gid']}", opt_fields="custom_fields.display_value").json()["data"]
    assert shown["custom_fields"] == [{"gid": priority["gid"], "display_value": option["name"]}]


@pytest.mark.parametrize(
    ("field_type", "value", "message"),
    [
        ("enum", "12345", "custom_fields"),
        ("number", "many", "Not a number"),
        ("text", 5, "Not a string"),
    ],
)
def test_wrong_custom_field_values_are_refused(
    demo: SandboxClient, field_type: str, value: Any, message: str
) -> None:
    field = next(f for f in demo.store.all("custom_field") if f["type"] == field_type)
    response = demo.put("/users/me", {"custom_fields": {field["gid"]: value}})
    assert response.status_code == 400
    assert message in error_message(response.json())
    assert _user(demo, HIRO)["custom_fields"] == []


def test_a_field_of_another_workspace_is_refused(demo: SandboxClient) -> None:
    personal = workspace(demo.store, PERSONAL)["gid"]
    field = next(f for f in demo.store.all("custom_field") if f["_workspace"] == personal)
    response = demo.put("/users/me", {"custom_fields": {field["gid"]: "x"}})
    assert (response.status_code, error_message(response.json())) == (
        400,
        f"custom_fields: Not a recognized ID: {field['gid']}",
    )


def test_only_the_user_themself_renames_them(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    priya = _user(sandbox, "Priya Haddad")
    response = sandbox.put(f"/users/{priya['gid']}", {"name": "P. Haddad"})
    assert (response.status_code, error_message(response.json())) == (400, "name: Cannot write this property")
    assert sandbox.put("/users/me", {"email": "x@y.z"}).status_code == 400
    renamed = sandbox.put(f"/workspaces/{acme}/users/me", {"name": "Hiro A."}).json()["data"]
    assert renamed["name"] == "Hiro A."
    samir = _member_only_of(sandbox, PERSONAL)  # not in Acme Corp
    assert sandbox.put(f"/workspaces/{acme}/users/{samir['gid']}", {"custom_fields": {}}).status_code == 404


# -- teams --------------------------------------------------------------------------------------------------
def test_create_team_makes_the_creator_its_admin_and_lists_it(sandbox: SandboxClient) -> None:
    acme = workspace(sandbox.store)["gid"]
    sync = _sync(sandbox, acme)
    response = sandbox.post(
        "/teams", {"name": "Platform", "organization": acme, "html_description": "<body><b>Core</b></body>"}
    )
    assert response.status_code == 201
    team = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/teams/{team['gid']}")
    assert (team["name"], team["organization"]["gid"], team["visibility"]) == (
        "Platform",
        acme,
        "request_to_join",
    )
    full = sandbox.get(f"/teams/{team['gid']}", opt_fields="description,html_description").json()["data"]
    assert (full["description"], full["html_description"]) == ("Core", "<body><b>Core</b></body>")
    assert team["gid"] in gids(sandbox.get(f"/workspaces/{acme}/teams", limit=100).json())
    members = sandbox.get(f"/teams/{team['gid']}/team_memberships", opt_fields="user.name,is_admin").json()
    assert [(m["user"]["name"], m["is_admin"]) for m in members["data"]] == [(HIRO, True)]
    assert ("added", acme) in _seen(_events(sandbox, acme, sync), "team")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x"}, "organization: Missing input"),
        ({"organization": "WS"}, "name: Missing input"),
        ({"name": "x", "organization": "PERSONAL"}, "is not an organization"),
        ({"name": "x", "organization": "WS", "visibility": "hidden"}, "visibility: Not one of"),
        ({"name": "x", "organization": "WS", "endorsed": "yes"}, "endorsed: Not a boolean"),
        (
            {
                "name": "x",
                "organization": "WS",
                "visibility": "public",
                "join_request_management_access_level": "all_team_members",
            },
            "join_request_management_access_level: Can only be set",
        ),
    ],
)
def test_create_team_refuses_bad_input_and_changes_nothing(
    demo: SandboxClient, body: dict[str, Any], message: str
) -> None:
    names = {"WS": workspace(demo.store)["gid"], "PERSONAL": workspace(demo.store, PERSONAL)["gid"]}
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = _counts(demo)
    response = demo.post("/teams", body)
    assert response.status_code == 400
    assert message in error_message(response.json())
    assert _counts(demo) == before


def test_update_team_and_its_settled_organization(sandbox: SandboxClient) -> None:
    team = sandbox.store.all("team")[0]
    personal = workspace(sandbox.store, PERSONAL)["gid"]
    updated = sandbox.put(
        f"/teams/{team['gid']}", {"name": "Design Studio", "visibility": "public", "endorsed": True}
    ).json()["data"]
    assert (updated["name"], updated["visibility"], updated["endorsed"]) == ("Design Studio", "public", True)
    response = sandbox.put(f"/teams/{team['gid']}", {"organization": personal})
    assert (response.status_code, error_message(response.json())) == (
        400,
        "organization: Cannot write this property",
    )
    assert team["name"] == "Design Studio"


def test_team_members_added_and_removed_show_in_every_list(sandbox: SandboxClient) -> None:
    store = sandbox.store
    acme = workspace(store)["gid"]
    team = store.all("team")[0]
    members = {m["user"]["gid"] for m in store.related("team_membership", "team", team["gid"])}
    newcomer = next(
        u
        for u in store.all("user")
        if u["gid"] not in members and any(w["gid"] == acme for w in u["workspaces"])
    )
    sync = _sync(sandbox, acme)
    added = sandbox.post(f"/teams/{team['gid']}/addUser", {"user": newcomer["email"]})
    assert added.status_code == 200
    membership = added.json()["data"]
    assert (membership["resource_type"], membership["user"]["gid"], membership["team"]["gid"]) == (
        "team_membership",
        newcomer["gid"],
        team["gid"],
    )
    assert newcomer["gid"] in gids(sandbox.get(f"/teams/{team['gid']}/users").json())
    assert team["gid"] in gids(sandbox.get(f"/users/{newcomer['gid']}/teams", organization=acme).json())
    assert membership["gid"] in gids(sandbox.get("/team_memberships", team=team["gid"], limit=100).json())
    again = sandbox.post(f"/teams/{team['gid']}/addUser", {"user": newcomer["gid"]}).json()["data"]
    assert again["gid"] == membership["gid"]

    removed = sandbox.post(f"/teams/{team['gid']}/removeUser", {"user": newcomer["gid"]})
    assert (removed.status_code, removed.json()) == (200, {"data": {}})
    assert newcomer["gid"] not in gids(sandbox.get(f"/teams/{team['gid']}/users").json())
    assert team["gid"] not in gids(sandbox.get(f"/users/{newcomer['gid']}/teams", organization=acme).json())
    assert sandbox.get(f"/team_memberships/{membership['gid']}").status_code == 404
    seen = [
        (e["action"], e["parent"]["gid"])
        for e in _events(sandbox, acme, sync)
        if e["resource"]["gid"] == membership["gid"] and e["action"] in ("added", "removed")
    ]
    assert seen == [("added", team["gid"]), ("removed", team["gid"])]


def test_only_members_of_the_organization_join_its_teams(demo: SandboxClient) -> None:
    team = demo.store.all("team")[0]
    before = _counts(demo)
    response = demo.post(f"/teams/{team['gid']}/addUser", {"user": _member_only_of(demo, PERSONAL)["gid"]})
    assert response.status_code == 400
    assert "is not a member of the team's organization" in error_message(response.json())
    assert _counts(demo) == before


def test_with_a_personal_token_team_rules_apply(sandbox_factory) -> None:
    """Outside its teams a user may only join public ones; removing others can take a team admin."""
    client = sandbox_factory(service_account=False)
    store = client.store
    hiro = _user(client, HIRO)
    admin_membership = next(m for m in store.related("workspace_membership", "user", hiro["gid"]))
    store.update(admin_membership["gid"], {"is_admin": False})  # as a plain member of the organization
    team = next(
        t
        for t in store.all("team")
        if all(m["user"]["gid"] != hiro["gid"] for m in store.related("team_membership", "team", t["gid"]))
    )
    other = store.related("team_membership", "team", team["gid"])[-1]["user"]["gid"]
    assert client.post(f"/teams/{team['gid']}/addUser", {"user": other}).status_code == 403
    assert client.post(f"/teams/{team['gid']}/removeUser", {"user": other}).status_code == 403
    client.put(f"/teams/{team['gid']}", {"visibility": "public"})
    assert client.post(f"/teams/{team['gid']}/addUser", {"user": "me"}).status_code == 200
    # Now a member, not an admin, of a team whose removals are for admins only.
    assert team["team_member_removal_access_level"] == "only_team_admins"
    assert client.post(f"/teams/{team['gid']}/removeUser", {"user": other}).status_code == 403
    assert client.post(f"/teams/{team['gid']}/removeUser", {"user": "me"}).status_code == 200
