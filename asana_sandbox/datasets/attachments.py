"""Attachments: files on tasks, projects and project briefs."""

from __future__ import annotations

from ..models.stories import story
from . import words
from .builder import Builder, Record, iso, ms_of, ref
from .stories import touch
from .workspaces import Space


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


def attachment_stories(b: Builder) -> None:
    """The `attachment_added` story Asana writes on a task when a file is attached to it (the sandbox's write
    side does the same): one per task attachment, at its time, by the task's creator, "attached <name>".

    Run after every other record is generated, so the stories' gids shift none of them; each story is placed
    among its task's stories in time order, which is the order the stories listing returns them in.
    """
    tasks = {r["gid"]: r for r in b.records if r["resource_type"] == "task"}
    # Per task, its stories in list order as (created_at, record): where a new one goes.
    told: dict[str, list[tuple[str, Record]]] = {}
    for record in b.records:
        if record["resource_type"] == "story" and record["target"]["gid"] in tasks:
            told.setdefault(record["target"]["gid"], []).append((record["created_at"], record))
    after: dict[int, list[Record]] = {}  # id(record) -> the new stories that go right after it
    for record in [r for r in b.records if r["resource_type"] == "attachment"]:
        task = tasks.get(record["parent"]["gid"])
        if task is None:
            continue
        at = record["created_at"]
        new = story(b.gid(), task, task["created_by"], at, "attachment_added", f"attached {record['name']}")
        earlier = [s for when, s in told.get(task["gid"], []) if when <= at]
        anchor = earlier[-1] if earlier else task
        after.setdefault(id(anchor), []).append(new)
        told.setdefault(task["gid"], []).append((at, new))
        told[task["gid"]].sort(key=lambda pair: pair[0])
    records: list[Record] = []
    for record in b.records:
        records.append(record)
        records.extend(after.get(id(record), ()))
    b.records[:] = records
