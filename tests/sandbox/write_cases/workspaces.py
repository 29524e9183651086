"""Write cases for workspaces, users and teams: rename, add and remove users, users' fields, teams."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.helpers import PERSONAL, workspace
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _acme(store: Store) -> str:
    return workspace(store)["gid"]


def _outsider(store: Store) -> Record:
    """A user of the free workspace who is not in Acme Corp."""
    acme = _acme(store)
    return next(u for u in store.all("user") if all(w["gid"] != acme for w in u["workspaces"]))


def _member(store: Store) -> Record:
    """An Acme member who is not the token's user (the demo's first user) nor an admin."""
    admins = {m["user"]["gid"] for m in store.all("workspace_membership") if m["is_admin"]}
    acme = _acme(store)
    return next(
        u
        for u in store.all("user")[1:]
        if u["gid"] not in admins and any(w["gid"] == acme for w in u["workspaces"])
    )


def _team(store: Store) -> Record:
    return store.all("team")[0]


def _not_in_team(store: Store) -> str:
    team = _team(store)
    members = {m["user"]["gid"] for m in store.related("team_membership", "team", team["gid"])}
    acme = _acme(store)
    return next(
        u["gid"]
        for u in store.all("user")
        if u["gid"] not in members and any(w["gid"] == acme for w in u["workspaces"])
    )


def _in_team(store: Store) -> str:
    return store.related("team_membership", "team", _team(store)["gid"])[-1]["user"]["gid"]


def _enum_field(store: Store) -> Record:
    return next(f for f in store.all("custom_field") if f["type"] == "enum")


def _text_field(store: Store) -> Record:
    return next(f for f in store.all("custom_field") if f["type"] == "text")


CASES = [
    WriteCase(
        "PUT /workspaces/{workspace_gid}",
        lambda s: WriteRequest(f"/workspaces/{_acme(s)}", {"data": {"name": "Acme Inc"}}),
    ),
    WriteCase(
        "PUT /workspaces/{workspace_gid}",
        lambda s: WriteRequest(f"/workspaces/{_acme(s)}", {"data": {"is_organization": False}}),
        400,
        "read-only",
    ),
    WriteCase(
        "POST /workspaces/{workspace_gid}/addUser",
        lambda s: WriteRequest(f"/workspaces/{_acme(s)}/addUser", {"data": {"user": _outsider(s)["email"]}}),
    ),
    WriteCase(
        "POST /workspaces/{workspace_gid}/addUser",
        lambda s: WriteRequest(f"/workspaces/{_acme(s)}/addUser", {"data": {"user": "12345"}}),
        400,
        "unknown user",
    ),
    WriteCase(
        "POST /workspaces/{workspace_gid}/removeUser",
        lambda s: WriteRequest(f"/workspaces/{_acme(s)}/removeUser", {"data": {"user": _member(s)["gid"]}}),
    ),
    WriteCase(
        "PUT /users/{user_gid}",
        lambda s: WriteRequest(
            f"/users/{_member(s)['gid']}",
            {"data": {"custom_fields": {_enum_field(s)["gid"]: _enum_field(s)["enum_options"][0]["gid"]}}},
            {"workspace": _acme(s)},
        ),
    ),
    WriteCase(
        "PUT /users/{user_gid}",
        lambda s: WriteRequest(f"/users/{_member(s)['gid']}", {"data": {"name": "Not mine"}}),
        400,
        "another user's name",
    ),
    WriteCase(
        "PUT /workspaces/{workspace_gid}/users/{user_gid}",
        lambda s: WriteRequest(
            f"/workspaces/{_acme(s)}/users/me",
            {"data": {"name": "Hiro A.", "custom_fields": {_text_field(s)["gid"]: "Berlin office"}}},
        ),
    ),
    WriteCase(
        "POST /teams",
        lambda s: WriteRequest(
            "/teams",
            {
                "data": {
                    "name": "Platform",
                    "organization": _acme(s),
                    "description": "Shared services",
                    "visibility": "public",
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /teams",
        lambda s: WriteRequest(
            "/teams", {"data": {"name": "Nowhere", "organization": workspace(s, PERSONAL)["gid"]}}
        ),
        400,
        "not an organization",
    ),
    WriteCase(
        "PUT /teams/{team_gid}",
        lambda s: WriteRequest(
            f"/teams/{_team(s)['gid']}",
            {"data": {"name": "Design Studio", "team_member_removal_access_level": "all_team_members"}},
        ),
    ),
    WriteCase(
        "POST /teams/{team_gid}/addUser",
        lambda s: WriteRequest(f"/teams/{_team(s)['gid']}/addUser", {"data": {"user": _not_in_team(s)}}),
    ),
    WriteCase(
        "POST /teams/{team_gid}/addUser",
        lambda s: WriteRequest(f"/teams/{_team(s)['gid']}/addUser", {"data": {"user": _outsider(s)["gid"]}}),
        400,
        "outside the organization",
    ),
    WriteCase(
        "POST /teams/{team_gid}/removeUser",
        lambda s: WriteRequest(f"/teams/{_team(s)['gid']}/removeUser", {"data": {"user": _in_team(s)}}),
    ),
    WriteCase(
        "POST /teams/{team_gid}/removeUser",
        lambda s: WriteRequest("/teams/1/removeUser", {"data": {"user": "me"}}),
        404,
        "unknown team",
    ),
]
