"""What happens on tasks over time: stories (comments and system stories), attachments, time entries."""

from __future__ import annotations

from ..models.stories import due_text, story
from . import words
from .builder import DAY_MS, SPAN_MS, Builder, Record, iso, ms_of, ref
from .people import Space


def task_stories(b: Builder, space: Space, mean: float) -> None:
    """About `mean` stories per task, then each task's modified_at moved to its latest story."""
    for task in space.tasks:
        at = ms_of(task["created_at"])
        for subtype, text, author, extra in _story_plan(b, space, task, mean):
            at = b.later(at, 6)
            b.add(story(b.gid(), task, author, iso(at), subtype, text, **extra))
        if task["completed"]:
            at = max(at, ms_of(task["completed_at"]))
            closer = task["completed_by"]
            b.add(story(b.gid(), task, closer, iso(at), "marked_complete", "marked this task complete"))
        touch(task, at)


def _story_plan(
    b: Builder, space: Space, task: Record, mean: float
) -> list[tuple[str, str, Record, dict[str, object]]]:
    """(subtype, text, author, subtype fields) of a task's stories, oldest first, before completion."""
    creator = task["created_by"]
    plan: list[tuple[str, str, Record, dict[str, object]]] = []
    if task["projects"]:
        project = task["projects"][0]
        plan.append(("added_to_project", f"added to {project['name']}", creator, {"project": dict(project)}))
    budget = min(12, max(0, round(b.rng.expovariate(1 / mean)))) if mean else 0
    if task["assignee"] and budget:
        assignee = task["assignee"]
        plan.append(("assigned", f"assigned to {assignee['name']}", creator, {"assignee": dict(assignee)}))
        budget -= 1
    if task["due_on"] and budget and b.chance(0.5):
        dates = {"start_on": task["start_on"], "due_at": None, "due_on": task["due_on"]}
        text = f"changed the due date to {due_text(task['due_on'])}"
        plan.append(("due_date_changed", text, creator, {"new_dates": dates}))
        budget -= 1
    for _ in range(budget):
        author = b.pick(space.users)
        plan.append(("comment_added", b.pick(words.COMMENTS), author, {"is_edited": b.chance(0.05)}))
    return plan


def touch(task: Record, at_ms: int) -> None:
    """Asana moves modified_at on every story, so the last story bounds it from below."""
    at_ms = min(at_ms, SPAN_MS)
    if ms_of(task["modified_at"]) < at_ms:
        task["modified_at"] = iso(at_ms)


def goal_stories(b: Builder, space: Space) -> None:
    for goal in space.goals:
        at = b.when(0, SPAN_MS - 30 * DAY_MS)
        for _ in range(b.rng.randint(1, 3)):
            at = b.later(at, 5)
            b.add(story(b.gid(), goal, b.pick(space.users), iso(at), "comment_added", b.pick(words.COMMENTS)))


def attachment(b: Builder, parent: Record, created: int) -> Record:
    name, size = b.pick(words.FILES)
    gid = b.gid()
    host = b.pick(("asana", "asana", "dropbox", "gdrive"))
    hosted = host == "asana"
    return b.add(
        {
            "gid": gid,
            "resource_type": "attachment",
            "name": name,
            "resource_subtype": host,
            "created_at": iso(created),
            "download_url": f"https://asana-user-private.s3.amazonaws.com/assets/{gid}/{name}"
            if hosted
            else None,
            "permanent_url": f"https://app.asana.com/app/asana/-/get_asset?asset_id={gid}",
            "host": host,
            "parent": ref(parent),
            "size": size if hosted else None,
            "view_url": f"https://www.{host}.com/view/{gid}/{name}" if not hosted else None,
            "connected_to_app": False,
        }
    )


def attachments(b: Builder, space: Space, chance: float) -> None:
    """Files on some tasks, on every fourth project and on project briefs."""
    for task in space.tasks:
        if b.chance(chance):
            at = b.later(ms_of(task["created_at"]), 2)
            attachment(b, task, at)
            touch(task, at)
    briefs = {r["gid"]: r for r in b.records if r["resource_type"] == "project_brief"}
    for k, project in enumerate(space.projects):
        if k % 4 == 0:
            attachment(b, project, b.later(ms_of(project["created_at"]), 5))
        if project["project_brief"] and k % 3 == 0:
            attachment(b, briefs[project["project_brief"]["gid"]], b.later(ms_of(project["created_at"]), 5))


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
