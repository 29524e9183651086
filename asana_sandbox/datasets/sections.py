"""Sections of a project."""

from __future__ import annotations

from . import words
from .builder import Builder, Record, iso, ref
from .workspaces import Space


def of_project(b: Builder, space: Space, project: Record, created: int) -> None:
    """Three to six sections of a new project, in their order, a minute apart."""
    names = b.sample(words.SECTIONS, b.rng.randint(3, 6))
    space.sections[project["gid"]] = [
        b.add(
            {
                "gid": b.gid(),
                "resource_type": "section",
                "name": name,
                "created_at": iso(created + k * 60_000),
                "project": ref(project),
                "projects": [ref(project)],
            }
        )
        for k, name in enumerate(names)
    ]
