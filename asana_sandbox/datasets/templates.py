"""Project and task templates."""

from __future__ import annotations

from . import words
from .builder import Builder, html, iso, ms_of, ref
from .workspaces import Space


def project_templates(b: Builder, space: Space, count: int) -> None:
    """Templates owned by a user (in a team for organizations); some projects were created from them."""
    ws = space.workspace
    templates = []
    for project in b.sample(space.projects, count):
        team = b.pick(space.teams) if space.teams else None
        template = b.add(
            {
                "gid": b.gid(),
                "resource_type": "project_template",
                "name": f"{project['name']} template",
                "description": f"Start a project like {project['name']}.",
                "html_description": html(f"Start a project like <strong>{project['name']}</strong>."),
                "public": b.chance(0.5),
                "owner": dict(project["owner"]),
                "team": ref(team) if team else None,
                "requested_dates": [
                    {"gid": "1", "name": "Start Date", "description": "Choose a start date for your project."}
                ],
                "color": b.pick(words.COLORS),
                "requested_roles": [],
                "_workspace": ws["gid"],
            }
        )
        templates.append(template)
    for project in space.projects:
        if templates and project["created_from_template"] is None and b.chance(0.2):
            project["created_from_template"] = ref(b.pick(templates))


def task_templates(b: Builder, space: Space, count: int) -> None:
    for project in b.sample(space.projects, count):
        name = f"{b.pick(('Bug report', 'Content request', 'Design review', 'Onboarding step'))}"
        creator = dict(project["owner"])
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "task_template",
                "name": name,
                "project": ref(project),
                "template": {
                    "name": name,
                    "task_resource_subtype": "default_task",
                    "description": f"Use this template for a {name.lower()}.",
                    "html_description": html(f"Use this template for a {name.lower()}."),
                    "memberships": [ref(project)],
                    "relative_start_on": None,
                    "relative_due_on": b.rng.randint(1, 14),
                    "due_time": None,
                    "dependencies": [],
                    "dependents": [],
                    "followers": [creator],
                    "attachments": [],
                    "subtasks": [],
                    "custom_fields": [],
                },
                "created_by": creator,
                "created_at": iso(b.later(ms_of(project["created_at"]), 30)),
            }
        )
