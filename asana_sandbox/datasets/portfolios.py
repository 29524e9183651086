"""Portfolios with their items, custom field settings and members, and project portfolio settings."""

from __future__ import annotations

from . import words
from .builder import DAY_MS, SPAN_MS, Builder, day, iso, ms_of, ref
from .workspaces import Space


def portfolios(b: Builder, space: Space, count: int, items: int) -> None:
    """Portfolios holding projects (and the second and later ones the first portfolio), with members."""
    ws = space.workspace
    for k, name in enumerate(b.sample(words.PORTFOLIOS, count)):
        owner = b.pick(space.users)
        members = [owner, *b.sample([u for u in space.users if u is not owner], 3)]
        held = [ref(p) for p in b.sample(space.projects, items)]
        if k and space.portfolios:
            held.append(ref(space.portfolios[0]))
        created = b.when(0, SPAN_MS // 2)
        portfolio = b.add(
            {
                "gid": b.gid(),
                "resource_type": "portfolio",
                "name": name,
                "archived": False,
                "color": b.pick(words.COLORS),
                "start_on": day(created),
                "due_on": day(created + 180 * DAY_MS),
                "default_access_level": "editor",
                "created_at": iso(created),
                "created_by": ref(owner),
                "custom_field_settings": [],
                "current_status_update": None,
                "custom_fields": [],
                "members": [ref(u) for u in members],
                "owner": ref(owner),
                "workspace": ref(ws),
                "permalink_url": "",
                "public": b.chance(0.5),
                "privacy_setting": b.pick(("public_to_domain", "members_only")),
                "project_templates": [],
                "_items": held,
            }
        )
        portfolio["permalink_url"] = f"https://app.asana.com/0/portfolio/{portfolio['gid']}/list"
        space.portfolios.append(portfolio)
        for cf in b.sample(space.custom_fields, 2):
            setting = b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "custom_field_setting",
                    "is_important": True,
                    "parent": ref(portfolio),
                    "custom_field": ref(cf),
                }
            )
            portfolio["custom_field_settings"].append(
                {"gid": setting["gid"], "resource_type": "custom_field_setting"}
            )
        for j, user in enumerate(members):
            level = "admin" if j == 0 else b.pick(("editor", "viewer"))
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "portfolio_membership",
                    "parent": ref(portfolio),
                    "member": ref(user),
                    "access_level": level,
                }
            )
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "membership",
                    "resource_subtype": "portfolio_membership",
                    "member": ref(user),
                    "parent": ref(portfolio),
                    "role": level,
                    "access_level": level,
                    "goal": None,
                    "user": ref(user),
                    "workspace": ref(ws),
                }
            )


def project_portfolio_settings(b: Builder, space: Space) -> None:
    """How each project in a portfolio sits there: do the portfolio's members get access to it?"""
    projects = {p["gid"]: p for p in space.projects}
    for portfolio in space.portfolios:
        for item in portfolio["_items"]:
            project = projects.get(item["gid"]) if item["resource_type"] == "project" else None
            if project is None:
                continue
            since = max(ms_of(portfolio["created_at"]), ms_of(project["created_at"]))
            b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "project_portfolio_setting",
                    "project": ref(project),
                    "portfolio": ref(portfolio),
                    "is_access_control_inherited": b.chance(0.6),
                    "created_at": iso(b.later(since, 20)),
                }
            )
