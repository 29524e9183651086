"""Time tracking through the write API: entries and the task's actual time, categories, weekly timesheets
and the entries they lock; tier gates, events and bad input.

One sandbox serves the module (starting one per test would dominate its time): each test writes on its own
objects (a task with no time logged yet, its own category, its own timesheet week), so none sees another's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest

from asana_sandbox.errors import PAYMENT_REQUIRED_MESSAGE
from asana_sandbox.server import SandboxServer
from tests.sandbox.helpers import ACME, PERSONAL, error_message, gids, workspace
from tests.sandbox_client import SandboxClient

OPEN_DAY = "2026-09-15"  # a Tuesday of a week no timesheet covers (the tests' timesheets come later)
_WEEKS = itertools.count()


@pytest.fixture(scope="module")
def client() -> Iterator[SandboxClient]:
    server = SandboxServer("demo", requests_per_minute=1_000_000).start()
    yield SandboxClient(server)
    server.stop()


def _monday() -> str:
    """A Monday of its own for each test's timesheet, after every week of the demo."""
    return (date(2027, 1, 4) + timedelta(weeks=next(_WEEKS))).isoformat()


def _task(client: SandboxClient, name: str = ACME, *, projects: int = 1) -> dict:
    """A task of the workspace in at least `projects` projects, with no time logged on it."""
    ws = workspace(client.store, name)["gid"]
    return next(
        t
        for t in client.store.all("task")
        if t["workspace"]["gid"] == ws
        and len(t["projects"]) >= projects
        and not client.store.related("time_tracking_entry", "task", t["gid"])
    )


def _log(client: SandboxClient, task: dict, **fields: object) -> dict:
    response = client.post(
        f"/tasks/{task['gid']}/time_tracking_entries",
        {"duration_minutes": 30, "entered_on": OPEN_DAY, **fields},
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _actual_time(client: SandboxClient, task: dict) -> object:
    return client.get(f"/tasks/{task['gid']}", opt_fields="actual_time_minutes").json()["data"][
        "actual_time_minutes"
    ]


def _category(client: SandboxClient, name: str = "Reviews") -> dict:
    """A new category of the Enterprise organization (tests change their own categories only)."""
    body = {"workspace": workspace(client.store)["gid"], "name": name, "color": "aqua"}
    response = client.post("/time_tracking_categories", body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _me(client: SandboxClient) -> str:
    return client.get("/users/me").json()["data"]["gid"]


# -- entries ----------------------------------------------------------------------------------------------
def test_an_entry_is_created_with_defaults_and_listed_everywhere(client: SandboxClient) -> None:
    task = _task(client)
    response = client.post(f"/tasks/{task['gid']}/time_tracking_entries", {"duration_minutes": 25})
    assert response.status_code == 201
    entry = response.json()["data"]
    assert response.headers["Location"].endswith(f"/api/1.0/time_tracking_entries/{entry['gid']}")
    assert entry["entered_on"] == datetime.now(timezone.utc).date().isoformat()  # today, by default
    assert entry["attributable_to"]["gid"] == task["projects"][0]["gid"]
    assert entry["created_by"]["gid"] == _me(client)
    assert entry["task"]["gid"] == task["gid"]
    assert (entry["approval_status"], entry["billable_status"], entry["description"]) == (
        "DRAFT",
        "notApplicable",
        "",
    )
    assert entry["categories"] == []
    ws = task["workspace"]["gid"]
    assert entry["gid"] in gids(client.get(f"/tasks/{task['gid']}/time_tracking_entries").json())
    assert entry["gid"] in gids(client.get("/time_tracking_entries", task=task["gid"]).json())
    assert entry["gid"] in gids(client.get("/time_tracking_entries", workspace=ws, limit=100).json())
    assert client.get(f"/time_tracking_entries/{entry['gid']}").json()["data"] == entry


def test_actual_time_is_the_sum_of_the_entries_and_null_without_any(client: SandboxClient) -> None:
    task = _task(client)
    modified_at = task["modified_at"]
    assert _actual_time(client, task) is None
    first = _log(client, task, duration_minutes=30)
    second = _log(client, task, duration_minutes=45)
    assert _actual_time(client, task) == 75
    client.put(f"/time_tracking_entries/{first['gid']}", {"duration_minutes": 60})
    assert _actual_time(client, task) == 105
    client.delete(f"/time_tracking_entries/{first['gid']}")
    assert _actual_time(client, task) == 45
    assert client.delete(f"/time_tracking_entries/{second['gid']}").json() == {"data": {}}
    assert _actual_time(client, task) is None
    # Actual time is not among the fields that move a task's modified_at (the spec's Task.modified_at).
    assert client.get(f"/tasks/{task['gid']}").json()["data"]["modified_at"] == modified_at
    assert client.get(f"/time_tracking_entries/{first['gid']}").status_code == 404


def test_an_update_changes_only_the_fields_given(client: SandboxClient) -> None:
    task = _task(client, projects=2)
    other = task["projects"][1]["gid"]
    entry = _log(client, task, description="Draft", billable_status="billable")
    category = _category(client)
    response = client.put(
        f"/time_tracking_entries/{entry['gid']}",
        {"attributable_to": other, "categories": [category["gid"]], "entered_on": "2026-09-16"},
    )
    updated = response.json()["data"]
    assert response.status_code == 200
    assert updated["attributable_to"]["gid"] == other
    shown = {"gid": category["gid"], "resource_type": "time_tracking_category", "name": category["name"]}
    assert updated["categories"] == [{**shown, "color": category["color"]}]
    assert (updated["entered_on"], updated["description"], updated["billable_status"]) == (
        "2026-09-16",
        "Draft",
        "billable",
    )
    listed = client.get(f"/time_tracking_categories/{category['gid']}/time_tracking_entries").json()
    assert entry["gid"] in gids(listed)


def test_the_project_must_be_one_of_the_tasks(client: SandboxClient) -> None:
    task = _task(client)
    elsewhere = next(
        p for p in client.store.all("project") if p["gid"] not in {x["gid"] for x in task["projects"]}
    )
    response = client.post(
        f"/tasks/{task['gid']}/time_tracking_entries",
        {"duration_minutes": 5, "attributable_to": elsewhere["gid"]},
    )
    assert response.status_code == 400
    assert error_message(response.json()).startswith("attributable_to: The task is not in this project")


def test_categories_one_at_most_and_no_archived_one_on_new_entries(client: SandboxClient) -> None:
    task = _task(client)
    first, second = _category(client, "Pairing")["gid"], _category(client, "Travel time")["gid"]
    path = f"/tasks/{task['gid']}/time_tracking_entries"
    too_many = client.post(path, {"duration_minutes": 5, "categories": [first, second]})
    assert error_message(too_many.json()) == "categories: Currently limited to a maximum of 1 category"
    entry = _log(client, task, categories=[first])
    client.put(f"/time_tracking_categories/{first}", {"is_archived": True})
    retired = client.post(path, {"duration_minutes": 5, "categories": [first]})
    assert (retired.status_code, error_message(retired.json())) == (
        400,
        f"categories: [0]: The category is archived: {first}",
    )
    # The entry that had the category keeps it through an edit.
    kept = client.put(
        f"/time_tracking_entries/{entry['gid']}", {"categories": [first], "duration_minutes": 9}
    )
    assert [c["gid"] for c in kept.json()["data"]["categories"]] == [first]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "duration_minutes: Missing input"),
        ({"duration_minutes": 0}, "duration_minutes: Must be at least 1"),
        ({"duration_minutes": "30"}, "duration_minutes: Not an integer: 30"),
        ({"duration_minutes": 1.5}, "duration_minutes: Not an integer: 1.5"),
        ({"duration_minutes": 5, "entered_on": "15/09/2026"}, "entered_on: Invalid date string: 15/09/2026"),
        ({"duration_minutes": 5, "billable_status": "yes"}, "billable_status: Not one of the allowed values"),
        ({"duration_minutes": 5, "attributable_to": "abc"}, "attributable_to: Not a Long: abc"),
        ({"duration_minutes": 5, "categories": ["12345"]}, "categories: [0]: Not a recognized ID: 12345"),
        ({"duration_minutes": 5, "task": "12345"}, "task: Cannot write this property"),
        (
            {"duration_minutes": 5, "approval_status": "APPROVED"},
            "approval_status: Cannot write this property",
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client: SandboxClient, body: dict, message: str) -> None:
    task = _task(client)
    before = client.store.counts().get("time_tracking_entry")
    response = client.post(f"/tasks/{task['gid']}/time_tracking_entries", body)
    assert response.status_code == 400
    assert error_message(response.json()).startswith(message)
    assert client.store.counts().get("time_tracking_entry") == before
    assert _actual_time(client, task) is None


def test_unknown_objects_in_the_path_are_404(client: SandboxClient) -> None:
    assert client.post("/tasks/1/time_tracking_entries", {"duration_minutes": 5}).status_code == 404
    assert client.put("/time_tracking_entries/1", {"duration_minutes": 5}).status_code == 404
    assert client.delete("/time_tracking_categories/1").status_code == 404
    assert client.put("/timesheet_approval_statuses/1", {"approval_status": "submitted"}).status_code == 404


def test_entry_writes_follow_the_budget_of_their_project(client: SandboxClient) -> None:
    budget = next(b for b in client.store.all("budget") if b["budget_type"] == "time")
    project = budget["parent"]["gid"]
    task = next(t for t in client.store.all("task") if t["projects"] and t["projects"][0]["gid"] == project)
    actual = budget["actual"]["value"]
    status = "billable" if budget["actual"]["billable_status_filter"] != "non_billable" else "nonBillable"
    entry = _log(client, task, duration_minutes=40, billable_status=status)
    assert client.get(f"/budgets/{budget['gid']}").json()["data"]["actual"]["value"] == actual + 40
    client.delete(f"/time_tracking_entries/{entry['gid']}")
    assert client.get(f"/budgets/{budget['gid']}").json()["data"]["actual"]["value"] == actual


def test_entry_writes_are_events_of_the_task(client: SandboxClient) -> None:
    task = _task(client)
    sync = client.get("/events", resource=task["gid"]).json()["sync"]
    entry = _log(client, task)
    client.put(f"/time_tracking_entries/{entry['gid']}", {"description": "Reviewed"})
    client.delete(f"/time_tracking_entries/{entry['gid']}")
    events = client.get("/events", resource=task["gid"], sync=sync).json()["data"]
    seen = [
        (e["resource"]["resource_type"], e["action"], (e.get("change") or {}).get("field")) for e in events
    ]
    assert seen == [
        ("time_tracking_entry", "added", None),
        ("task", "changed", "actual_time_minutes"),
        ("time_tracking_entry", "changed", "description"),
        ("time_tracking_entry", "deleted", None),
        ("task", "changed", "actual_time_minutes"),
    ]
    assert events[0]["parent"]["gid"] == task["gid"]


def test_time_tracking_writes_answer_402_on_a_free_workspace(client: SandboxClient) -> None:
    task = _task(client, PERSONAL)
    before = client.store.counts()
    response = client.post(f"/tasks/{task['gid']}/time_tracking_entries", {"duration_minutes": 5})
    assert (response.status_code, error_message(response.json())) == (402, PAYMENT_REQUIRED_MESSAGE)
    response = client.post("/timesheet_approval_statuses", _week(client, _monday(), PERSONAL))
    assert response.status_code == 402
    assert client.store.counts() == before
    assert _actual_time(client, task) is None


# -- timesheets -------------------------------------------------------------------------------------------
def _week(client: SandboxClient, monday: str, name: str = ACME) -> dict:
    sunday = (date.fromisoformat(monday) + timedelta(days=6)).isoformat()
    return {
        "workspace": workspace(client.store, name)["gid"],
        "user": "me",
        "start_date": monday,
        "end_date": sunday,
    }


def _timesheet(client: SandboxClient, monday: str) -> dict:
    response = client.post("/timesheet_approval_statuses", _week(client, monday))
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _day(monday: str, days: int = 1) -> str:
    return (date.fromisoformat(monday) + timedelta(days=days)).isoformat()


def test_a_timesheet_week_is_created_as_a_draft_and_listed(client: SandboxClient) -> None:
    monday = _monday()
    sheet = _timesheet(client, monday)
    assert (sheet["approval_status"], sheet["start_date"], sheet["end_date"]) == (
        "DRAFT",
        monday,
        _day(monday, 6),
    )
    assert sheet["user"]["gid"] == _me(client)
    listed = client.get("/timesheet_approval_statuses", workspace=sheet["workspace"]["gid"], user="me")
    assert sheet["gid"] in gids(listed.json())
    again = client.post("/timesheet_approval_statuses", _week(client, monday))
    assert (
        error_message(again.json())
        == f"start_date: The user already has a timesheet for the week of {monday}"
    )


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (("2026-09-15", "2026-09-21"), "start_date: Must be a Monday: 2026-09-15"),
        (("2026-09-14", "2026-09-19"), "end_date: Must be the Sunday after start_date: 2026-09-19"),
        ((None, "2026-09-20"), "start_date: Missing input"),
    ],
)
def test_a_timesheet_covers_a_monday_to_sunday_week(
    client: SandboxClient, dates: tuple, message: str
) -> None:
    body = {**_week(client, "2026-09-14"), "start_date": dates[0], "end_date": dates[1]}
    response = client.post("/timesheet_approval_statuses", body)
    assert (response.status_code, error_message(response.json())) == (400, message)


def test_timesheets_move_submit_recall_approve_reject_and_entries_follow(client: SandboxClient) -> None:
    monday = _monday()
    entry = _log(client, _task(client), entered_on=_day(monday))
    sheet = _timesheet(client, monday)

    def move(status: str) -> tuple[int, str]:
        response = client.put(f"/timesheet_approval_statuses/{sheet['gid']}", {"approval_status": status})
        body = response.json()
        return response.status_code, body["data"]["approval_status"] if "data" in body else error_message(
            body
        )

    def shown() -> str:
        return client.get(f"/time_tracking_entries/{entry['gid']}").json()["data"]["approval_status"]

    assert move("submitted") == (200, "SUBMITTED") and shown() == "SUBMITTED"
    assert move("draft") == (200, "DRAFT") and shown() == "DRAFT"  # recalled
    assert move("approved") == (400, "approval_status: Invalid transition from draft to approved")
    assert move("submitted")[1] == "SUBMITTED"
    assert move("rejected") == (200, "REJECTED") and shown() == "REJECTED"
    assert move("submitted")[1] == "SUBMITTED"
    assert move("approved") == (200, "APPROVED") and shown() == "APPROVED"
    assert move("draft") == (400, "approval_status: Invalid transition from approved to draft")
    ws = sheet["workspace"]["gid"]
    filtered = client.get("/time_tracking_entries", workspace=ws, timesheet_approval_status=sheet["gid"])
    assert gids(filtered.json()) == [entry["gid"]]


def test_a_submitted_or_approved_week_locks_its_entries(client: SandboxClient) -> None:
    monday = _monday()
    task = _task(client)
    entry = _log(client, task, entered_on=_day(monday))
    next_week = _log(client, task, entered_on=_day(_monday()))  # a week of its own, not locked
    sheet = _timesheet(client, monday)
    client.put(f"/timesheet_approval_statuses/{sheet['gid']}", {"approval_status": "submitted"})
    for response in (
        client.put(f"/time_tracking_entries/{entry['gid']}", {"duration_minutes": 5}),
        client.delete(f"/time_tracking_entries/{entry['gid']}"),
        client.post(
            f"/tasks/{task['gid']}/time_tracking_entries", {"duration_minutes": 5, "entered_on": _day(monday)}
        ),
        client.put(f"/time_tracking_entries/{next_week['gid']}", {"entered_on": _day(monday)}),
    ):
        assert response.status_code == 403
        assert "is submitted: its time tracking entries cannot be changed" in error_message(response.json())
    assert _actual_time(client, task) == 60
    client.put(f"/timesheet_approval_statuses/{sheet['gid']}", {"approval_status": "draft"})
    assert client.put(f"/time_tracking_entries/{entry['gid']}", {"duration_minutes": 5}).status_code == 200


def test_a_timesheet_update_takes_only_a_status(client: SandboxClient) -> None:
    sheet = _timesheet(client, _monday())
    path = f"/timesheet_approval_statuses/{sheet['gid']}"
    assert error_message(client.put(path, {"message": "hi"}).json()) == "approval_status: Missing input"
    wrong_case = client.put(path, {"approval_status": "SUBMITTED"})
    assert error_message(wrong_case.json()).startswith("approval_status: Not one of the allowed values")
    moved = client.put(path, {"approval_status": "submitted", "start_date": OPEN_DAY})
    assert error_message(moved.json()) == "start_date: Cannot write this property"
    assert client.get(path).json()["data"]["approval_status"] == "DRAFT"


# -- categories -------------------------------------------------------------------------------------------
def test_a_category_is_created_listed_archived_and_deleted(client: SandboxClient) -> None:
    ws = workspace(client.store)["gid"]
    response = client.post("/time_tracking_categories", {"workspace": ws, "name": "Code review"})
    category = response.json()["data"]
    assert response.status_code == 201
    assert (category["name"], category["color"], category["is_archived"]) == ("Code review", "none", False)
    assert category["gid"] in gids(client.get("/time_tracking_categories", workspace=ws).json())
    client.put(f"/time_tracking_categories/{category['gid']}", {"is_archived": True})
    assert category["gid"] not in gids(client.get("/time_tracking_categories", workspace=ws).json())
    archived = client.get("/time_tracking_categories", workspace=ws, is_archived="true").json()
    assert category["gid"] in gids(archived)
    assert client.delete(f"/time_tracking_categories/{category['gid']}").json() == {"data": {}}
    assert client.get(f"/time_tracking_categories/{category['gid']}").status_code == 404


def test_entries_show_a_category_as_it_is_now_and_lose_it_when_deleted(client: SandboxClient) -> None:
    task = _task(client)
    category = _category(client)
    entry = _log(client, task, categories=[category["gid"]])
    client.put(f"/time_tracking_categories/{category['gid']}", {"name": "Engineering", "color": "magenta"})
    shown = client.get(f"/time_tracking_entries/{entry['gid']}").json()["data"]["categories"]
    assert [(c["name"], c["color"]) for c in shown] == [("Engineering", "magenta")]
    client.delete(f"/time_tracking_categories/{category['gid']}")
    assert client.get(f"/time_tracking_entries/{entry['gid']}").json()["data"]["categories"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "x"}, "workspace: Missing input"),
        ({"workspace": "WS"}, "name: Missing input"),
        ({"workspace": "WS", "name": ""}, "name: Missing input"),
        ({"workspace": "WS", "name": "x", "color": "teal"}, "color: Not one of the allowed values"),
        ({"workspace": "99999", "name": "x"}, "workspace: Not a recognized ID: 99999"),
    ],
)
def test_bad_categories_are_refused(client: SandboxClient, body: dict, message: str) -> None:
    body = {k: workspace(client.store)["gid"] if v == "WS" else v for k, v in body.items()}
    before = client.store.counts()["time_tracking_category"]
    response = client.post("/time_tracking_categories", body)
    assert (response.status_code, error_message(response.json()).startswith(message)) == (400, True)
    assert client.store.counts()["time_tracking_category"] == before


def test_a_category_stays_in_its_workspace(client: SandboxClient) -> None:
    category = _category(client)
    response = client.put(f"/time_tracking_categories/{category['gid']}", {"workspace": "1"})
    assert error_message(response.json()) == "workspace: Cannot write this property"


# -- entries follow their task's projects -----------------------------------------------------------------
def _time_budgets(client: SandboxClient) -> list[dict]:
    """Two time budgets, on projects of the Enterprise organization."""
    budgets = [b for b in client.store.all("budget") if b["budget_type"] == "time"]
    assert len(budgets) >= 2
    return budgets[:2]


def _counted(*budgets: dict) -> str:
    """An entry's billable status that every one of the budgets counts in its actual."""
    filters = {b["actual"]["billable_status_filter"] for b in budgets}
    # A budget's filter says non_billable where an entry says nonBillable.
    return next(
        entry
        for entry, f in (("billable", "billable"), ("nonBillable", "non_billable"))
        if filters <= {f, "any"}
    )


def _actual(client: SandboxClient, budget: dict) -> int:
    return client.get(f"/budgets/{budget['gid']}").json()["data"]["actual"]["value"]


def _new_task(client: SandboxClient, *projects: str) -> dict:
    response = client.post("/tasks", {"name": "Logged work", "projects": list(projects)})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _attributed(client: SandboxClient, entry: dict) -> str | None:
    path = f"/time_tracking_entries/{entry['gid']}"
    shown = client.get(path, opt_fields="attributable_to").json()["data"].get("attributable_to")
    return shown["gid"] if shown else None


def test_deleting_a_task_takes_its_entries_out_of_the_budget(client: SandboxClient) -> None:
    budget = _time_budgets(client)[0]
    before = _actual(client, budget)
    task = _new_task(client, budget["parent"]["gid"])
    _log(client, task, duration_minutes=40, billable_status=_counted(budget))
    assert _actual(client, budget) == before + 40
    assert client.delete(f"/tasks/{task['gid']}").status_code == 200
    assert _actual(client, budget) == before


def test_entries_count_towards_one_of_their_tasks_projects_as_it_moves(client: SandboxClient) -> None:
    first, second = _time_budgets(client)
    project, other = first["parent"]["gid"], second["parent"]["gid"]
    before = (_actual(client, first), _actual(client, second))
    task = _new_task(client, project, other)
    entry = _log(client, task, duration_minutes=40, billable_status=_counted(first, second))
    assert (_attributed(client, entry), _actual(client, first)) == (project, before[0] + 40)
    # Out of the project it counted towards: it counts towards the task's other project.
    client.post(f"/tasks/{task['gid']}/removeProject", {"project": project})
    assert _attributed(client, entry) == other
    assert (_actual(client, first), _actual(client, second)) == (before[0], before[1] + 40)
    # Out of its last project: it counts towards none; back in one, towards that one.
    client.post(f"/tasks/{task['gid']}/removeProject", {"project": other})
    assert (_attributed(client, entry), _actual(client, second)) == (None, before[1])
    client.post(f"/tasks/{task['gid']}/addProject", {"project": project})
    assert (_attributed(client, entry), _actual(client, first)) == (project, before[0] + 40)
    client.delete(f"/tasks/{task['gid']}")
    assert (_actual(client, first), _actual(client, second)) == before
