"""Tags of a workspace."""

from __future__ import annotations

from . import words
from .builder import DAY_MS, Builder, iso, ref
from .workspaces import Space


def tags(b: Builder, space: Space, count: int) -> None:
    ws = space.workspace
    for name in b.sample(words.TAGS, count):
        gid = b.gid()
        space.tags.append(
            b.add(
                {
                    "gid": gid,
                    "resource_type": "tag",
                    "name": name,
                    "color": b.pick(words.COLORS),
                    "notes": f"Work marked as {name}.",
                    "created_at": iso(b.when(0, 60 * DAY_MS)),
                    "followers": [ref(u) for u in b.sample(space.users, 1)],
                    "workspace": ref(ws),
                    "permalink_url": f"https://app.asana.com/0/{gid}/list",
                }
            )
        )
