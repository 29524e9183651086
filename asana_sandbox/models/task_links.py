"""A task's followers and its dependencies and dependents (both sides kept in step)."""

from __future__ import annotations

from collections.abc import Sequence

from asana_sandbox.errors import bad_request
from asana_sandbox.models import stories
from asana_sandbox.models.changes import Changes
from asana_sandbox.models.records import Record, ref

MAX_LINKS = 30  # OAS addDependencies: "at most 30 dependents and dependencies combined"


# -- followers -------------------------------------------------------------------------------------------
def add_followers(changes: Changes, task: Record, users: Sequence[Record]) -> Record:
    followers = list(task.get("followers") or ())
    new = [u for u in users if all(f["gid"] != u["gid"] for f in followers)]
    if not new:
        return task
    changes.update(task, {"followers": [*followers, *(ref(u) for u in new)]}, touch=False)
    for user in new:
        stories.add(
            changes,
            task,
            "collaborator_added",
            f"added {user.get('name')} as a collaborator",
            follower=ref(user),
        )
    return task


def remove_followers(changes: Changes, task: Record, users: Sequence[Record]) -> Record:
    gone = {u["gid"] for u in users}
    followers = [f for f in task.get("followers") or () if f["gid"] not in gone]
    changes.update(task, {"followers": followers}, touch=False)
    return task


# -- dependencies ----------------------------------------------------------------------------------------
OPPOSITE = {"dependencies": "dependents", "dependents": "dependencies"}


def link(changes: Changes, task: Record, field: str, others: Sequence[Record]) -> None:
    """Add `others` to the task's `dependencies` or `dependents`; the other side follows."""
    opposite = OPPOSITE[field]
    for other in others:
        if other["gid"] == task["gid"]:
            raise bad_request(f"{field}: A task cannot depend on itself")
        if other["workspace"]["gid"] != task["workspace"]["gid"]:
            raise bad_request(f"{field}: Task {other['gid']} is not in the task's workspace")
    new = [o for o in others if all(x["gid"] != o["gid"] for x in task.get(field) or ())]
    if not new:
        return
    for node in (task, *new):
        extra = len(new) if node is task else 1
        if len(node.get("dependencies") or ()) + len(node.get("dependents") or ()) + extra > MAX_LINKS:
            raise bad_request(
                f"{field}: A task can have at most {MAX_LINKS} dependents and dependencies combined"
            )
    blocker_field = "dependencies"
    for other in new:
        waiter, blocker = (task, other) if field == blocker_field else (other, task)
        if _waits_on(changes, blocker, waiter["gid"]):
            raise bad_request(f"{field}: Task {other['gid']} would make a circular dependency")
    changes.update(task, {field: [*(task.get(field) or ()), *(ref(o) for o in new)]}, touch=False)
    for other in new:
        changes.update(other, {opposite: [*(other.get(opposite) or ()), ref(task)]}, touch=False)
        waiter, blocker = (task, other) if field == blocker_field else (other, task)
        stories.add(
            changes,
            waiter,
            "dependency_added",
            f"added a dependency on {blocker.get('name')}",
            dependency=ref(blocker),
        )
        stories.add(
            changes,
            blocker,
            "dependent_added",
            f"added {waiter.get('name')} as a dependent",
            dependency=ref(waiter),
        )


def unlink(changes: Changes, task: Record, field: str, others: Sequence[Record]) -> None:
    """Remove `others` from the task's `dependencies` or `dependents`, on both sides."""
    opposite = OPPOSITE[field]
    gone = {o["gid"] for o in others} & {x["gid"] for x in task.get(field) or ()}
    if not gone:
        return
    changes.update(task, {field: [x for x in task.get(field) or () if x["gid"] not in gone]}, touch=False)
    for other in others:
        if other["gid"] not in gone:
            continue
        kept = [x for x in other.get(opposite) or () if x["gid"] != task["gid"]]
        changes.update(other, {opposite: kept}, touch=False)
        waiter, blocker = (task, other) if field == "dependencies" else (other, task)
        stories.add(
            changes,
            waiter,
            "dependency_removed",
            f"removed a dependency on {blocker.get('name')}",
            dependency=ref(blocker),
        )
        stories.add(
            changes,
            blocker,
            "dependent_removed",
            f"removed {waiter.get('name')} as a dependent",
            dependency=ref(waiter),
        )


def _waits_on(changes: Changes, task: Record, target_gid: str) -> bool:
    """Whether `task` already waits, directly or through others, on the task `target_gid`."""
    seen, stack = set(), [task]
    while stack:
        node = stack.pop()
        for dep in node.get("dependencies") or ():
            if dep["gid"] == target_gid:
                return True
            if dep["gid"] not in seen:
                seen.add(dep["gid"])
                found = changes.store.get(dep["gid"], "task")
                if found is not None:
                    stack.append(found)
    return False
