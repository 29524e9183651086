"""Workspace-level streams: workspaces, users, memberships, teams, tags, custom fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_asana.streams.declarative import StreamSpec, TableStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context, Record


class WorkspacesStream(TableStream):
    """Workspaces and organizations, narrowed to the `workspaces` setting (gids or names) when set."""

    def post_process(self, row: Record, context: Context | None = None) -> Record | None:
        wanted = self.config.get("workspaces") or []
        if wanted and row.get("gid") not in wanted and row.get("name") not in wanted:
            return None
        return super().post_process(row, context)


SPECS = [
    StreamSpec(
        "workspaces",
        "/workspaces",
        description="Workspaces and organizations the token can see.",
        child_context={"workspace_gid": "gid"},
        cls=WorkspacesStream,
    ),
    StreamSpec(
        "users",
        "/users",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        dedupe=True,
        description="Users of each workspace; a user in several workspaces is emitted once.",
    ),
    StreamSpec(
        "workspace_memberships",
        "/workspaces/{workspace_gid}/workspace_memberships",
        parent="workspaces",
        child_context={"user_gid": "user.gid"},
        description="A user's membership of a workspace (admin, guest, active).",
    ),
    StreamSpec(
        "user_task_lists",
        "/users/{user_gid}/user_task_list",
        parent="workspace_memberships",
        params={"workspace": "{workspace_gid}"},
        single=True,
        requires=("user_gid",),
        description="Each member's My Tasks list (one object per user and workspace).",
    ),
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
    StreamSpec(
        "tags",
        "/workspaces/{workspace_gid}/tags",
        parent="workspaces",
        description="Tags of each workspace.",
    ),
    StreamSpec(
        "custom_fields",
        "/workspaces/{workspace_gid}/custom_fields",
        parent="workspaces",
        tier="premium",
        description="Custom field definitions, with their enum options.",
    ),
    StreamSpec(
        "ooo_entries",
        "/ooo_entries",
        parent="workspace_memberships",
        params={"user": "{user_gid}", "workspace": "{workspace_gid}"},
        requires=("user_gid",),
        description="Out-of-office periods of each member of a workspace.",
    ),
    StreamSpec(
        "roles",
        "/roles",
        parent="workspaces",
        params={"workspace": "{workspace_gid}"},
        description="Access control (RBAC) roles of each workspace, standard and custom.",
    ),
    StreamSpec(
        "agents",
        "/workspaces/{workspace_gid}/agents",
        parent="workspaces",
        description="AI teammates (agents) of each workspace.",
    ),
]
