"""Teams of each organization and their memberships."""

from __future__ import annotations

from tap_asana.streams.declarative import StreamSpec

SPECS = [
    StreamSpec(
        "teams",
        "/workspaces/{workspace_gid}/teams",
        parent="workspaces",
        child_context={"team_gid": "gid"},
        description="Teams of each organization (plain workspaces have none).",
    ),
    StreamSpec(
        "team_memberships",
        "/teams/{team_gid}/team_memberships",
        parent="teams",
        description="Users' memberships of teams.",
    ),
]
