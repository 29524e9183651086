"""Resourcing objects: budgets and rates (402 on a free workspace), roles, agents, OOO entries, project
portfolio settings, time tracking categories and timesheet approval statuses; required parameters, filters."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from asana_sandbox.datasets.builder import window_start
from asana_sandbox.datasets.time_tracking import ARCHIVED_AFTER_DAYS

from .helpers import ACME, PERSONAL, error_message, gids, workspace

PAYMENT_REQUIRED = "Payment Required: this feature is only available to premium organizations and workspaces."


def _project(demo, name: str = ACME) -> dict:
    return next(
        p for p in demo.store.all("project") if p["workspace"]["gid"] == workspace(demo.store, name)["gid"]
    )


# -- required parameters ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "params", "missing"),
    [
        ("/budgets", {}, "parent"),
        ("/rates", {}, "parent"),
        ("/roles", {"archived": "false"}, "workspace"),
        ("/ooo_entries", {"workspace": ACME}, "user"),
        ("/ooo_entries", {"user": "me"}, "workspace"),
        ("/time_tracking_categories", {"is_archived": "true"}, "workspace"),
        ("/timesheet_approval_statuses", {"user": "me"}, "workspace"),
    ],
)
def test_a_missing_required_parameter_is_a_400(demo, path: str, params: dict, missing: str) -> None:
    if params.get("workspace") == ACME:
        params = {**params, "workspace": workspace(demo.store)["gid"]}
    response = demo.get(path, **params)
    assert response.status_code == 400
    assert error_message(response.json()) == f"{missing}: Missing input"


# -- tiers ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/budgets", "/rates"])
def test_budgets_and_rates_answer_402_on_a_free_workspace(demo, path: str) -> None:
    response = demo.get(path, parent=_project(demo, PERSONAL)["gid"])
    assert response.status_code == 402
    assert error_message(response.json()) == PAYMENT_REQUIRED


@pytest.mark.parametrize(("path", "kind"), [("/budgets/{}", "budget"), ("/rates/{}", "rate")])
def test_a_budget_or_rate_answers_402_below_premium(sandbox_factory, path: str, kind: str) -> None:
    client = sandbox_factory(tier="free")
    response = client.get(path.format(client.store.all(kind)[0]["gid"]))
    assert response.status_code == 402
    assert error_message(response.json()) == PAYMENT_REQUIRED


def test_free_workspaces_have_roles_and_time_off_but_no_paid_objects(demo) -> None:
    personal = workspace(demo.store, PERSONAL)["gid"]
    roles = demo.get("/roles", workspace=personal, opt_fields="base_role_type,is_standard_role").json()[
        "data"
    ]
    assert {r["base_role_type"] for r in roles} == {"member", "admin"} and all(
        r["is_standard_role"] for r in roles
    )
    assert demo.get(f"/workspaces/{personal}/agents").json()["data"] == []
    assert demo.get("/time_tracking_categories", workspace=personal).json()["data"] == []
    assert demo.get("/timesheet_approval_statuses", workspace=personal).json()["data"] == []
    users = [e["user"]["gid"] for e in demo.store.all("ooo_entry") if e["_workspace"] == personal]
    assert users and demo.get("/ooo_entries", user=users[0], workspace=personal).json()["data"]


# -- budgets and rates ------------------------------------------------------------------------------------
def test_a_project_has_at_most_one_budget_listed_whole_and_unpaginated(demo) -> None:
    budget = demo.store.all("budget")[0]
    body = demo.get("/budgets", parent=budget["parent"]["gid"], limit=1).json()
    assert "next_page" not in body
    assert [b["gid"] for b in body["data"]] == [budget["gid"]]
    assert {"budget_type", "estimate", "actual", "total", "parent"} <= set(body["data"][0])
    for project in demo.store.all("project"):
        assert len(demo.store.related("budget", "parent", project["gid"])) <= 1


def test_a_budgets_actual_adds_up_the_projects_time_entries(demo) -> None:
    billable = {"billable": {"billable"}, "non_billable": {"nonBillable"}}
    kinds = set()
    for budget in demo.store.all("budget"):
        project = budget["parent"]["gid"]
        wanted = billable.get(budget["actual"]["billable_status_filter"])
        entries = [
            e
            for e in demo.store.related("time_tracking_entry", "attributable_to", project)
            if wanted is None or e["billable_status"] in wanted
        ]
        rates = {ref["resource"]["gid"]: ref["rate"] for ref in demo.store.related("rate", "parent", project)}
        kinds.add(budget["budget_type"])
        if budget["budget_type"] == "time":
            assert budget["actual"] == {
                "billable_status_filter": budget["actual"]["billable_status_filter"],
                "value": sum(e["duration_minutes"] for e in entries),
                "units": "minutes",
            }
        else:
            cost = sum(e["duration_minutes"] / 60 * rates[e["created_by"]["gid"]] for e in entries)
            assert budget["actual"]["value"] == pytest.approx(cost) and budget["actual"]["units"] == "USD"
    assert kinds == {"time", "cost"}


def test_a_disabled_estimate_leaves_out_its_value_and_units(demo) -> None:
    budget = next(b for b in demo.store.all("budget") if not b["estimate"]["enabled"])
    estimate = demo.get(f"/budgets/{budget['gid']}").json()["data"]["estimate"]
    assert estimate == {"billable_status_filter": "billable", "source": "none", "enabled": False}


def test_rates_filter_by_resource_users_and_placeholders(demo) -> None:
    rates = demo.store.all("rate")
    placeholder = next(r for r in rates if r["resource"]["resource_type"] == "placeholder")
    project = placeholder["parent"]["gid"]
    on_project = gids(demo.get("/rates", parent=project).json())
    assert on_project == [r["gid"] for r in demo.store.related("rate", "parent", project)]
    only = demo.get("/rates", parent=project, resource=placeholder["resource"]["gid"]).json()["data"]
    assert [r["gid"] for r in only] == [placeholder["gid"]]
    assert only[0]["resource"] == placeholder["resource"]
    user = next(r for r in rates if r["resource"]["resource_type"] == "user")["resource"]["gid"]
    everywhere = gids(demo.get("/rates", resource=user).json())
    assert everywhere == [r["gid"] for r in rates if r["resource"]["gid"] == user]
    assert demo.get("/rates", resource="404404404404").status_code == 404


# -- roles and agents -------------------------------------------------------------------------------------
def test_roles_list_every_role_unless_archived_is_given(demo) -> None:
    acme = workspace(demo.store)["gid"]
    stored = demo.store.related("role", "workspace", acme)
    everything = gids(demo.get("/roles", workspace=acme).json())
    archived = gids(demo.get("/roles", workspace=acme, archived="true").json())
    active = gids(demo.get("/roles", workspace=acme, archived="false").json())
    assert everything == [r["gid"] for r in stored]
    assert archived == [r["gid"] for r in stored if r["_archived"]] != []
    assert sorted(archived + active) == sorted(everything)
    assert demo.get("/roles", workspace=acme, archived="1").status_code == 400


def test_an_enterprise_organization_has_every_standard_role_and_custom_ones(demo) -> None:
    acme = workspace(demo.store)["gid"]
    roles = demo.get(
        "/roles", workspace=acme, opt_fields="base_role_type,is_standard_role,permissions"
    ).json()
    standard = {r["base_role_type"] for r in roles["data"] if r["is_standard_role"]}
    assert standard == {"guest", "member", "admin", "super_admin"}
    assert any(not r["is_standard_role"] for r in roles["data"])
    assert all(len(r["permissions"]) == 27 for r in roles["data"])


def test_agents_of_a_workspace_are_listed_compact_and_read_whole(demo) -> None:
    acme = workspace(demo.store)["gid"]
    listed = demo.get(f"/workspaces/{acme}/agents").json()["data"]
    assert listed and all(set(a) == {"gid", "resource_type", "resource_subtype", "name"} for a in listed)
    agent = demo.get(f"/agents/{listed[0]['gid']}").json()["data"]
    assert agent["workspace"]["gid"] == acme and agent["resource_subtype"] == "asana_teammate"
    assert {"description", "behavior_guidance", "photo"} <= set(agent)


# -- out of office ----------------------------------------------------------------------------------------
def test_an_upcoming_vacation_is_an_ooo_entry(demo) -> None:
    for membership in demo.store.all("workspace_membership"):
        vacation = membership["vacation_dates"]
        entries = demo.get(
            "/ooo_entries", user=membership["user"]["gid"], workspace=membership["workspace"]["gid"]
        ).json()["data"]
        assert all({"start_date", "end_date", "user", "created_by"} <= set(e) for e in entries)
        if vacation:
            assert {"start_date": vacation["start_on"], "end_date": vacation["end_on"]} in [
                {"start_date": e["start_date"], "end_date": e["end_date"]} for e in entries
            ]


def test_ooo_dates_keep_the_entries_that_overlap_the_range(demo) -> None:
    by_user: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for entry in demo.store.all("ooo_entry"):
        by_user[(entry["user"]["gid"], entry["_workspace"])].append(entry)
    (user, ws), entries = max(by_user.items(), key=lambda item: len(item[1]))
    assert len(entries) >= 2
    first = min(entries, key=lambda e: e["start_date"])
    after = demo.get("/ooo_entries", user=user, workspace=ws, start_date=first["end_date"]).json()
    assert gids(after) == [e["gid"] for e in entries if e["end_date"] >= first["end_date"]]
    before = demo.get("/ooo_entries", user=user, workspace=ws, end_date=first["end_date"]).json()
    assert gids(before) == [e["gid"] for e in entries if e["start_date"] <= first["end_date"]]
    assert first["gid"] in gids(after) and first["gid"] in gids(before)
    assert demo.get("/ooo_entries", user=user, workspace=ws, start_date="2026-13-01").status_code == 400


# -- portfolios -------------------------------------------------------------------------------------------
def test_each_project_of_a_portfolio_has_a_setting_seen_from_both_sides(demo) -> None:
    for portfolio in demo.store.all("portfolio"):
        settings = demo.get(f"/portfolios/{portfolio['gid']}/project_portfolio_settings").json()["data"]
        projects = [i["gid"] for i in portfolio["_items"] if i["resource_type"] == "project"]
        assert [s["project"]["gid"] for s in settings] == projects
        for setting in settings:
            assert set(setting) == {
                "gid",
                "resource_type",
                "project",
                "portfolio",
                "is_access_control_inherited",
            }
            of_project = demo.get(f"/projects/{setting['project']['gid']}/project_portfolio_settings").json()
            assert setting["gid"] in gids(of_project)


# -- time tracking categories and timesheets ----------------------------------------------------------------
def test_categories_are_the_active_ones_unless_is_archived_is_true(demo) -> None:
    acme = workspace(demo.store)["gid"]
    stored = demo.store.related("time_tracking_category", "_workspace", acme)
    default = gids(demo.get("/time_tracking_categories", workspace=acme).json())
    active = gids(demo.get("/time_tracking_categories", workspace=acme, is_archived="false").json())
    archived = gids(demo.get("/time_tracking_categories", workspace=acme, is_archived="true").json())
    assert default == active == [c["gid"] for c in stored if not c["is_archived"]]
    assert archived == [c["gid"] for c in stored if c["is_archived"]] != []


def test_entries_of_a_category_filter_on_their_entry_date(demo) -> None:
    category = max(
        demo.store.all("time_tracking_category"),
        key=lambda c: len(demo.store.related("time_tracking_entry", "categories", c["gid"])),
    )
    path = f"/time_tracking_categories/{category['gid']}/time_tracking_entries"
    entries = demo.get(path, opt_fields="entered_on,categories.name").json()["data"]
    assert len(entries) >= 2
    assert all(category["name"] in [c["name"] for c in e["categories"]] for e in entries)
    day = sorted(e["entered_on"] for e in entries)[1]
    assert gids(demo.get(path, start_date=day).json()) == [
        e["gid"] for e in entries if e["entered_on"] >= day
    ]
    assert gids(demo.get(path, end_date=day).json()) == [e["gid"] for e in entries if e["entered_on"] <= day]


def test_archived_categories_stay_only_on_older_entries(demo) -> None:
    # The category was archived a year into the dataset's window, which ends on the sandbox's first day.
    today = datetime.now(timezone.utc).date()
    archived_on = (window_start(today) + timedelta(days=ARCHIVED_AFTER_DAYS)).date().isoformat()
    for entry in demo.store.all("time_tracking_entry"):
        for ref in entry["categories"]:
            if demo.store.get(ref["gid"])["is_archived"]:
                assert entry["entered_on"] < archived_on


def test_each_entry_shows_the_status_of_its_weeks_timesheet(demo) -> None:
    sheets = {(s["user"]["gid"], s["start_date"]): s for s in demo.store.all("timesheet_approval_status")}
    for entry in demo.store.all("time_tracking_entry"):
        entered = date.fromisoformat(entry["entered_on"])
        monday = (entered - timedelta(days=entered.weekday())).isoformat()
        sheet = sheets[(entry["created_by"]["gid"], monday)]
        assert sheet["approval_status"] == entry["approval_status"]
        assert date.fromisoformat(sheet["end_date"]) - date.fromisoformat(sheet["start_date"]) == timedelta(6)


def test_timesheets_filter_by_status_user_and_dates(demo) -> None:
    acme = workspace(demo.store)["gid"]
    stored = demo.store.related("timesheet_approval_status", "workspace", acme)
    assert len({s["approval_status"] for s in stored}) >= 2

    def listed(**params: str) -> list[str]:
        response = demo.get("/timesheet_approval_statuses", workspace=acme, **params)
        assert response.status_code == 200, response.text
        return gids(response.json())

    assert listed() == [s["gid"] for s in stored]
    assert listed(approval_statuses="approved") == [
        s["gid"] for s in stored if s["approval_status"] == "APPROVED"
    ]
    both = listed(approval_statuses="draft,APPROVED")
    assert both == [s["gid"] for s in stored if s["approval_status"] in ("DRAFT", "APPROVED")]
    user = stored[0]["user"]["gid"]
    assert listed(user=user) == [s["gid"] for s in stored if s["user"]["gid"] == user]
    middle = sorted(s["start_date"] for s in stored)[len(stored) // 2]
    assert listed(from_date=middle) == [s["gid"] for s in stored if s["end_date"] >= middle]
    assert listed(to_date=middle) == [s["gid"] for s in stored if s["start_date"] <= middle]
    bad = demo.get("/timesheet_approval_statuses", workspace=acme, approval_statuses="pending")
    assert bad.status_code == 400
    assert error_message(bad.json()).startswith("approval_statuses:")
