"""Write cases for time tracking: entries, categories and timesheet approval statuses."""

from __future__ import annotations

from datetime import date, timedelta

from asana_sandbox.store import Record, Store
from tests.sandbox.write_cases import WriteCase, WriteRequest

# A week with no timesheet in the demo: entries logged there are drafts anyone can edit.
OPEN_DAY = "2026-09-15"


def _acme(store: Store) -> Record:
    return next(w for w in store.all("workspace") if w["_tier"] == "enterprise")


def _task(store: Store) -> str:
    acme = _acme(store)["gid"]
    return next(t["gid"] for t in store.all("task") if t["projects"] and t["workspace"]["gid"] == acme)


def _entry(store: Store, *statuses: str) -> str:
    return next(e["gid"] for e in store.all("time_tracking_entry") if e["approval_status"] in statuses)


def _category(store: Store) -> str:
    return next(c["gid"] for c in store.all("time_tracking_category") if not c["is_archived"])


def _timesheet(store: Store, status: str) -> str:
    return next(s["gid"] for s in store.all("timesheet_approval_status") if s["approval_status"] == status)


def _new_week(store: Store) -> dict[str, str]:
    """A user of the Enterprise organization and a week they have no timesheet for."""
    user = store.all("user")[0]
    taken = {s["start_date"] for s in store.related("timesheet_approval_status", "user", user["gid"])}
    monday = date(2026, 9, 14)
    while monday.isoformat() in taken:
        monday += timedelta(days=7)
    return {
        "user": user["gid"],
        "workspace": _acme(store)["gid"],
        "start_date": monday.isoformat(),
        "end_date": (monday + timedelta(days=6)).isoformat(),
    }


CASES = [
    WriteCase(
        "POST /tasks/{task_gid}/time_tracking_entries",
        lambda s: WriteRequest(
            f"/tasks/{_task(s)}/time_tracking_entries",
            {
                "data": {
                    "duration_minutes": 45,
                    "entered_on": OPEN_DAY,
                    "billable_status": "billable",
                    "description": "Pairing on the release checklist",
                    "categories": [_category(s)],
                }
            },
        ),
        201,
    ),
    WriteCase(
        "POST /tasks/{task_gid}/time_tracking_entries",
        lambda s: WriteRequest(f"/tasks/{_task(s)}/time_tracking_entries", {"data": {"duration_minutes": 0}}),
        400,
        "not positive",
    ),
    WriteCase(
        "PUT /time_tracking_entries/{time_tracking_entry_gid}",
        lambda s: WriteRequest(
            f"/time_tracking_entries/{_entry(s, 'DRAFT', 'REJECTED')}",
            {"data": {"duration_minutes": 75, "billable_status": "nonBillable"}},
        ),
    ),
    WriteCase(
        "PUT /time_tracking_entries/{time_tracking_entry_gid}",
        lambda s: WriteRequest(
            f"/time_tracking_entries/{_entry(s, 'APPROVED')}", {"data": {"duration_minutes": 5}}
        ),
        403,
        "approved week",
    ),
    WriteCase(
        "DELETE /time_tracking_entries/{time_tracking_entry_gid}",
        lambda s: WriteRequest(f"/time_tracking_entries/{_entry(s, 'DRAFT', 'REJECTED')}"),
    ),
    WriteCase(
        "DELETE /time_tracking_entries/{time_tracking_entry_gid}",
        lambda s: WriteRequest("/time_tracking_entries/1"),
        404,
        "unknown",
    ),
    WriteCase(
        "POST /time_tracking_categories",
        lambda s: WriteRequest(
            "/time_tracking_categories",
            {"data": {"workspace": _acme(s)["gid"], "name": "Code review", "color": "indigo"}},
        ),
        201,
    ),
    WriteCase(
        "POST /time_tracking_categories",
        lambda s: WriteRequest("/time_tracking_categories", {"data": {"workspace": _acme(s)["gid"]}}),
        400,
        "no name",
    ),
    WriteCase(
        "PUT /time_tracking_categories/{time_tracking_category_gid}",
        lambda s: WriteRequest(
            f"/time_tracking_categories/{_category(s)}", {"data": {"color": "hot-pink", "is_archived": True}}
        ),
    ),
    WriteCase(
        "DELETE /time_tracking_categories/{time_tracking_category_gid}",
        lambda s: WriteRequest(f"/time_tracking_categories/{_category(s)}"),
    ),
    WriteCase(
        "POST /timesheet_approval_statuses",
        lambda s: WriteRequest("/timesheet_approval_statuses", {"data": _new_week(s)}),
        201,
    ),
    WriteCase(
        "POST /timesheet_approval_statuses",
        lambda s: WriteRequest(
            "/timesheet_approval_statuses", {"data": {**_new_week(s), "start_date": "2026-09-15"}}
        ),
        400,
        "not a monday",
    ),
    WriteCase(
        "PUT /timesheet_approval_statuses/{timesheet_approval_status_gid}",
        lambda s: WriteRequest(
            f"/timesheet_approval_statuses/{_timesheet(s, 'DRAFT')}",
            {"data": {"approval_status": "submitted", "message": "All logged"}},
        ),
    ),
    WriteCase(
        "PUT /timesheet_approval_statuses/{timesheet_approval_status_gid}",
        lambda s: WriteRequest(
            f"/timesheet_approval_statuses/{_timesheet(s, 'DRAFT')}",
            {"data": {"approval_status": "approved"}},
        ),
        400,
        "invalid transition",
    ),
]
