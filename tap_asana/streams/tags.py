"""Tags of each workspace."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "tags",
        "/workspaces/{workspace_gid}/tags",
        parent="workspaces",
        description="Tags of each workspace.",
    ),
]
