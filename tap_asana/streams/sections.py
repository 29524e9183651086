"""Sections of projects."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec
from tap_asana.streams.remembering import RememberingStream

SPECS = [
    StreamSpec(
        "sections",
        "/projects/{project_gid}/sections",
        parent="projects",
        description="Sections of each project.",
        # Remembered per project: tombstones without ACTIVATE_VERSION (tap_asana/orphans.py, `VANISHING`).
        cls=RememberingStream,
    ),
]
