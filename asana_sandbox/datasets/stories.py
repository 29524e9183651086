"""Stories: comments and system stories on tasks, comments on goals."""

from __future__ import annotations

from ..models.stories import due_text, story
from . import words
from .builder import DAY_MS, SPAN_MS, Builder, Record, iso, ms_of
from .workspaces import Space


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
