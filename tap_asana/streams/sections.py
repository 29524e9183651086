"""Sections of projects."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "sections",
        "/projects/{project_gid}/sections",
        parent="projects",
        description="Sections of each project.",
    ),
]
