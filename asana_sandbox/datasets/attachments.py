"""Attachments: files on tasks, projects and project briefs."""

from __future__ import annotations

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
