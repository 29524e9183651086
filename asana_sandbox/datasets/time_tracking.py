"""Time tracking: entries logged on tasks, their categories, and the weekly timesheets that approve them."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from .builder import DAY_MS, Builder, Record, day, iso, ms_of, ref
from .workspaces import Space

CATEGORIES = (
    ("Development", "blue"),
    ("Design", "purple"),
    ("Meetings", "yellow"),
    ("Research", "aqua"),
    ("Client support", "orange"),
    ("Training", "green"),
    ("Travel", "cool-gray"),
)

ARCHIVED_CATEGORY = ("Legacy billing", "red")  # archived a year into the window: only older entries carry it
ARCHIVED_AFTER_DAYS = 365

# Timesheet states from least to most advanced; a week's timesheet is as far as its least advanced entry.
_PROGRESS = ("DRAFT", "SUBMITTED", "APPROVED")


def time_entries(b: Builder, space: Space, chance: float) -> None:
    """Logged time on some project tasks; the task's actual_time_minutes is their sum."""
    for task in space.tasks:
        if not task["projects"] or not b.chance(chance):
            continue
        total = 0
        for _ in range(b.rng.randint(1, 3)):
            created = b.later(ms_of(task["created_at"]), 30)
            minutes = b.pick((15, 30, 45, 60, 90, 120, 180, 240))
            total += minutes
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "time_tracking_entry",
                    "duration_minutes": minutes,
                    "entered_on": iso(created)[:10],
                    "attributable_to": dict(task["projects"][0]),
                    "created_by": dict(task["assignee"] or task["created_by"]),
                    "categories": [],
                    "task": ref(task),
                    "created_at": iso(created),
                    "approval_status": b.pick(("DRAFT", "SUBMITTED", "APPROVED", "APPROVED")),
                    "billable_status": b.pick(("billable", "nonBillable", "notApplicable")),
                    "description": f"Worked on {task['name'].lower()}",
                    "_workspace": space.workspace["gid"],
                }
            )
        task["actual_time_minutes"] = total


def time_tracking_categories(b: Builder, space: Space, count: int, entries: list[Record]) -> None:
    """Categories of a workspace (the last one archived) and the categories of its time entries."""
    if count <= 0:
        return
    chosen = [*CATEGORIES[: count - 1], ARCHIVED_CATEGORY]
    categories = [
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "time_tracking_category",
                "name": name,
                "color": color,
                "is_archived": (name, color) == ARCHIVED_CATEGORY,
                "_workspace": space.workspace["gid"],
            }
        )
        for name, color in chosen
    ]
    active = [c for c in categories if not c["is_archived"]]
    archived_on = archived_category_cutoff()
    for entry in entries:
        # An archived category cannot be given to new entries, but stays on the ones that had it.
        pool = categories if entry["entered_on"] < archived_on else active
        picked = b.sample(pool, b.pick((0, 1, 1, 1, 1, 1, 1, 1, 2, 2)))
        entry["categories"] = [{**ref(c), "color": c["color"]} for c in sorted(picked, key=categories.index)]


def archived_category_cutoff() -> str:
    """The day the archived category was archived in the window being built (2026-01-01 in the base one)."""
    return day(ARCHIVED_AFTER_DAYS * DAY_MS)


def timesheets(b: Builder, space: Space, entries: list[Record]) -> None:
    """One approval status per user and week with logged time (Monday to Sunday).

    A week is as far along as its least advanced entry (draft, then submitted, then approved); some submitted
    weeks were rejected. Every entry of the week then shows its timesheet's status, as in Asana.
    """
    weeks: dict[tuple[str, str], list[Record]] = defaultdict(list)
    users: dict[str, Record] = {}
    for entry in entries:
        entered = date.fromisoformat(entry["entered_on"])
        monday = (entered - timedelta(days=entered.weekday())).isoformat()
        weeks[(monday, entry["created_by"]["gid"])].append(entry)
        users[entry["created_by"]["gid"]] = entry["created_by"]
    for (monday, user_gid), logged in sorted(weeks.items()):
        status = min((e["approval_status"] for e in logged), key=_progress)
        if status == "SUBMITTED" and b.chance(0.25):
            status = "REJECTED"
        for entry in logged:
            entry["approval_status"] = status
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "timesheet_approval_status",
                "created_at": min(e["created_at"] for e in logged),
                "user": dict(users[user_gid]),
                "workspace": ref(space.workspace),
                "start_date": monday,
                "end_date": (date.fromisoformat(monday) + timedelta(days=6)).isoformat(),
                "approval_status": status,
            }
        )


def _progress(status: str) -> int:
    return _PROGRESS.index(status) if status in _PROGRESS else 0
