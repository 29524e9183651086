"""What asana__task_status_history must hold, computed in Python from the sandbox's store."""

from __future__ import annotations

from asana_sandbox.store import Store


def status_spells(store: Store) -> dict[str, list[str]]:
    """Task gid -> its statuses in order: open from creation, then one per marked_complete/marked_incomplete
    story, and the task's own status last when the stories do not end in it."""
    tasks = {t["gid"]: t for t in store.all("task")}
    spells: dict[str, list[str]] = {gid: ["open"] for gid in tasks}
    stories = [s for s in store.all("story") if (s.get("target") or {}).get("gid") in tasks]
    for story in sorted(stories, key=lambda s: (s["created_at"], s["gid"])):
        if story["resource_subtype"] in ("marked_complete", "marked_incomplete"):
            status = "completed" if story["resource_subtype"] == "marked_complete" else "open"
            spells[story["target"]["gid"]].append(status)
    for gid, task in tasks.items():
        now = "completed" if task.get("completed") else "open"
        if spells[gid][-1] != now:
            spells[gid].append(now)
    return spells
