"""Access control (RBAC) roles."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "roles",
        "/roles",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        description="Access control (RBAC) roles of each workspace, standard and custom.",
    ),
]
