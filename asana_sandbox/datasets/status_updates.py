"""Status updates on projects, portfolios and goals, and projects' deprecated project statuses."""

from __future__ import annotations

from . import words
from .builder import DAY_MS, SPAN_MS, Builder, html, iso, ref
from .workspaces import Space


def status_updates(b: Builder, space: Space) -> None:
    """Status updates on projects, portfolios and goals; projects also get the deprecated project statuses.

    The newest one becomes the parent's current_status_update (current_status for project statuses).
    """
    parents = [*space.projects, *space.portfolios, *space.goals]
    kinds = {
        "project": "project_status_update",
        "portfolio": "portfolio_status_update",
        "goal": "goal_status_update",
    }
    for parent in parents:
        kind = parent["resource_type"]
        if kind == "project" and len(parents) > 40 and b.chance(0.5):
            continue  # large datasets: only about half of the projects report status
        at = b.when(0, SPAN_MS - 90 * DAY_MS)
        for _ in range(b.rng.randint(1, 3)):
            at = b.later(at, 30)
            author = b.pick(space.users)
            status = b.pick(("on_track", "on_track", "at_risk", "off_track", "on_hold"))
            title = f"{b.pick(words.STATUS_TITLES)} - {iso(at)[:10]}"
            text = b.pick(words.STATUS_TEXTS)
            update = b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "status_update",
                    "title": title,
                    "resource_subtype": kinds[kind],
                    "text": text,
                    "html_text": html(text),
                    "status_type": status,
                    "author": ref(author),
                    "created_at": iso(at),
                    "created_by": ref(author),
                    "hearted": False,
                    "hearts": [],
                    "liked": False,
                    "likes": [],
                    "reaction_summary": [],
                    "modified_at": iso(at + 60_000),
                    "num_hearts": 0,
                    "num_likes": 0,
                    "parent": ref(parent),
                }
            )
            parent["current_status_update"] = {
                k: update[k] for k in ("gid", "resource_type", "title", "resource_subtype")
            }
            if kind != "project":
                continue
            color = {"on_track": "green", "at_risk": "yellow", "off_track": "red", "on_hold": "blue"}[status]
            legacy = b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "project_status",
                    "title": title,
                    "text": text,
                    "html_text": html(text),
                    "color": color,
                    "author": ref(author),
                    "created_at": iso(at),
                    "created_by": ref(author),
                    "modified_at": iso(at + 60_000),
                    "_parent": parent["gid"],
                }
            )
            parent["current_status"] = {k: v for k, v in legacy.items() if not k.startswith("_")}
