"""Project and task templates."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "project_templates",
        "/project_templates",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        description="Project templates of each workspace.",
    ),
    StreamSpec(
        "task_templates",
        "/task_templates",
        parent="projects",
        params={"project": "{project_gid}"},
        description="Task templates of each project.",
    ),
]
