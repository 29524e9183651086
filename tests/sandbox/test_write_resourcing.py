"""Resourcing through the write API: allocations, budgets, rates, custom RBAC roles and out-of-office entries;
tier gates, events and bad input.

One sandbox serves the module: each test writes on objects of its own (a project without a budget, a person
without a rate, a role it created), so none sees another's writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from asana_sandbox.errors import PAYMENT_REQUIRED_MESSAGE
from asana_sandbox.models.resourcing import PLACEHOLDER_RATES_MESSAGE
from asana_sandbox.server import SandboxServer
from tests.sandbox.helpers import ACME, PERSONAL, error_message, gids, workspace
from tests.sandbox_client import SandboxClient


@pytest.fixture(scope="module")
def client() -> Iterator[SandboxClient]:
    server = SandboxServer("demo", requests_per_minute=1_000_000).start()
    yield SandboxClient(server)
    server.stop()


def _projects(client: SandboxClient, name: str = ACME) -> list[dict]:
    ws = workspace(client.store, name)["gid"]
    return [p for p in client.store.all("project") if p["workspace"]["gid"] == ws and not p["archived"]]


def _members(client: SandboxClient, name: str = ACME) -> list[str]:
    ws = workspace(client.store, name)["gid"]
    return [u["gid"] for u in client.store.all("user") if ws in {w["gid"] for w in u["workspaces"]}]


def _created(response: object) -> dict:
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    return response.json()["data"]  # type: ignore[attr-defined]


def _workspace_events(client: SandboxClient, action: Callable[[], list[str]]) -> list[tuple]:
    """(resource type, action, changed field) of the workspace's events about the gids `action` returns."""
    ws = workspace(client.store)["gid"]
    sync = client.get(f"/workspaces/{ws}/events").json()["sync"]
    watched = action()
    events = client.get(f"/workspaces/{ws}/events", sync=sync).json()["data"]
    return [
        (e["resource"]["resource_type"], e["action"], (e.get("change") or {}).get("field"))
        for e in events
        if e["resource"]["gid"] in watched
    ]


# -- allocations ------------------------------------------------------------------------------------------
def _allocate(client: SandboxClient, **fields: object) -> dict:
    body = {
        "parent": _projects(client)[0]["gid"],
        "assignee": "me",
        "start_date": "2026-09-14",
        "end_date": "2026-10-09",
        "effort": {"type": "hours", "value": 30},
        **fields,
    }
    return _created(client.post("/allocations", body))


def test_an_allocation_is_created_and_listed_by_project_workspace_and_assignee(client: SandboxClient) -> None:
    project = _projects(client)[1]
    allocation = _allocate(client, parent=project["gid"], effort={"type": "percent", "value": 50})
    me = client.get("/users/me").json()["data"]["gid"]
    assert allocation["assignee"]["gid"] == me and allocation["created_by"]["gid"] == me
    assert allocation["parent"]["gid"] == project["gid"]
    assert (allocation["effort"], allocation["resource_subtype"]) == (
        {"type": "percent", "value": 50},
        "project_allocation",
    )
    for query in (
        {"parent": project["gid"]},
        {"workspace": workspace(client.store)["gid"]},
        {"assignee": "me"},
    ):
        assert allocation["gid"] in gids(client.get("/allocations", limit=100, **query).json())


def test_a_placeholder_can_be_allocated(client: SandboxClient) -> None:
    rate = next(r for r in client.store.all("rate") if r["resource"]["resource_type"] == "placeholder")
    allocation = _allocate(client, parent=rate["parent"]["gid"], assignee=rate["resource"]["gid"])
    assert allocation["assignee"] == rate["resource"]


def test_an_allocation_update_keeps_its_dates_in_order(client: SandboxClient) -> None:
    allocation = _allocate(client)
    path = f"/allocations/{allocation['gid']}"
    refused = client.put(path, {"start_date": "2026-10-12"})  # after the current end
    assert (
        error_message(refused.json()) == "end_date: Must be on or after start_date (2026-10-12): 2026-10-09"
    )
    moved = client.put(path, {"start_date": "2026-10-12", "end_date": "2026-10-30", "effort": None}).json()
    assert (moved["data"]["start_date"], moved["data"]["end_date"]) == ("2026-10-12", "2026-10-30")
    assert moved["data"]["effort"] is None
    other = _projects(client)[2]["gid"]
    assert client.put(path, {"parent": other}).json()["data"]["parent"]["gid"] == other
    foreign = _projects(client, PERSONAL)[0]["gid"]
    assert client.put(path, {"parent": foreign}).status_code == 400


def test_allocation_writes_are_events_and_a_deleted_one_is_gone(client: SandboxClient) -> None:
    def act() -> list[str]:
        allocation = _allocate(client)
        client.put(f"/allocations/{allocation['gid']}", {"end_date": "2026-11-30"})
        assert client.delete(f"/allocations/{allocation['gid']}").json() == {"data": {}}
        assert client.get(f"/allocations/{allocation['gid']}").status_code == 404
        assert allocation["gid"] not in gids(
            client.get("/allocations", parent=allocation["parent"]["gid"]).json()
        )
        return [allocation["gid"]]

    assert _workspace_events(client, act) == [
        ("allocation", "added", None),
        ("allocation", "changed", "end_date"),
        ("allocation", "deleted", None),
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"assignee": None}, "assignee: Missing input"),
        ({"start_date": None}, "start_date: Missing input"),
        ({"end_date": "2026-09-01"}, "end_date: Must be on or after start_date (2026-09-14): 2026-09-01"),
        ({"effort": {"type": "days", "value": 2}}, "effort.type: Not one of the allowed values"),
        ({"effort": {"type": "hours"}}, "effort.value: Missing input"),
        ({"effort": {"type": "hours", "value": 0}}, "effort.value: Must be greater than 0: 0"),
        ({"effort": "half"}, "effort: Not an object"),
        ({"assignee": "12345"}, "assignee: Not a recognized ID: 12345"),
        ({"parent": "abc"}, "parent: Not a Long: abc"),
        ({"parent": None}, "parent: Missing input"),
    ],
)
def test_bad_allocations_are_refused_and_change_nothing(
    client: SandboxClient, fields: dict, message: str
) -> None:
    body = {
        "parent": _projects(client)[0]["gid"],
        "assignee": "me",
        "start_date": "2026-09-14",
        "end_date": "2026-10-09",
        **fields,
    }
    before = client.store.counts()["allocation"]
    response = client.post("/allocations", body)
    assert (response.status_code, error_message(response.json()).startswith(message)) == (400, True)
    assert client.store.counts()["allocation"] == before


def test_an_allocation_needs_a_member_of_the_projects_workspace(client: SandboxClient) -> None:
    outsider = next(g for g in _members(client, PERSONAL) if g not in _members(client))
    response = client.post(
        "/allocations",
        {
            "parent": _projects(client)[0]["gid"],
            "assignee": outsider,
            "start_date": "2026-09-14",
            "end_date": "2026-09-18",
        },
    )
    assert error_message(response.json()) == f"assignee: Not a member of the workspace: {outsider}"


# -- budgets ----------------------------------------------------------------------------------------------
def _unbudgeted(client: SandboxClient) -> dict:
    return next(p for p in _projects(client) if not client.store.related("budget", "parent", p["gid"]))


def test_a_budget_is_created_with_its_settings_and_one_per_project(client: SandboxClient) -> None:
    project = _unbudgeted(client)
    budget = _created(
        client.post(
            "/budgets",
            {"parent": project["gid"], "budget_type": "time", "total": {"enabled": True, "value": 6000}},
        )
    )
    assert budget["estimate"] == {"billable_status_filter": "billable", "source": "none", "enabled": False}
    assert budget["actual"]["billable_status_filter"] == "billable" and budget["actual"]["units"] == "minutes"
    assert budget["total"] == {"enabled": True, "value": 6000, "units": "minutes"}
    assert gids(client.get("/budgets", parent=project["gid"]).json()) == [budget["gid"]]
    second = client.post("/budgets", {"parent": project["gid"], "budget_type": "cost"})
    assert error_message(second.json()) == f"parent: The project already has a budget: {project['gid']}"
    assert client.delete(f"/budgets/{budget['gid']}").json() == {"data": {}}
    assert client.get("/budgets", parent=project["gid"]).json()["data"] == []


def test_switching_the_budget_type_keeps_each_types_total(client: SandboxClient) -> None:
    project = _unbudgeted(client)
    body = {"parent": project["gid"], "budget_type": "time", "total": {"enabled": True, "value": 600}}
    path = f"/budgets/{_created(client.post('/budgets', body))['gid']}"
    cost = client.put(path, {"budget_type": "cost", "total": {"value": 9000}}).json()["data"]
    assert cost["total"] == {"enabled": True, "value": 9000, "units": "USD"}
    assert cost["actual"]["units"] == "USD"
    assert client.put(path, {"budget_type": "time"}).json()["data"]["total"]["value"] == 600
    hidden = client.put(path, {"total": {"enabled": False}}).json()["data"]["total"]
    assert hidden["enabled"] is False and hidden.get("value") is None
    assert client.put(path, {"parent": project["gid"]}).json()["errors"][0]["message"] == (
        "parent: Cannot write this property"
    )
    client.delete(path)


def test_an_enabled_estimate_needs_a_source(client: SandboxClient) -> None:
    project = _unbudgeted(client)
    response = client.post(
        "/budgets", {"parent": project["gid"], "budget_type": "time", "estimate": {"enabled": True}}
    )
    assert error_message(response.json()) == "estimate.source: Must not be none when the estimate is enabled"
    budget = _created(
        client.post(
            "/budgets",
            {
                "parent": project["gid"],
                "budget_type": "time",
                "estimate": {"enabled": True, "source": "tasks"},
            },
        )
    )
    assert budget["estimate"] == {
        "billable_status_filter": "billable",
        "source": "tasks",
        "enabled": True,
        "value": 0,
        "units": "minutes",
    }
    client.delete(f"/budgets/{budget['gid']}")


def test_a_cost_budgets_actual_follows_entries_and_rates(client: SandboxClient) -> None:
    project = _unbudgeted(client)
    task = next(
        t for t in client.store.all("task") if t["projects"] and t["projects"][0]["gid"] == project["gid"]
    )
    body = {"parent": project["gid"], "budget_type": "cost", "actual": {"billable_status_filter": "any"}}
    budget = _created(client.post("/budgets", body))

    def actual() -> float:
        return client.get(f"/budgets/{budget['gid']}").json()["data"]["actual"]["value"]

    me = client.get("/users/me").json()["data"]["gid"]
    rates = client.store.related("rate", "parent", project["gid"])
    mine = next((r for r in rates if r["resource"]["gid"] == me), None)
    if mine is None:
        mine = _created(client.post("/rates", {"parent": project["gid"], "resource": me, "rate": 100}))
    client.put(f"/rates/{mine['gid']}", {"rate": 120})
    before = actual()
    entry = _created(client.post(f"/tasks/{task['gid']}/time_tracking_entries", {"duration_minutes": 90}))
    assert actual() == pytest.approx(before + 180)  # an hour and a half at 120 an hour
    client.put(f"/rates/{mine['gid']}", {"rate": 80})
    with_entry = actual()
    client.delete(f"/time_tracking_entries/{entry['gid']}")
    assert with_entry - actual() == pytest.approx(120)
    client.delete(f"/budgets/{budget['gid']}")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "budget_type: Missing input"),
        ({"budget_type": "money"}, "budget_type: Not one of the allowed values"),
        ({"budget_type": "time", "total": {"value": -5}}, "total.value: Must be at least 0: -5"),
        (
            {"budget_type": "time", "actual": {"billable_status_filter": "nonBillable"}},
            "actual.billable_status_filter",
        ),
        (
            {"budget_type": "time", "estimate": {"source": "guess"}},
            "estimate.source: Not one of the allowed values",
        ),
        ({"budget_type": "time", "parent": None}, "parent: Missing input"),
    ],
)
def test_bad_budgets_are_refused_and_change_nothing(
    client: SandboxClient, fields: dict, message: str
) -> None:
    before = client.store.counts()["budget"]
    response = client.post("/budgets", {"parent": _unbudgeted(client)["gid"], **fields})
    assert (response.status_code, error_message(response.json()).startswith(message)) == (400, True)
    assert client.store.counts()["budget"] == before


# -- rates ------------------------------------------------------------------------------------------------
def _unrated(client: SandboxClient) -> tuple[str, str]:
    for project in _projects(client):
        rated = {r["resource"]["gid"] for r in client.store.related("rate", "parent", project["gid"])}
        for user in _members(client):
            if user not in rated:
                return project["gid"], user
    raise LookupError("every member has a rate on every project")


def test_a_rate_is_created_once_per_person_and_project_and_only_its_amount_changes(
    client: SandboxClient,
) -> None:
    project, user = _unrated(client)
    rate = _created(client.post("/rates", {"parent": project, "resource": user, "rate": 95.5}))
    assert (rate["rate"], rate["currency_code"], rate["resource"]["gid"]) == (95.5, "USD", user)
    assert rate["gid"] in gids(client.get("/rates", parent=project).json())
    again = client.post("/rates", {"parent": project, "resource": user, "rate": 50})
    assert error_message(again.json()) == f"resource: Already has a rate on this project: {user}"
    assert client.put(f"/rates/{rate['gid']}", {"rate": 105}).json()["data"]["rate"] == 105
    moved = client.put(f"/rates/{rate['gid']}", {"resource": "me", "rate": 1})
    assert error_message(moved.json()) == "resource: Cannot write this property"
    assert client.delete(f"/rates/{rate['gid']}").json() == {"data": {}}
    assert client.get(f"/rates/{rate['gid']}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rate": None}, "rate: Missing input"),
        ({"rate": "95"}, "rate: Not a number: 95"),
        ({"rate": -1}, "rate: Must be at least 0: -1"),
        ({"resource": None}, "resource: Missing input"),
        ({"resource": "nobody@example.com"}, "resource: Not a recognized ID: nobody@example.com"),
    ],
)
def test_bad_rates_are_refused_and_change_nothing(client: SandboxClient, fields: dict, message: str) -> None:
    project, user = _unrated(client)
    before = client.store.counts()["rate"]
    response = client.post("/rates", {"parent": project, "resource": user, "rate": 90, **fields})
    assert (response.status_code, error_message(response.json()).startswith(message)) == (400, True)
    assert client.store.counts()["rate"] == before


def test_placeholder_rates_need_enterprise_and_paid_objects_need_premium(
    sandbox_factory: Callable[..., SandboxClient],
) -> None:
    premium = sandbox_factory(tier="premium")
    placeholder = next(
        r for r in premium.store.all("rate") if r["resource"]["resource_type"] == "placeholder"
    )
    for response in (
        premium.put(f"/rates/{placeholder['gid']}", {"rate": 1}),
        premium.delete(f"/rates/{placeholder['gid']}"),
    ):
        assert (response.status_code, error_message(response.json())) == (402, PLACEHOLDER_RATES_MESSAGE)
    user_rate = next(r for r in premium.store.all("rate") if r["resource"]["resource_type"] == "user")
    assert premium.put(f"/rates/{user_rate['gid']}", {"rate": 1}).status_code == 200
    free = sandbox_factory(tier="free")
    project = free.store.all("budget")[0]["parent"]["gid"]
    for response in (
        free.post("/budgets", {"parent": project, "budget_type": "time"}),
        free.put(f"/budgets/{free.store.all('budget')[0]['gid']}", {"budget_type": "cost"}),
        free.delete(f"/rates/{user_rate['gid']}"),
        free.post(
            "/allocations",
            {"parent": project, "assignee": "me", "start_date": "2026-01-05", "end_date": "2026-01-09"},
        ),
    ):
        assert (response.status_code, error_message(response.json())) == (402, PAYMENT_REQUIRED_MESSAGE)


# -- roles ------------------------------------------------------------------------------------------------
def _role_body(client: SandboxClient, **fields: object) -> dict:
    return {
        "workspace": workspace(client.store)["gid"],
        "name": "Release Manager",
        "description": "Ships releases.",
        "base_role_type": "member",
        **fields,
    }


def test_a_custom_role_starts_from_its_base_roles_permissions(client: SandboxClient) -> None:
    ws = workspace(client.store)["gid"]
    member = next(
        r
        for r in client.store.related("role", "workspace", ws)
        if r["is_standard_role"] and r["base_role_type"] == "member"
    )
    role = _created(
        client.post(
            "/roles", _role_body(client, permissions={"task_deletion_policy": "all", "create_goal": False})
        )
    )
    assert (role["is_standard_role"], role["base_role_type"], role["workspace"]["gid"]) == (
        False,
        "member",
        ws,
    )
    assert role["creation_time"] == role["modified_at"]
    assert role["permissions"] == {
        **member["permissions"],
        "task_deletion_policy": "all",
        "create_goal": False,
    }
    assert role["gid"] in gids(client.get("/roles", workspace=ws).json())


def test_a_custom_role_is_edited_with_modified_at_and_deleted(client: SandboxClient) -> None:
    role = _created(client.post("/roles", _role_body(client)))
    updated = client.put(
        f"/roles/{role['gid']}", {"name": "Release Lead", "permissions": {"import_data": True}}
    )
    data = updated.json()["data"]
    assert (data["name"], data["permissions"]["import_data"], data["creation_time"]) == (
        "Release Lead",
        True,
        role["creation_time"],
    )
    assert data["modified_at"] > role["modified_at"]
    assert client.put(f"/roles/{role['gid']}", {"workspace": "1"}).json()["errors"][0]["message"] == (
        "workspace: Cannot write this property"
    )
    assert client.delete(f"/roles/{role['gid']}").json() == {"data": {}}
    assert client.get(f"/roles/{role['gid']}").status_code == 404
    assert role["gid"] not in gids(client.get("/roles", workspace=role["workspace"]["gid"]).json())


def test_standard_roles_cannot_be_changed_or_deleted(client: SandboxClient) -> None:
    standard = next(r for r in client.store.all("role") if r["is_standard_role"])
    for response in (
        client.put(f"/roles/{standard['gid']}", {"name": "Everyone"}),
        client.delete(f"/roles/{standard['gid']}"),
    ):
        assert response.status_code == 403
        assert "standard roles cannot be" in error_message(response.json())
    assert client.get(f"/roles/{standard['gid']}").json()["data"]["name"] == standard["name"]
    made_standard = client.post("/roles", _role_body(client, is_standard_role=True))
    assert error_message(made_standard.json()) == "is_standard_role: Cannot write this property"


def test_custom_roles_are_for_enterprise_organizations(client: SandboxClient) -> None:
    response = client.post("/roles", _role_body(client, workspace=workspace(client.store, PERSONAL)["gid"]))
    assert (response.status_code, error_message(response.json())) == (
        403,
        "Custom roles are only available to Enterprise organizations.",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": None}, "name: Missing input"),
        ({"description": None}, "description: Missing input"),
        ({"base_role_type": "owner"}, "base_role_type: Not one of the allowed values"),
        ({"permissions": {"fly": True}}, "permissions.fly: Not a known permission"),
        ({"permissions": {"create_goal": "no"}}, "permissions.create_goal: Not a boolean: no"),
        ({"permissions": {"allowed_guest_invites": "some"}}, "permissions.allowed_guest_invites: Not one of"),
    ],
)
def test_bad_roles_are_refused_and_change_nothing(client: SandboxClient, fields: dict, message: str) -> None:
    before = client.store.counts()["role"]
    response = client.post("/roles", _role_body(client, **fields))
    assert (response.status_code, error_message(response.json()).startswith(message)) == (400, True)
    assert client.store.counts()["role"] == before


# -- out-of-office entries --------------------------------------------------------------------------------
def test_time_off_is_created_listed_moved_and_deleted(client: SandboxClient) -> None:
    ws = workspace(client.store)["gid"]
    body = {"user": "me", "workspace": ws, "start_date": "2026-12-21", "end_date": "2027-01-01"}
    entry = _created(client.post("/ooo_entries", body))
    me = client.get("/users/me").json()["data"]["gid"]
    assert (entry["user"]["gid"], entry["created_by"]["gid"]) == (me, me)
    assert entry["gid"] in gids(client.get("/ooo_entries", user="me", workspace=ws).json())
    path = f"/ooo_entries/{entry['gid']}"
    assert error_message(client.put(path, {"end_date": "2026-12-20"}).json()) == (
        "end_date: Must be on or after start_date (2026-12-21): 2026-12-20"
    )
    assert error_message(client.put(path, {"user": "me"}).json()) == "user: Cannot write this property"
    assert client.put(path, {"end_date": "2027-01-08"}).json()["data"]["end_date"] == "2027-01-08"
    assert client.delete(path).json() == {"data": {}}
    assert entry["gid"] not in gids(client.get("/ooo_entries", user="me", workspace=ws).json())


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"user": None}, "user: Missing input"),
        ({"workspace": None}, "workspace: Missing input"),
        ({"end_date": None}, "end_date: Missing input"),
        ({"start_date": "next monday"}, "start_date: Invalid date string: next monday"),
        ({"end_date": "2026-12-01"}, "end_date: Must be on or after start_date (2026-12-21): 2026-12-01"),
        ({"user": "OUTSIDER"}, "user: Not a member of the workspace"),
    ],
)
def test_bad_time_off_is_refused_and_changes_nothing(
    client: SandboxClient, fields: dict, message: str
) -> None:
    if fields.get("user") == "OUTSIDER":
        fields = {"user": next(g for g in _members(client, PERSONAL) if g not in _members(client))}
    body = {
        "user": "me",
        "workspace": workspace(client.store)["gid"],
        "start_date": "2026-12-21",
        "end_date": "2027-01-01",
    }
    before = client.store.counts()["ooo_entry"]
    response = client.post("/ooo_entries", {**body, **fields})
    assert (response.status_code, error_message(response.json()).startswith(message)) == (400, True)
    assert client.store.counts()["ooo_entry"] == before


def test_resourcing_writes_reach_the_workspace_event_stream(client: SandboxClient) -> None:
    def act() -> list[str]:
        ws = workspace(client.store)["gid"]
        body = {"user": "me", "workspace": ws, "start_date": "2027-02-01", "end_date": "2027-02-05"}
        entry = _created(client.post("/ooo_entries", body))
        client.put(f"/ooo_entries/{entry['gid']}", {"start_date": "2027-02-02"})
        role = _created(client.post("/roles", _role_body(client)))
        client.delete(f"/roles/{role['gid']}")
        return [entry["gid"], role["gid"]]

    assert _workspace_events(client, act) == [
        ("ooo_entry", "added", None),
        ("ooo_entry", "changed", "start_date"),
        ("role", "added", None),
        ("role", "deleted", None),
    ]
