"""Write cases for resourcing: allocations, budgets, rates, RBAC roles and out-of-office entries."""

from __future__ import annotations

from asana_sandbox.store import Record, Store
from tests.sandbox.write_cases import WriteCase, WriteRequest


def _acme(store: Store) -> Record:
    return next(w for w in store.all("workspace") if w["_tier"] == "enterprise")


def _projects(store: Store) -> list[Record]:
    acme = _acme(store)["gid"]
    return [p for p in store.all("project") if p["workspace"]["gid"] == acme and not p["archived"]]


def _unbudgeted(store: Store) -> str:
    return next(p["gid"] for p in _projects(store) if not store.related("budget", "parent", p["gid"]))


def _budgeted(store: Store) -> str:
    return store.all("budget")[0]["parent"]["gid"]


def _unrated(store: Store) -> dict[str, str]:
    """A project and a member of the organization without a rate on it."""
    for project in _projects(store):
        rated = {r["resource"]["gid"] for r in store.related("rate", "parent", project["gid"])}
        for user in store.all("user"):
            in_acme = any(w["gid"] == _acme(store)["gid"] for w in user["workspaces"])
            if in_acme and user["gid"] not in rated:
                return {"parent": project["gid"], "resource": user["gid"]}
    raise LookupError("every member has a rate on every project")


def _user_rate(store: Store) -> str:
    return next(r["gid"] for r in store.all("rate") if r["resource"]["resource_type"] == "user")


def _role(store: Store, standard: bool) -> str:
    return next(r["gid"] for r in store.all("role") if r["is_standard_role"] is standard)


def _member(store: Store) -> str:
    return store.all("user")[0]["gid"]


CASES = [
    WriteCase(
        "POST /allocations",
        lambda s: WriteRequest(
            "/allocations",
            {
                "data": {
                    "parent": _projects(s)[0]["gid"],
                    "assignee": _member(s),
                    "start_date": "2026-09-14",
                    "end_date": "2026-10-09",
                    "effort": {"type": "hours", "value": 32},
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /allocations",
        lambda s: WriteRequest(
            "/allocations",
            {
                "data": {
                    "parent": _projects(s)[0]["gid"],
                    "assignee": _member(s),
                    "start_date": "2026-10-09",
                    "end_date": "2026-09-14",
                }
            },
        ),
        400,
        "dates reversed",
    ),
    WriteCase(
        "PUT /allocations/{allocation_gid}",
        lambda s: WriteRequest(
            f"/allocations/{s.all('allocation')[0]['gid']}",
            {"data": {"effort": {"type": "percent", "value": 40}, "end_date": "2027-01-29"}},
        ),
    ),
    WriteCase(
        "DELETE /allocations/{allocation_gid}",
        lambda s: WriteRequest(f"/allocations/{s.all('allocation')[0]['gid']}"),
    ),
    WriteCase(
        "POST /budgets",
        lambda s: WriteRequest(
            "/budgets",
            {
                "data": {
                    "parent": _unbudgeted(s),
                    "budget_type": "time",
                    "estimate": {"source": "tasks", "enabled": True, "billable_status_filter": "any"},
                    "actual": {"billable_status_filter": "billable"},
                    "total": {"enabled": True, "value": 6000},
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /budgets",
        lambda s: WriteRequest("/budgets", {"data": {"parent": _budgeted(s), "budget_type": "cost"}}),
        400,
        "second budget",
    ),
    WriteCase(
        "PUT /budgets/{budget_gid}",
        lambda s: WriteRequest(
            f"/budgets/{s.all('budget')[0]['gid']}",
            {"data": {"budget_type": "cost", "total": {"enabled": True, "value": 25000}}},
        ),
    ),
    WriteCase(
        "DELETE /budgets/{budget_gid}", lambda s: WriteRequest(f"/budgets/{s.all('budget')[0]['gid']}")
    ),
    WriteCase(
        "POST /rates",
        lambda s: WriteRequest("/rates", {"data": {**_unrated(s), "rate": 85}}),
        201,
    ),
    WriteCase(
        "POST /rates",
        lambda s: WriteRequest("/rates", {"data": _unrated(s)}),
        400,
        "no rate",
    ),
    WriteCase(
        "PUT /rates/{rate_gid}", lambda s: WriteRequest(f"/rates/{_user_rate(s)}", {"data": {"rate": 140}})
    ),
    WriteCase("DELETE /rates/{rate_gid}", lambda s: WriteRequest(f"/rates/{_user_rate(s)}")),
    WriteCase(
        "POST /roles",
        lambda s: WriteRequest(
            "/roles",
            {
                "data": {
                    "workspace": _acme(s)["gid"],
                    "name": "Release Manager",
                    "description": "Members who ship releases and may delete any task.",
                    "base_role_type": "member",
                    "permissions": {"task_deletion_policy": "all", "create_portfolio": False},
                }
            },
        ),
        201,
    ),
    WriteCase(
        "PUT /roles/{role_gid}",
        lambda s: WriteRequest(
            f"/roles/{_role(s, False)}",
            {"data": {"description": "Runs projects end to end.", "permissions": {"create_goal": False}}},
        ),
    ),
    WriteCase(
        "PUT /roles/{role_gid}",
        lambda s: WriteRequest(f"/roles/{_role(s, True)}", {"data": {"name": "Everyone"}}),
        403,
        "standard role",
    ),
    WriteCase("DELETE /roles/{role_gid}", lambda s: WriteRequest(f"/roles/{_role(s, False)}")),
    WriteCase(
        "POST /ooo_entries",
        lambda s: WriteRequest(
            "/ooo_entries",
            {
                "data": {
                    "user": _member(s),
                    "workspace": _acme(s)["gid"],
                    "start_date": "2026-12-21",
                    "end_date": "2027-01-01",
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /ooo_entries",
        lambda s: WriteRequest("/ooo_entries", {"data": {"user": _member(s), "workspace": _acme(s)["gid"]}}),
        400,
        "no dates",
    ),
    WriteCase(
        "PUT /ooo_entries/{ooo_entry_gid}",
        lambda s: WriteRequest(
            f"/ooo_entries/{s.all('ooo_entry')[0]['gid']}", {"data": {"end_date": "2027-01-08"}}
        ),
    ),
    WriteCase(
        "DELETE /ooo_entries/{ooo_entry_gid}",
        lambda s: WriteRequest(f"/ooo_entries/{s.all('ooo_entry')[0]['gid']}"),
    ),
]
