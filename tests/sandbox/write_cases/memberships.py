"""Write cases for memberships (of projects, goals, portfolios): create, update, delete."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _project(store: Store) -> Record:
    return store.all("project")[0]


def _outsider(store: Store, parent: Record) -> str:
    members = {m["member"]["gid"] for m in store.related("membership", "parent", parent["gid"])}
    return next(u["gid"] for u in store.all("user") if u["gid"] not in members)


def _membership(store: Store, subtype: str) -> str:
    return next(m["gid"] for m in store.all("membership") if m["resource_subtype"] == subtype)


CASES = [
    WriteCase(
        "POST /memberships",
        lambda s: WriteRequest(
            "/memberships",
            {
                "data": {
                    "parent": _project(s)["gid"],
                    "member": _outsider(s, _project(s)),
                    "access_level": "editor",
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /memberships",
        lambda s: WriteRequest(
            "/memberships",
            {"data": {"parent": s.all("goal")[0]["gid"], "member": _outsider(s, s.all("goal")[0])}},
        ),
        201,
        "goal",
    ),
    WriteCase(
        "POST /memberships",
        lambda s: WriteRequest("/memberships", {"data": {"parent": _project(s)["gid"]}}),
        400,
        "no member",
    ),
    WriteCase(
        "PUT /memberships/{membership_gid}",
        lambda s: WriteRequest(
            f"/memberships/{_membership(s, 'project_membership')}", {"data": {"access_level": "commenter"}}
        ),
    ),
    WriteCase(
        "PUT /memberships/{membership_gid}",
        lambda s: WriteRequest(
            f"/memberships/{_membership(s, 'portfolio_membership')}", {"data": {"access_level": "commenter"}}
        ),
        400,
        "level the parent does not have",
    ),
    WriteCase(
        "DELETE /memberships/{membership_gid}",
        lambda s: WriteRequest(f"/memberships/{_membership(s, 'goal_membership')}"),
    ),
    WriteCase(
        "DELETE /memberships/{membership_gid}", lambda s: WriteRequest("/memberships/1"), 404, "unknown"
    ),
]
