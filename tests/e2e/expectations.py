"""What the models and the dashboard must show, computed in Python straight from the sandbox's store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from asana_sandbox.store import Store
from tests.e2e.store_streams import api_visible


@dataclass
class Expected:
    tasks: int
    completed: int
    completed_with_date: int
    open: int
    overdue: int
    overdue_by_project: dict[str, int]
    overdue_by_assignee: dict[str, int]
    project_task: set[tuple[str, str]]
    task_section: set[tuple[str, str]]
    task_tag: set[tuple[str, str]]
    task_follower: set[tuple[str, str]]
    minutes_tracked: int
    goal_progress: dict[str, float | None]
    stories_on_tasks: int
    created_per_week: dict[date, int]
    completed_per_week: dict[date, int]

    @property
    def hours_tracked(self) -> float:
        return round(self.minutes_tracked / 60, 1)


def _gid(value: object) -> str | None:
    return value.get("gid") if isinstance(value, dict) else None


def _due(task: dict) -> date | None:
    if task.get("due_on"):
        return date.fromisoformat(task["due_on"])
    if task.get("due_at"):
        return datetime.fromisoformat(task["due_at"].replace("Z", "+00:00")).date()
    return None


def from_store(store: Store, today: date | None = None, *, api_only: bool = True) -> Expected:
    """Expected values after loading `store`: what the API serves (a tap run), or all (`api_only=False`)."""
    today = today or datetime.now(timezone.utc).date()

    def visible(stream: str, record: dict) -> bool:
        return not api_only or api_visible(store, stream, record)

    tasks = {t["gid"]: t for t in store.all("task")}
    projects = {p["gid"]: p["name"] for p in store.all("project")}
    users = {u["gid"]: u["name"] for u in store.all("user")}

    project_task = {
        (_gid(m.get("project")), gid)
        for gid, t in tasks.items()
        for m in t.get("memberships") or []
        if _gid(m.get("project"))
    }
    projects_of: dict[str, set[str]] = {}
    for project, task in project_task:
        projects_of.setdefault(task, set()).add(project)

    def primary_project(gid: str) -> str | None:
        seen = 0
        while gid and seen < 20:
            if projects_of.get(gid):
                return min(projects_of[gid])
            gid = _gid((tasks.get(gid) or {}).get("parent"))
            seen += 1
        return None

    overdue = [
        t for t in tasks.values() if not t.get("completed") and _due(t) is not None and _due(t) < today
    ]
    overdue_by_project = Counter(
        projects.get(primary_project(t["gid"]) or "", "(no project)") for t in overdue
    )
    overdue_by_assignee = Counter(users.get(_gid(t.get("assignee")) or "", "(unassigned)") for t in overdue)

    goal_progress: dict[str, float | None] = {}
    for goal in (g for g in store.all("goal") if visible("goals", g)):
        metric = goal.get("metric") or {}
        current, target = metric.get("current_number_value"), metric.get("target_number_value")
        initial = metric.get("initial_number_value") or 0
        if current is None or target is None or target == initial:
            goal_progress[goal["name"]] = None
        else:
            goal_progress[goal["name"]] = round(100.0 * (current - initial) / (target - initial), 1)

    completed = [t for t in tasks.values() if t.get("completed")]
    return Expected(
        tasks=len(tasks),
        completed=len(completed),
        completed_with_date=sum(1 for t in completed if t.get("completed_at")),
        open=len(tasks) - len(completed),
        overdue=len(overdue),
        overdue_by_project=dict(overdue_by_project),
        overdue_by_assignee=dict(overdue_by_assignee),
        project_task=project_task,
        task_section={
            (gid, _gid(m.get("section")))
            for gid, t in tasks.items()
            for m in t.get("memberships") or []
            if _gid(m.get("section"))
        },
        task_tag={(gid, _gid(tag)) for gid, t in tasks.items() for tag in t.get("tags") or [] if _gid(tag)},
        task_follower={
            (gid, _gid(user)) for gid, t in tasks.items() for user in t.get("followers") or [] if _gid(user)
        },
        minutes_tracked=sum(
            e.get("duration_minutes") or 0
            for e in store.all("time_tracking_entry")
            if visible("time_tracking_entries", e)
        ),
        goal_progress=goal_progress,
        created_per_week=_per_week(t.get("created_at") for t in tasks.values()),
        completed_per_week=_per_week(t.get("completed_at") for t in completed),
        stories_on_tasks=sum(1 for s in store.all("story") if _gid(s.get("target")) in tasks),
    )


def _per_week(timestamps: Iterable[str | None]) -> dict[date, int]:
    """Counts per ISO week (keyed by its Monday), as date_trunc('week', ...) groups them."""
    weeks: Counter[date] = Counter()
    for stamp in timestamps:
        if stamp:
            day = datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()
            weeks[day - timedelta(days=day.weekday())] += 1
    return dict(weeks)
