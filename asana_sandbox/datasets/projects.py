"""Projects, with their sections, custom field settings, memberships and (for some) a project brief."""

from __future__ import annotations

from . import custom_fields, memberships, sections, words
from .builder import DAY_MS, SPAN_MS, Builder, Record, day, html, iso, ref
from .workspaces import Space


def project_names(b: Builder, count: int, personal: bool) -> list[str]:
    """`count` distinct names: from the personal list, or a prefix and a topic."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        if personal:
            name = b.pick(words.PERSONAL_PROJECTS)
        else:
            name = f"{b.pick(words.PROJECT_PREFIXES)} {b.pick(words.PROJECT_TOPICS)}"
        if name in seen:
            name = f"{name} {len(names) + 1}"
        seen.add(name)
        names.append(name)
    return names


def projects(b: Builder, space: Space, names: list[str], archived: int, fields_per_project: int) -> None:
    """Projects with sections, custom field settings, memberships and (for some) a project brief."""
    ws = space.workspace
    for i, name in enumerate(names):
        gid = b.gid()
        created = b.when(0, SPAN_MS // 3)
        is_archived = i >= len(names) - archived
        members = b.sample(space.users, b.rng.randint(min(3, len(space.users)), min(10, len(space.users))))
        owner = members[0]
        team = b.pick(space.teams) if space.teams else None
        start = created + b.rng.randint(0, 20) * DAY_MS
        project: Record = {
            "gid": gid,
            "resource_type": "project",
            "name": name,
            "archived": is_archived,
            "color": b.pick(words.COLORS),
            "icon": b.pick(("list", "board", "rocket", "calendar", "star", "globe")),
            "created_at": iso(created),
            "current_status": None,
            "current_status_update": None,
            "custom_field_settings": [],
            "default_view": b.pick(("list", "board", "timeline", "calendar")),
            "due_date": None,
            "due_on": None,
            "html_notes": html(f"Plan and track everything for <strong>{name}</strong>."),
            "members": [ref(u) for u in members],
            "modified_at": iso(b.later(created, 200)),
            "notes": f"Plan and track everything for {name}.",
            "public": not is_archived,
            "privacy_setting": b.pick(("public_to_workspace", "private_to_team", "private")),
            "start_on": day(start),
            "default_access_level": "editor",
            "minimum_access_level_for_customization": "editor",
            "minimum_access_level_for_sharing": "editor",
            "custom_fields": [],
            "completed": is_archived,
            "completed_at": None,
            "completed_by": None,
            "followers": [ref(u) for u in members[: max(1, len(members) // 2)]],
            "owner": ref(owner),
            "team": ref(team) if team else None,
            "permalink_url": f"https://app.asana.com/1/{ws['gid']}/project/{gid}",
            "project_brief": None,
            "created_from_template": None,
            "workspace": ref(ws),
        }
        project["due_on"] = project["due_date"] = day(start + b.rng.randint(30, 240) * DAY_MS)
        if is_archived:
            project["completed_at"] = project["modified_at"]
            project["completed_by"] = ref(owner)
        b.add(project)
        space.projects.append(project)
        sections.of_project(b, space, project, created)
        custom_fields.settings_on_project(b, space, project, fields_per_project)
        memberships.of_project(b, project, members)
        if b.chance(0.5):
            brief = b.add(
                {
                    "gid": b.gid(),
                    "resource_type": "project_brief",
                    "title": f"{name} — Project Brief",
                    "html_text": html(f"Why <em>{name}</em> matters and what done looks like."),
                    "text": f"Why {name} matters and what done looks like.",
                    "permalink_url": f"https://app.asana.com/1/{ws['gid']}/project/{gid}/brief",
                    "project": ref(project),
                }
            )
            project["project_brief"] = {"gid": brief["gid"], "resource_type": "project_brief"}
