"""Write cases for portfolios: create, update, delete, items and members."""

from __future__ import annotations

from asana_sandbox.store import Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _workspace(store: Store) -> str:
    return store.all("workspace")[0]["gid"]


def _portfolio(store: Store) -> dict:
    return store.all("portfolio")[0]


def _outside_project(store: Store, portfolio: dict) -> str:
    held = {i["gid"] for i in portfolio["_items"]}
    return next(
        p["gid"]
        for p in store.all("project")
        if p["gid"] not in held and p["workspace"]["gid"] == portfolio["workspace"]["gid"]
    )


def _non_member(store: Store, portfolio: dict) -> str:
    members = {m["gid"] for m in portfolio["members"]}
    return next(u["gid"] for u in store.all("user") if u["gid"] not in members)


CASES = [
    WriteCase(
        "POST /portfolios",
        lambda s: WriteRequest(
            "/portfolios",
            {
                "data": {
                    "name": "Bug Portfolio",
                    "workspace": _workspace(s),
                    "color": "light-green",
                    "start_on": "2026-01-01",
                    "due_on": "2026-06-30",
                    "default_access_level": "viewer",
                    "public": False,
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /portfolios",
        lambda s: WriteRequest("/portfolios", {"data": {"name": "x"}}),
        400,
        "no workspace",
    ),
    WriteCase(
        "PUT /portfolios/{portfolio_gid}",
        lambda s: WriteRequest(
            f"/portfolios/{_portfolio(s)['gid']}",
            {"data": {"name": "Renamed", "archived": True, "color": "dark-red"}},
        ),
    ),
    WriteCase(
        "DELETE /portfolios/{portfolio_gid}", lambda s: WriteRequest(f"/portfolios/{_portfolio(s)['gid']}")
    ),
    WriteCase(
        "POST /portfolios/{portfolio_gid}/addItem",
        lambda s: WriteRequest(
            f"/portfolios/{(p := _portfolio(s))['gid']}/addItem",
            {"data": {"item": _outside_project(s, p), "insert_before": p["_items"][0]["gid"]}},
        ),
    ),
    WriteCase(
        "POST /portfolios/{portfolio_gid}/removeItem",
        lambda s: WriteRequest(
            f"/portfolios/{(p := _portfolio(s))['gid']}/removeItem", {"data": {"item": p["_items"][0]["gid"]}}
        ),
    ),
    WriteCase(
        "POST /portfolios/{portfolio_gid}/addMembers",
        lambda s: WriteRequest(
            f"/portfolios/{(p := _portfolio(s))['gid']}/addMembers", {"data": {"members": _non_member(s, p)}}
        ),
    ),
    WriteCase(
        "POST /portfolios/{portfolio_gid}/removeMembers",
        lambda s: WriteRequest(
            f"/portfolios/{(p := _portfolio(s))['gid']}/removeMembers",
            {"data": {"members": p["members"][-1]["gid"]}},
        ),
    ),
]
